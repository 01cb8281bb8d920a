from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model

from eyt_notify.channels import locmem
from eyt_testing.http_recorder import HttpRecorder
from eyt_testing.smtp import SmtpServer

_numbers = itertools.count(1)


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API keeps an event loop in the main thread for the session."""
    items.sort(key=lambda item: item.path.parent.name == "browser")


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, **fields):
        name = username or f"player{next(_numbers)}"
        fields.setdefault("email", f"{name}@example.com")
        return get_user_model().objects.create_user(username=name, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture(autouse=True)
def empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (signal, wake-up task) of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def http_recorder():
    with HttpRecorder() as recorder:
        yield recorder
