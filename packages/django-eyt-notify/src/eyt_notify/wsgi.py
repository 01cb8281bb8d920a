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
missing from the cache, a login the cached check does not confirm, a host not in ``ALLOWED_HOSTS``, a plain-http
request that ``SECURE_SSL_REDIRECT`` would redirect, any Redis error (logged on ``eyt_notify.fast_path``). What it
does not do: run your middleware on this path (so no headers they add, no logging they do), or refresh the
session's expiry. ``eyt_notify.asgi.UnreadCountFastPath`` does the same under ASGI. It needs the session in Redis
(``SESSION_ENGINE`` ``cache`` or ``cached_db``, Django's ``RedisCache``) in the same Redis as
``EYT_NOTIFY_CACHE_ALIAS``, ``EYT_NOTIFY_FAST_AUTH = True`` and ``SESSION_SAVE_EVERY_REQUEST = False``; otherwise it
refuses to start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from eyt_notify.fast_path import HINT_COOKIE, MARK, Answer, FastPath

__all__ = ["HINT_COOKIE", "UnreadCountFastPath"]

logger = logging.getLogger("eyt_notify.fast_path")

StartResponse = Callable[..., Any]
WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_REASONS = {200: "200 OK", 304: "304 Not Modified"}


class UnreadCountFastPath:
    """A WSGI application that answers ``eyt_notify:unread_count`` from Redis and hands everything else to Django."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.fast_path = FastPath()
        self._redis = self.fast_path.count_cache._cache.get_client(write=False)  # Django's pool, server, options
        self._connections = threading.local()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.fast_path.takes(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")):
            environ[MARK] = True
            try:
                answer = self._answer(environ)
            except Exception:  # never worse than without the wrapper: Django answers
                logger.exception("unread-count fast path failed, Django answers")
                answer = None
            if answer is not None:
                start_response(_REASONS[answer.status], answer.headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [answer.body]
        return self.application(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> Answer | None:
        lookup = self.fast_path.lookup(environ, environ.get("wsgi.url_scheme", "http"))
        if lookup is None:
            return None
        return self.fast_path.answer(lookup, self._mget(lookup.keys), environ)

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
