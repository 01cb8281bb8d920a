"""Live updates through Redis: a capped stream per user for replay and pub/sub for delivery.

``publish()`` runs one Lua script per user (pipelined, a round trip per 500 users) that appends the event to the
user's stream (``XADD ... MAXLEN``), refreshes its expiry and publishes the event id with the payload on the user's
channel. ``listen()`` subscribes first and then reads the stream after ``Last-Event-ID``, so nothing published in
between is lost, and skips pub/sub messages it has already replayed. Both keys of a user share a hash tag, so the
script also runs on Redis Cluster.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from functools import cached_property
from itertools import islice
from typing import Any, ClassVar, cast

from eyt_notify.exceptions import MissingDependency
from eyt_notify.live.base import READY, BaseBroker, Event

try:
    import redis
    import redis.asyncio
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingDependency("live updates", "live", "redis") from error

__all__ = ["RedisBroker"]

PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'event', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', KEYS[2], id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return id
"""
#: Take a stream slot (``KEYS[1]``: the user's sorted set of slots, scored by when each lapses) unless the user
#: already holds ``ARGV[2]`` live ones; slots of streams whose process died lapse after ``ARGV[5]`` seconds.
OPEN_STREAM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""
_CHUNK = 500

#: ``XRANGE``/``XREVRANGE`` replies of a client without ``decode_responses``: ``[(id, {field: value})]`` in bytes.
_Entries = list[tuple[bytes, dict[bytes, bytes]]]


def _order(event_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = event_id.partition("-")
    return int(milliseconds), int(sequence or 0)


class RedisBroker(BaseBroker):
    """OPTIONS: ``url`` (``redis://127.0.0.1:6379/0``), ``prefix`` (``eyt_notify:live``), ``replay`` (events kept
    per user for reconnects, 100), ``replay_seconds`` (how long a user's stream outlives its last event, 3600),
    ``heartbeat`` (seconds between keep-alive comments, 15), ``max_streams`` (open streams per user, 20: more
    are refused with 429, so one account cannot hold every connection of the server and of Redis)."""

    option_names: ClassVar[frozenset[str]] = frozenset(
        {"url", "prefix", "replay", "replay_seconds", "heartbeat", "max_streams"}
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.url = str(options.get("url", "redis://127.0.0.1:6379/0"))
        self.prefix = str(options.get("prefix", "eyt_notify:live"))
        self.replay = int(options.get("replay", 100))
        self.replay_seconds = int(options.get("replay_seconds", 3600))
        self.heartbeat = float(options.get("heartbeat", 15))
        self.max_streams = int(options.get("max_streams", 20))

    def stream_key(self, user_id: Any) -> str:
        return f"{self.prefix}:{{{user_id}}}:stream"

    def channel(self, user_id: Any) -> str:
        return f"{self.prefix}:{{{user_id}}}:events"

    def slots_key(self, user_id: Any) -> str:
        return f"{self.prefix}:{{{user_id}}}:streams"

    @cached_property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    @cached_property
    def _script(self) -> Any:
        return self.client.register_script(PUBLISH)

    def publish(self, user_ids: Iterable[Any], event: str, data: dict[str, Any]) -> None:
        body = json.dumps(data, separators=(",", ":"))
        ids = iter(user_ids)
        while chunk := list(islice(ids, _CHUNK)):
            pipeline = self.client.pipeline(transaction=False)
            for user_id in chunk:
                self._script(
                    keys=[self.stream_key(user_id), self.channel(user_id)],
                    args=[self.replay, event, body, self.replay_seconds],
                    client=pipeline,
                )
            pipeline.execute()

    @property
    def _slot_lifetime(self) -> float:
        """How long a slot outlives its stream's last heartbeat (its process may have died): three heartbeats."""
        return 3 * self.heartbeat

    async def open_stream(self, user_id: Any) -> str | None:
        slot = uuid.uuid4().hex
        now = time.time()
        async with redis.asyncio.Redis.from_url(self.url) as client:
            taken = await client.eval(
                OPEN_STREAM,
                1,
                self.slots_key(user_id),
                now,
                self.max_streams,
                now + self._slot_lifetime,
                slot,
                max(1, math.ceil(self._slot_lifetime)),
            )
        return slot if taken else None

    async def _keep(self, client: redis.asyncio.Redis, user_id: Any, slot: str) -> None:
        """At a heartbeat: the stream holding ``slot`` is still open."""
        key = self.slots_key(user_id)
        async with client.pipeline(transaction=False) as pipeline:
            pipeline.zadd(key, {slot: time.time() + self._slot_lifetime}, xx=True)
            pipeline.expire(key, max(1, math.ceil(self._slot_lifetime)))
            await pipeline.execute()

    async def listen(
        self, user_id: Any, last_event_id: str | None, slot: str | None = None
    ) -> AsyncGenerator[Event | None, None]:
        # One connection per open page (pub/sub holds it anyway), closed with the page's stream.
        client = redis.asyncio.Redis.from_url(self.url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(self.channel(user_id))
            cursor = "0-0"
            if last_event_id is not None and self.valid_event_id(last_event_id):
                cursor = last_event_id
                for missed in await self._replay(client, user_id, last_event_id):
                    cursor = missed.id
                    yield missed
            else:
                latest = cast(_Entries, await client.xrevrange(self.stream_key(user_id), count=1))
                if latest:
                    cursor = latest[0][0].decode()
            yield Event(cursor, READY)
            seen = _order(cursor)
            async for event in self._messages(pubsub):
                if event is None and slot is not None:
                    await self._keep(client, user_id, slot)
                if event is None or _order(event.id) > seen:
                    if event is not None:
                        seen = _order(event.id)
                    yield event
        finally:
            try:
                if slot is not None:
                    await client.zrem(self.slots_key(user_id), slot)
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # unannotated before redis-py 8.2
                await client.aclose()

    async def _replay(self, client: redis.asyncio.Redis, user_id: Any, after: str) -> list[Event]:
        entries = cast(
            _Entries, await client.xrange(self.stream_key(user_id), min=f"({after}", max="+", count=self.replay)
        )
        return [
            Event(entry_id.decode(), fields[b"event"].decode(), fields[b"data"].decode())
            for entry_id, fields in entries
        ]

    async def _messages(self, pubsub: redis.asyncio.client.PubSub) -> AsyncIterator[Event | None]:
        """Each published event as it arrives, and ``None`` after every ``heartbeat`` seconds of silence."""
        deadline = time.monotonic() + self.heartbeat
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=max(0.0, deadline - time.monotonic())
            )
            if message is not None and message.get("type") == "message":
                event_id, name, data = message["data"].decode().split("\n", 2)
                deadline = time.monotonic() + self.heartbeat
                yield Event(event_id, name, data)
            elif time.monotonic() >= deadline:
                deadline = time.monotonic() + self.heartbeat
                yield None
