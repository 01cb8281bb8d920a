"""Server-Sent Events: an async view that holds one connection per open page, served by an ASGI server.

The first event is ``count`` (the unread count now, its id the point a reconnect resumes from), after any events
the browser missed since its ``Last-Event-ID``. Then a ``changed`` event for each change, and a comment line every
``heartbeat`` seconds so proxies keep the connection open.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import add_never_cache_headers

from eyt_notify import counts
from eyt_notify.live import BaseBroker, Event, get_broker
from eyt_notify.live.base import READY
from eyt_notify.views.responses import json_error

__all__ = ["stream"]

#: Milliseconds a browser waits before reconnecting (the ``retry:`` field).
RETRY_MS = 2000
#: Seconds a user with too many open streams is told to wait (``Retry-After`` of the 429).
RETRY_AFTER = 60

logger = logging.getLogger("eyt_notify.live")


async def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """``text/event-stream`` of the user's changes; 401 when logged out, 404 when live updates are off, 429 when
    the user has the broker's most streams open, 503 when the broker cannot be reached."""
    if request.method != "GET":
        refused = json_error("method_not_allowed", 405)
        refused["Allow"] = "GET"
        return refused
    user = await request.auser()
    if not user.is_authenticated:
        return json_error("not_authenticated", 401)
    broker = get_broker()
    if broker is None:
        return json_error("live_updates_off", 404)
    last_event_id = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if not BaseBroker.valid_event_id(last_event_id):
        last_event_id = None
    try:
        slot = await broker.open_stream(user.pk)
    except Exception:  # the broker is down: the bell polls instead
        logger.warning("eyt_notify: the live updates broker refused a stream", exc_info=True)
        return json_error("live_updates_unavailable", 503)
    if slot is None:
        refused = json_error("too_many_streams", 429)
        refused["Retry-After"] = str(RETRY_AFTER)
        return refused
    response = StreamingHttpResponse(_events(broker, user.pk, last_event_id, slot), content_type="text/event-stream")
    add_never_cache_headers(response)
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _release_connections() -> None:
    """Close this thread's database connections. Django closes a request's at ``request_finished``, which for a
    stream comes when it ends, hours later: an open page would hold one. A connection inside a transaction (a
    test's) is left alone."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _unread_count(user_id: Any) -> counts.UnreadCount:
    """The count (a database query on a cache miss), without keeping the connection for the rest of the stream."""
    try:
        return counts.unread_count(user_id)
    finally:
        _release_connections()


async def _events(broker: BaseBroker, user_id: Any, last_event_id: str | None, slot: str) -> AsyncIterator[bytes]:
    await sync_to_async(_release_connections)()  # the view's and the middleware's (session, user)
    yield f"retry: {RETRY_MS}\n\n".encode()
    async with aclosing(broker.listen(user_id, last_event_id, slot)) as events:
        async for event in events:
            if event is None:
                yield b": heartbeat\n\n"
            elif event.name == READY:
                count = await sync_to_async(_unread_count)(user_id)
                yield Event(event.id, "count", json.dumps({"unread_count": count.count})).encode()
            else:
                yield event.encode()
