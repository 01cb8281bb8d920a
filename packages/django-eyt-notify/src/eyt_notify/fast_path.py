"""The unread-count fast path behind ``eyt_notify.wsgi`` and ``eyt_notify.asgi``: which keys to read, and the answer
Django's view would give, or ``None`` when only Django can answer (see ``eyt_notify.wsgi`` for the whole story).
"""

from __future__ import annotations

import functools
import pickle
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.urls import get_script_prefix, reverse
from django.utils.http import http_date, parse_etags

from eyt_notify import counts, session_auth
from eyt_notify.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

__all__ = ["HINT_COOKIE", "MARK", "Answer", "FastPath", "Lookup", "remember_login"]

#: The cookie that names the user whose keys the fast path reads (never trusted: the session must agree).
HINT_COOKIE = "eyt_notify_uid"
#: Set in the WSGI environ (``request.META``) or the ASGI scope of the requests the fast path hands to Django.
MARK = "eyt_notify.fast_path"
_SESSION_ENGINES = ("django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.cached_db")
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


@dataclass(frozen=True)
class Lookup:
    """What to read for one request: its user (per the hint) and the full Redis keys, the session's first."""

    user_id: Any
    names: list[str]
    keys: list[str]


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer of the fast path: status, headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class FastPath:
    """The settings-dependent part, built once when the server starts (``ImproperlyConfigured`` if it cannot work)."""

    def __init__(self) -> None:
        session_cache, self.count_cache = _redis_caches()
        self.path = "/" + reverse("eyt_notify:unread_count").removeprefix(get_script_prefix())  # as in PATH_INFO
        self._session_key = _key_maker(session_cache, import_module(django_settings.SESSION_ENGINE).SessionStore)
        self._count_key = self.count_cache.make_key
        self._loads = _loads_of(self.count_cache)
        self._pk = get_user_model()._meta.pk
        self._session_cookie = django_settings.SESSION_COOKIE_NAME
        self._allowed_host = functools.lru_cache(maxsize=256)(_host_checker())
        self._forwarded_host = django_settings.USE_X_FORWARDED_HOST
        self._https_only = django_settings.SECURE_SSL_REDIRECT and not _exempt(self.path)
        self._proxy_ssl_header = django_settings.SECURE_PROXY_SSL_HEADER

    def takes(self, method: str, path: str) -> bool:
        return path == self.path and method in ("GET", "HEAD")

    def lookup(self, meta: Mapping[str, str], scheme: str) -> Lookup | None:
        """The keys to read for a request (``meta``: its headers and server name as in ``request.META``; ``scheme``
        as the server saw it), or ``None`` when it must go to Django."""
        cookies = parse_cookie(meta.get("HTTP_COOKIE", ""))
        session_key, hint = cookies.get(self._session_cookie), cookies.get(HINT_COOKIE)
        if not session_key or not hint or not 8 <= len(session_key) <= 64:
            return None
        if not self._allowed_host(self._host(meta)) or (self._https_only and not self._secure(meta, scheme)):
            return None  # Django answers 400, or redirects to https
        try:
            user_id = self._pk.to_python(hint)
        except ValidationError:
            return None
        names = [*session_auth.cache_keys(user_id), *counts.cache_keys(user_id)]
        return Lookup(user_id, names, [self._session_key(session_key), *map(self._count_key, names)])

    def answer(self, lookup: Lookup, values: list[bytes | None], meta: Mapping[str, str]) -> Answer | None:
        """The view's answer from the values read for ``lookup``, or ``None`` when they do not prove it."""
        if None in values:
            return None
        session, *entries = map(self._loads, cast("list[bytes]", values))
        found = dict(zip(lookup.names, entries, strict=True))
        user_id = lookup.user_id
        if not isinstance(session, dict) or self._pk.to_python(session.get(SESSION_KEY)) != user_id:
            return None
        count = counts.cached_count(found, user_id) if session_auth.login_is_cached(session, found, user_id) else None
        return None if count is None else _response(count, meta.get("HTTP_IF_NONE_MATCH"))

    def _host(self, meta: Mapping[str, str]) -> str:
        """The host ``request.get_host()`` validates."""
        if self._forwarded_host and "HTTP_X_FORWARDED_HOST" in meta:
            return meta["HTTP_X_FORWARDED_HOST"]
        return meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")

    def _secure(self, meta: Mapping[str, str], scheme: str) -> bool:
        """``request.is_secure()``: the proxy's header when ``SECURE_PROXY_SSL_HEADER`` names one it sent."""
        if self._proxy_ssl_header:
            header, secure_value = self._proxy_ssl_header
            if (value := meta.get(header)) is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return scheme == "https"


def remember_login(request: HttpRequest, response: HttpResponse, user_id: Any | None) -> None:
    """Called by the Django view: set (or drop) the hint cookie on a request the fast path handed over."""
    if not (request.META.get(MARK) or getattr(request, "scope", {}).get(MARK)):
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


def _exempt(path: str) -> bool:
    """Whether ``SECURE_REDIRECT_EXEMPT`` spares ``path`` the https redirect (its patterns match without the "/")."""
    return any(re.search(pattern, path.lstrip("/")) for pattern in django_settings.SECURE_REDIRECT_EXEMPT)


def _host_checker() -> Callable[[str], bool]:
    """``ALLOWED_HOSTS`` as Django checks it (a request it would refuse with a 400 is left to Django)."""
    allowed = list(django_settings.ALLOWED_HOSTS)
    if django_settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]

    def allowed_host(host: str) -> bool:
        domain, _port = split_domain_port(host)
        return bool(domain) and validate_host(domain, allowed)

    return allowed_host


def _response(count: counts.UnreadCount, if_none_match: str | None) -> Answer:
    """The Django view's answer: the same body, ETag, 304 and never-cache headers."""
    etag = count.etag
    headers = [
        ("Content-Type", "application/json"),
        ("ETag", etag),
        ("Expires", http_date(time.time())),
        ("Cache-Control", _NEVER_CACHE),
        ("Vary", "Cookie"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if if_none_match and _matches(etag, if_none_match):
        return Answer(304, headers[1:], b"")
    body = b'{"unread_count": %d}' % count.count
    return Answer(200, [*headers, ("Content-Length", str(len(body)))], body)


def _matches(etag: str, if_none_match: str) -> bool:
    """Weak comparison, as ``django.utils.cache`` does for ``If-None-Match``."""
    tags = parse_etags(if_none_match)
    return "*" in tags or etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in tags)
