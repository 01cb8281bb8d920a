"""``unread-count/`` answered in front of Django: one Redis round trip, no request object, no middleware.

    # project/wsgi.py
    from django.core.wsgi import get_wsgi_application
    from eyt_notify.wsgi import UnreadCountFastPath

    application = UnreadCountFastPath(get_wsgi_application())

Every open page asks for its unread count, so that endpoint is the one a site serves most. Django's own path through
it costs a request object, every middleware, the URL resolver and two cache reads (the session, then the login
check and the count). This wrapper, like WhiteNoise for static files, answers a ``GET`` or ``HEAD`` of that one path
itself when it can prove who is asking from a single ``MGET``: the session, the user's cached login check
(``eyt_notify.session_auth``) and the user's cached count (``eyt_notify.counts``), all trusted by exactly the rules
the Django view applies. To name the user's keys before the session is read, it needs a hint: the user's primary key
in the ``eyt_notify_uid`` cookie, which the Django view sets (HttpOnly, on this path only) when it answers a request
that came through the wrapper. The hint is never trusted: the session must name the same user.

Whatever it cannot answer exactly as Django would goes to Django untouched: no or wrong hint, a session or entry
missing from the cache, a login the cached check does not confirm, a host not in ``ALLOWED_HOSTS``, any Redis error.
What it does not do: run your middleware on this path (so no headers they add, no logging they do), or refresh the
session's expiry. It needs the session in Redis (``SESSION_ENGINE`` ``cache`` or ``cached_db``, Django's
``RedisCache``) in the same Redis as ``EYT_NOTIFY_CACHE_ALIAS``, ``EYT_NOTIFY_FAST_AUTH = True`` and
``SESSION_SAVE_EVERY_REQUEST = False``; otherwise it refuses to start.
"""

from __future__ import annotations

import functools
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.urls import reverse
from django.utils.http import http_date, parse_etags

from eyt_notify import counts, session_auth
from eyt_notify.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

__all__ = ["HINT_COOKIE", "UnreadCountFastPath", "remember_login"]

logger = logging.getLogger("eyt_notify.wsgi")

#: The cookie that names the user whose keys the fast path reads (never trusted: the session must agree).
HINT_COOKIE = "eyt_notify_uid"
#: Set in the WSGI environ (so in ``request.META``) of the requests the fast path hands to Django.
ENVIRON_KEY = "eyt_notify.fast_path"
_SESSION_ENGINES = ("django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db")
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"

StartResponse = Callable[..., Any]
WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class UnreadCountFastPath:
    """A WSGI application that answers ``eyt_notify:unread_count`` from Redis and hands everything else to Django."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.path = reverse("eyt_notify:unread_count")
        session_cache, count_cache = _redis_caches()
        self._session_key = _key_maker(session_cache, import_module(django_settings.SESSION_ENGINE).SessionStore)
        self._count_key = count_cache.make_key
        self._redis = count_cache._cache.get_client(write=False)  # Django's client: its pool, server and options
        self._loads = _loads_of(count_cache)
        self._connections = threading.local()
        self._pk = get_user_model()._meta.pk
        self._session_cookie = django_settings.SESSION_COOKIE_NAME
        self._allowed_host = functools.lru_cache(maxsize=256)(_host_checker())

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == self.path and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            environ[ENVIRON_KEY] = True
            try:
                answer = self._answer(environ)
            except Exception:  # never worse than without the wrapper: Django answers
                logger.exception("unread-count fast path failed, Django answers")
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self.application(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        session_key, hint = cookies.get(self._session_cookie), cookies.get(HINT_COOKIE)
        if not session_key or not hint or not 8 <= len(session_key) <= 64 or not self._allowed_host(_host(environ)):
            return None
        try:
            user_id = self._pk.to_python(hint)
        except ValidationError:
            return None
        names = [*session_auth.cache_keys(user_id), *counts.cache_keys(user_id)]
        values = self._mget([self._session_key(session_key), *map(self._count_key, names)])
        if None in values:
            return None
        session, *entries = map(self._loads, cast("list[bytes]", values))
        found = dict(zip(names, entries, strict=True))
        if not isinstance(session, dict) or self._pk.to_python(session.get(SESSION_KEY)) != user_id:
            return None
        count = counts.cached_count(found, user_id) if session_auth.login_is_cached(session, found, user_id) else None
        return None if count is None else _response(count, environ.get("HTTP_IF_NONE_MATCH"))

    def _mget(self, keys: list[str]) -> list[bytes | None]:
        """One ``MGET`` on this thread's own connection (kept, not checked out of the pool per request)."""
        connection = getattr(self._connections, "connection", None)
        if connection is None:
            connection = self._connections.connection = self._redis.connection_pool.get_connection()
        try:
            connection.send_command("MGET", *keys)
            values: list[bytes | None] = connection.read_response()
        except Exception:
            connection.disconnect()  # the next request reconnects
            raise
        return values


def remember_login(request: HttpRequest, response: HttpResponse, user_id: Any | None) -> None:
    """Called by the Django view: set (or drop) the hint cookie on a request the fast path handed over."""
    if not request.META.get(ENVIRON_KEY):
        return
    hint = request.COOKIES.get(HINT_COOKIE)
    if user_id is None:
        if hint is not None:
            response.delete_cookie(HINT_COOKIE, path=request.path, samesite="Lax")
    elif hint != str(user_id):
        response.set_cookie(
            HINT_COOKIE,
            str(user_id),
            path=request.path,
            secure=django_settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _redis_caches() -> tuple[RedisCache, RedisCache]:
    """The session cache and the count cache, or why the fast path cannot read them in one ``MGET``."""
    problem = _configuration_problem()
    if problem:
        raise ImproperlyConfigured(f"UnreadCountFastPath: {problem}")
    return caches[django_settings.SESSION_CACHE_ALIAS], caches[settings.EYT_NOTIFY_CACHE_ALIAS]  # type: ignore[return-value]


def _configuration_problem() -> str | None:
    if django_settings.SESSION_ENGINE not in _SESSION_ENGINES:
        return f"SESSION_ENGINE must be one of {', '.join(_SESSION_ENGINES)} (the session is read from Redis)"
    if django_settings.SESSION_SAVE_EVERY_REQUEST:
        return "SESSION_SAVE_EVERY_REQUEST is True, and the fast path does not save sessions"
    if not settings.EYT_NOTIFY_FAST_AUTH:
        return "EYT_NOTIFY_FAST_AUTH is False, so every login check must load the user"
    aliases: dict[str, str] = {
        "SESSION_CACHE_ALIAS": django_settings.SESSION_CACHE_ALIAS,
        "EYT_NOTIFY_CACHE_ALIAS": settings.EYT_NOTIFY_CACHE_ALIAS,
    }
    for name, alias in aliases.items():
        if not isinstance(caches[alias], RedisCache):
            return f"{name} ({alias!r}) must be django.core.cache.backends.redis.RedisCache"
    session, count = (django_settings.CACHES[alias] for alias in aliases.values())
    if (session["LOCATION"], session.get("OPTIONS")) != (count["LOCATION"], count.get("OPTIONS")):
        return "SESSION_CACHE_ALIAS and EYT_NOTIFY_CACHE_ALIAS must use the same Redis (LOCATION and OPTIONS)"
    return None


def _key_maker(cache: RedisCache, store: Any) -> Callable[[str], str]:
    """The full Redis key of a session id, as ``store`` (the engine's SessionStore) writes it through ``cache``."""
    prefix = store.cache_key_prefix
    return lambda session_key: cache.make_key(prefix + session_key)


def _loads_of(cache: RedisCache) -> Callable[[bytes], Any]:
    """The cache's deserializer; Django's default one directly as ``pickle.loads`` (none of these values is an int)."""
    serializer = cache._cache._serializer  # type: ignore[attr-defined]
    return pickle.loads if type(serializer) is RedisSerializer else serializer.loads


def _host(environ: Mapping[str, Any]) -> str:
    """The host Django's ``request.get_host()`` would validate."""
    if django_settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        return str(environ["HTTP_X_FORWARDED_HOST"])
    return str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))


def _host_checker() -> Callable[[str], bool]:
    """``ALLOWED_HOSTS`` as Django checks it (a request it would refuse with a 400 is left to Django)."""
    allowed = list(django_settings.ALLOWED_HOSTS)
    if django_settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]

    def allowed_host(host: str) -> bool:
        domain, _port = split_domain_port(host)
        return bool(domain) and validate_host(domain, allowed)

    return allowed_host


def _expires() -> str:
    """``Expires`` of a never-cached answer (now), formatted once a second."""
    global _expires_cache
    second = int(time.time())
    if _expires_cache[0] != second:
        _expires_cache = (second, http_date(second))
    return _expires_cache[1]


_expires_cache: tuple[int, str] = (0, "")


def _response(count: counts.UnreadCount, if_none_match: str | None) -> tuple[str, list[tuple[str, str]], bytes]:
    """The Django view's answer: the same body, ETag, 304 and never-cache headers."""
    etag = count.etag
    headers = [
        ("Content-Type", "application/json"),
        ("ETag", etag),
        ("Expires", _expires()),
        ("Cache-Control", _NEVER_CACHE),
        ("Vary", "Cookie"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if if_none_match and _matches(etag, if_none_match):
        return "304 Not Modified", headers[1:], b""
    body = b'{"unread_count": %d}' % count.count
    return "200 OK", [*headers, ("Content-Length", str(len(body)))], body


def _matches(etag: str, if_none_match: str) -> bool:
    """Weak comparison, as ``django.utils.cache`` does for ``If-None-Match``."""
    tags = parse_etags(if_none_match)
    return "*" in tags or etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in tags)
