"""UnreadCountFastPath: Django's answer from one MGET, and Django itself whenever that answer cannot be proven."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from eyt_notify import notify
from eyt_notify.wsgi import HINT_COOKIE, UnreadCountFastPath
from tests.answers import Answer

URL = "/notifications/unread-count/"


class Django:
    """The real Django WSGI handler, counting the requests the fast path handed to it."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        response = self.handler(environ, start_response)
        response.close()
        return response


@pytest.fixture
def django_app():
    return Django()


@pytest.fixture
def fast_path(django_app):
    return UnreadCountFastPath(django_app)


def request(app, django_app, *, cookies: dict[str, str], method="GET", path=URL, host="testserver", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_COOKIE": "; ".join(f"{key}={value}" for key, value in cookies.items()),
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    calls_before = django_app.calls
    started: list[Any] = []
    chunks = app(environ, lambda status, headers, exc_info=None: started.extend([status, headers]))
    body = b"".join(chunks)
    return Answer(int(started[0].split()[0]), list(started[1]), body, by_django=django_app.calls > calls_before)


@pytest.mark.usefixtures("cache_sessions", "keep_the_test_transaction")
class TestWithRedis:
    pytestmark = [pytest.mark.redis, pytest.mark.django_db]

    @pytest.fixture
    def warm(self, fast_path, django_app, session_cookie, user):
        """A browser that has been answered once by Django, and holds the hint cookie it set."""
        first = request(fast_path, django_app, cookies=session_cookie)
        assert first.by_django and first.status_code == 200
        return {**session_cookie, HINT_COOKIE: first.cookies()[HINT_COOKIE].value}

    def test_the_first_request_goes_to_django_which_sets_the_hint(self, fast_path, django_app, session_cookie, user):
        answer = request(fast_path, django_app, cookies=session_cookie)
        assert answer.by_django
        assert answer.body == b'{"unread_count": 1}'
        hint = answer.cookies()[HINT_COOKIE]
        assert hint.value == str(user.pk)
        assert hint["path"] == URL
        assert hint["httponly"] is True
        assert hint["samesite"] == "Lax"

    def test_a_warm_request_gets_djangos_answer_without_django(
        self, fast_path, django_app, warm, session_cookie, django_assert_num_queries
    ):
        by_django = request(fast_path, django_app, cookies=session_cookie)  # no hint: Django answers
        with django_assert_num_queries(0):
            fast = request(fast_path, django_app, cookies=warm)
        assert by_django.by_django and not fast.by_django
        assert (fast.status_code, fast.body) == (200, by_django.body) == (200, b'{"unread_count": 1}')
        for header in ("Content-Type", "ETag", "Cache-Control", "Vary"):
            assert fast.header(header) == by_django.header(header), header
        assert fast.header("Expires") is not None
        assert fast.header("X-Content-Type-Options") == "nosniff"  # also without SecurityMiddleware
        assert not fast.cookies()

    def test_the_answer_is_one_mget_of_the_session_the_login_check_and_the_count(
        self, fast_path, django_app, warm, monkeypatch
    ):
        sent = []
        connection = fast_path._redis.connection_pool.get_connection()
        fast_path._connections.connection = connection
        original = connection.send_command
        monkeypatch.setattr(connection, "send_command", lambda *args: sent.append(args) or original(*args))
        assert not request(fast_path, django_app, cookies=warm).by_django
        [(command, *keys)] = sent
        assert command == "MGET"
        assert ["sessions" in keys[0], *(key.split(":")[-2] for key in keys[1:])] == [
            True,
            "session-auth",
            "session-auth-version",
            "unread",
            "unread-version",
        ]

    def test_if_none_match_answers_304_and_head_has_no_body(self, fast_path, django_app, warm):
        etag = request(fast_path, django_app, cookies=warm).header("ETag")
        not_modified = request(fast_path, django_app, cookies=warm, if_none_match=etag)
        assert (not_modified.status_code, not_modified.body, not_modified.by_django) == (304, b"", False)
        assert not_modified.header("ETag") == etag
        assert not_modified.header("Cache-Control") == "max-age=0, no-cache, no-store, must-revalidate, private"
        assert request(fast_path, django_app, cookies=warm, if_none_match='"other"').status_code == 200
        head = request(fast_path, django_app, cookies=warm, method="HEAD")
        assert (head.status_code, head.body, head.by_django) == (200, b"", False)

    def test_threads_each_use_a_connection_of_their_own(self, fast_path, django_app, warm):
        """As under gunicorn's gthread workers: concurrent requests never share a Redis connection."""

        def answer_twenty(_thread):
            return [request(fast_path, django_app, cookies=warm) for _ in range(20)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = [answer for batch in pool.map(answer_twenty, range(8)) for answer in batch]
        assert {(a.status_code, a.body, a.by_django) for a in answers} == {(200, b'{"unread_count": 1}', False)}

    def test_a_change_is_counted_at_once(self, fast_path, django_app, warm, user, committed):
        with committed():
            notify(user, "system.notice", title="Two", channels=["inapp"])
        after = request(fast_path, django_app, cookies=warm)
        assert (after.by_django, after.body) == (True, b'{"unread_count": 2}')  # the count was dropped
        again = request(fast_path, django_app, cookies=warm)
        assert (again.by_django, again.body) == (False, b'{"unread_count": 2}')

    def test_a_hint_naming_someone_else_is_not_trusted(self, fast_path, django_app, warm, make_user, user):
        other = make_user("mallory")
        for _ in range(3):
            notify(other, "system.notice", title="Theirs", channels=["inapp"])
        their_browser = Client()
        their_browser.force_login(other)
        other_session = {"sessionid": their_browser.cookies["sessionid"].value}
        request(fast_path, django_app, cookies=other_session)  # their entries are warm too
        answer = request(fast_path, django_app, cookies={**warm, HINT_COOKIE: str(other.pk)})
        assert (answer.by_django, answer.body) == (True, b'{"unread_count": 1}')  # the session's own user
        assert answer.cookies()[HINT_COOKIE].value == str(user.pk)  # and the hint is put right

    @pytest.mark.parametrize("hint", ["not-a-number", "", "0"])
    def test_a_malformed_or_unknown_hint_goes_to_django(self, fast_path, django_app, warm, hint):
        answer = request(fast_path, django_app, cookies={**warm, HINT_COOKIE: hint})
        assert (answer.by_django, answer.body) == (True, b'{"unread_count": 1}')

    def test_after_logout_django_answers_401_and_drops_the_hint(self, fast_path, django_app, warm, client):
        client.logout()
        answer = request(fast_path, django_app, cookies=warm)
        assert (answer.by_django, answer.status_code) == (True, 401)
        assert answer.cookies()[HINT_COOKIE]["max-age"] == "0"

    def test_a_password_change_is_honoured_on_the_next_request(self, fast_path, django_app, warm, user):
        user.set_password("a new secret")
        user.save()
        answer = request(fast_path, django_app, cookies=warm)
        assert (answer.by_django, answer.status_code) == (True, 401)

    def test_a_deactivated_user_is_refused(self, fast_path, django_app, warm, user):
        user.is_active = False
        user.save()
        assert request(fast_path, django_app, cookies=warm).status_code == 401

    def test_a_host_django_refuses_is_left_to_django(self, django_app, warm, settings):
        settings.ALLOWED_HOSTS = ["example.com"]
        fast_path = UnreadCountFastPath(django_app)  # reads ALLOWED_HOSTS when it starts
        refused = request(fast_path, django_app, cookies=warm, host="evil.test")
        assert (refused.by_django, refused.status_code) == (True, 400)
        assert not request(fast_path, django_app, cookies=warm, host="example.com:8000").by_django

    def test_with_ssl_redirect_only_secure_requests_are_answered(self, django_app, warm, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        fast_path = UnreadCountFastPath(django_app)
        assert request(fast_path, django_app, cookies=warm).by_django  # SecurityMiddleware would redirect it
        assert not request(fast_path, django_app, cookies=warm, x_forwarded_proto="https").by_django
        assert request(fast_path, django_app, cookies=warm, x_forwarded_proto="http").by_django
        settings.SECURE_REDIRECT_EXEMPT = [r"^notifications/unread-count/$"]
        assert not request(UnreadCountFastPath(django_app), django_app, cookies=warm).by_django

    def test_other_paths_and_methods_go_to_django(self, fast_path, django_app, warm):
        post = request(fast_path, django_app, cookies=warm, method="POST")
        assert (post.by_django, post.status_code) == (True, 405)
        assert request(fast_path, django_app, cookies=warm, path="/notifications/recent/").by_django

    def test_a_redis_failure_leaves_the_request_to_django(self, fast_path, django_app, warm, monkeypatch, caplog):
        connection = fast_path._redis.connection_pool.get_connection()
        fast_path._connections.connection = connection

        def broken(*args):
            raise ConnectionError("Redis went away")

        monkeypatch.setattr(connection, "send_command", broken)
        answer = request(fast_path, django_app, cookies=warm)
        assert (answer.by_django, answer.body) == (True, b'{"unread_count": 1}')
        assert "fast path failed" in caplog.text
        monkeypatch.undo()
        assert not request(fast_path, django_app, cookies=warm).by_django  # reconnected

    def test_refuses_sessions_saved_on_every_request(self, django_app, settings):
        settings.SESSION_SAVE_EVERY_REQUEST = True
        with pytest.raises(ImproperlyConfigured, match="SESSION_SAVE_EVERY_REQUEST"):
            UnreadCountFastPath(django_app)

    def test_refuses_when_fast_auth_is_off(self, django_app, settings):
        settings.EYT_NOTIFY_FAST_AUTH = False
        with pytest.raises(ImproperlyConfigured, match="EYT_NOTIFY_FAST_AUTH"):
            UnreadCountFastPath(django_app)

    def test_refuses_sessions_in_another_redis(self, django_app, settings):
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:6379/9"},
        }
        settings.SESSION_CACHE_ALIAS = "sessions"
        with pytest.raises(ImproperlyConfigured, match="same Redis"):
            UnreadCountFastPath(django_app)


def test_refuses_database_sessions(django_app, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    with pytest.raises(ImproperlyConfigured, match="SESSION_ENGINE must be one of"):
        UnreadCountFastPath(django_app)


def test_refuses_a_cache_that_is_not_redis(django_app, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(ImproperlyConfigured, match="must be django.core.cache.backends.redis.RedisCache"):
        UnreadCountFastPath(django_app)


@pytest.mark.django_db
def test_the_view_sets_no_hint_without_the_fast_path(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert HINT_COOKIE not in response.cookies
