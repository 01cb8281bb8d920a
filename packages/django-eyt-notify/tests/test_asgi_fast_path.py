"""eyt_notify.asgi.UnreadCountFastPath: the WSGI wrapper's rules (tests/test_wsgi_fast_path.py) under ASGI."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.urls import set_script_prefix

from eyt_notify import notify
from eyt_notify.asgi import HINT_COOKIE, UnreadCountFastPath
from tests.answers import Answer

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db,
    pytest.mark.usefixtures("cache_sessions", "keep_the_test_transaction"),
]
URL = "/notifications/unread-count/"


class Django:
    """The real Django ASGI handler, counting the requests the fast path handed to it."""

    def __init__(self) -> None:
        self.handler = ASGIHandler()
        self.calls = 0
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope, receive, send):
        self.calls += 1
        self.scopes.append(scope)
        await self.handler(scope, receive, send)


@pytest.fixture
def django_app():
    return Django()


@pytest.fixture
def fast_path(django_app):
    return UnreadCountFastPath(django_app)


def request(app, django_app, *, cookies: dict[str, str], method="GET", path=URL, root_path="", **headers):
    raw_headers = [(b"host", b"testserver")]
    raw_headers += [(b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode())] if cookies else []
    raw_headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []

    received = []

    async def receive():
        if received:  # after the body, only a disconnect would come: the client stays
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    async def run():
        await app(scope, receive, send)
        client = app._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:  # each request runs in an event loop of its own here, unlike under a server
            await client.aclose()

    calls_before = django_app.calls
    async_to_sync(run)()
    start = next(message for message in messages if message["type"] == "http.response.start")
    return Answer(
        start["status"],
        [(name.decode(), value.decode()) for name, value in start["headers"]],
        b"".join(message.get("body", b"") for message in messages if message["type"] == "http.response.body"),
        by_django=django_app.calls > calls_before,
    )


@pytest.fixture
def warm(fast_path, django_app, session_cookie):
    first = request(fast_path, django_app, cookies=session_cookie)
    assert first.by_django and first.status_code == 200
    return {**session_cookie, HINT_COOKIE: first.cookies()[HINT_COOKIE].value}


def test_django_sets_the_hint_then_the_fast_path_answers_as_it_did(
    fast_path, django_app, session_cookie, warm, user, django_assert_num_queries
):
    by_django = request(fast_path, django_app, cookies=session_cookie)
    assert django_app.scopes[-1]["eyt_notify.fast_path"] is True  # how the view knows to set the hint
    with django_assert_num_queries(0):
        fast = request(fast_path, django_app, cookies=warm)
    assert by_django.by_django and not fast.by_django
    assert (fast.status_code, fast.body) == (200, by_django.body) == (200, b'{"unread_count": 1}')
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary"):
        assert fast.header(header) == by_django.header(header), header
    assert warm[HINT_COOKIE] == str(user.pk)


def test_304_and_head(fast_path, django_app, warm):
    etag = request(fast_path, django_app, cookies=warm).header("ETag")
    not_modified = request(fast_path, django_app, cookies=warm, if_none_match=etag)
    assert (not_modified.status_code, not_modified.body, not_modified.by_django) == (304, b"", False)
    head = request(fast_path, django_app, cookies=warm, method="HEAD")
    assert (head.status_code, head.body, head.by_django) == (200, b"", False)


def test_a_change_is_counted_at_once(fast_path, django_app, warm, user, committed):
    with committed():
        notify(user, "system.notice", title="Two", channels=["inapp"])
    assert request(fast_path, django_app, cookies=warm).body == b'{"unread_count": 2}'
    again = request(fast_path, django_app, cookies=warm)
    assert (again.by_django, again.body) == (False, b'{"unread_count": 2}')


def test_a_hint_naming_someone_else_goes_to_django(fast_path, django_app, warm, make_user, user):
    other = make_user("mallory")
    answer = request(fast_path, django_app, cookies={**warm, HINT_COOKIE: str(other.pk)})
    assert (answer.by_django, answer.body) == (True, b'{"unread_count": 1}')
    assert answer.cookies()[HINT_COOKIE].value == str(user.pk)


def test_a_password_change_is_honoured(fast_path, django_app, warm, user):
    user.set_password("a new secret")
    user.save()
    answer = request(fast_path, django_app, cookies=warm)
    assert (answer.by_django, answer.status_code) == (True, 401)


def test_a_redis_failure_leaves_the_request_to_django(fast_path, django_app, warm, monkeypatch, caplog):
    async def broken(*keys):
        raise ConnectionError("Redis went away")

    class Broken:
        mget = staticmethod(broken)

    monkeypatch.setattr(fast_path, "_client", Broken)
    answer = request(fast_path, django_app, cookies=warm)
    assert (answer.by_django, answer.body) == (True, b'{"unread_count": 1}')
    assert "fast path failed" in caplog.text


@pytest.fixture
def script_prefix_restored():
    yield
    set_script_prefix("/")  # Django's handler set it from the root path, for this thread


def test_an_application_mounted_under_a_root_path(fast_path, django_app, session_cookie, user, script_prefix_restored):
    mounted = {"path": f"/app{URL}", "root_path": "/app"}
    first = request(fast_path, django_app, cookies=session_cookie, **mounted)
    assert first.by_django and first.cookies()[HINT_COOKIE]["path"] == f"/app{URL}"
    again = request(fast_path, django_app, cookies={**session_cookie, HINT_COOKIE: str(user.pk)}, **mounted)
    assert (again.by_django, again.body) == (False, b'{"unread_count": 1}')
    built_later = UnreadCountFastPath(django_app)  # while the script prefix the mounted request set is current
    assert not request(
        built_later, django_app, cookies={**session_cookie, HINT_COOKIE: str(user.pk)}, **mounted
    ).by_django


def test_other_requests_and_scopes_go_to_django_unchanged(fast_path, django_app, warm):
    assert request(fast_path, django_app, cookies=warm, method="POST").status_code == 405
    assert request(fast_path, django_app, cookies=warm, path="/notifications/recent/").by_django
    assert "eyt_notify.fast_path" not in django_app.scopes[-1]
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope)

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}}
    async_to_sync(UnreadCountFastPath(inner))(lifespan, None, None)
    assert seen == [lifespan]
