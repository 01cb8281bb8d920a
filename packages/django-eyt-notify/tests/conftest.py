from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections

from eyt_notify import notify
from eyt_notify.channels import locmem
from eyt_testing.http_recorder import HttpRecorder
from eyt_testing.smtp import SmtpServer

_numbers = itertools.count(1)


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


@pytest.fixture
def cache_sessions(settings):
    """Sessions in the cache (as the zero-query login check and the fast path need), and an empty cache."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def keep_the_test_transaction():
    """For tests that call Django's request handlers: as django.test.Client does, request_finished must not close
    the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def session_cookie(client, user, committed, cache_sessions):
    """``{"sessionid": ...}`` of ``user``, logged in with one unread notification (sessions in the cache)."""
    with committed():
        notify(user, "system.notice", title="One", channels=["inapp"])
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}
