"""``unread-count/`` answered in front of Django under ASGI (uvicorn, daphne), as ``eyt_notify.wsgi`` does under WSGI.

    # project/asgi.py
    from django.core.asgi import get_asgi_application
    from eyt_notify.asgi import UnreadCountFastPath

    application = UnreadCountFastPath(get_asgi_application())

Under ASGI Django runs every sync middleware and view on a thread hop, so answering the endpoint before Django gains
even more than under WSGI. The rules are those of ``eyt_notify.wsgi`` (the same hint cookie, the same checks, Django
for anything they do not prove); the one ``MGET`` goes through redis-py's asyncio client, connected to the first
server of the ``EYT_NOTIFY_CACHE_ALIAS`` cache's ``LOCATION`` with its ``OPTIONS`` (without the sync-only
``pool_class``, ``parser_class`` and ``serializer``), one client per event loop.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings as django_settings

from eyt_notify.conf import settings
from eyt_notify.fast_path import HINT_COOKIE, MARK, Answer, FastPath

__all__ = ["HINT_COOKIE", "UnreadCountFastPath"]

logger = logging.getLogger("eyt_notify.fast_path")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]
_SYNC_ONLY_OPTIONS = ("pool_class", "parser_class", "serializer")


class UnreadCountFastPath:
    """An ASGI application that answers ``eyt_notify:unread_count`` from Redis and hands everything else to Django."""

    def __init__(self, application: ASGIApplication) -> None:
        self.application = application
        self.fast_path = FastPath()
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.fast_path.takes(scope["method"], _path_info(scope)):
            scope = {**scope, MARK: True}
            try:
                answer = await self._answer(scope)
            except Exception:  # never worse than without the wrapper: Django answers
                logger.exception("unread-count fast path failed, Django answers")
                answer = None
            if answer is not None:
                headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
                await send({"type": "http.response.start", "status": answer.status, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else answer.body})
                return
        await self.application(scope, receive, send)

    async def _answer(self, scope: Scope) -> Answer | None:
        meta = _meta(scope)
        lookup = self.fast_path.lookup(meta, scope.get("scheme", "http"))
        if lookup is None:
            return None
        values = await self._client().mget(lookup.keys)
        return self.fast_path.answer(lookup, values, meta)

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = _async_client()
        return client


def _async_client() -> Any:
    import redis.asyncio

    config = django_settings.CACHES[settings.EYT_NOTIFY_CACHE_ALIAS]
    location = config["LOCATION"]
    first = (location if isinstance(location, list | tuple) else location.split(","))[0]
    options = {name: value for name, value in config.get("OPTIONS", {}).items() if name not in _SYNC_ONLY_OPTIONS}
    return redis.asyncio.Redis.from_url(first, **options)


def _path_info(scope: Scope) -> str:
    """The path Django resolves: ``path`` without the ``root_path`` the application is mounted at."""
    path: str = scope["path"]
    return path.removeprefix(scope.get("root_path", ""))


def _meta(scope: Scope) -> dict[str, str]:
    """The request's headers named as in ``request.META`` (``HTTP_COOKIE``...), as Django's ASGI handler names them,
    and ``SERVER_NAME``; several ``Cookie`` headers (HTTP/2) joined as one."""
    server = scope.get("server") or ("", 0)
    meta: dict[str, str] = {"SERVER_NAME": str(server[0] or "")}
    for raw_name, raw_value in scope.get("headers", ()):
        name = "HTTP_" + raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        meta[name] = f"{meta[name]}; {value}" if name == "HTTP_COOKIE" and name in meta else value
    return meta
