"""Live updates through Redis: replay after Last-Event-ID, pub/sub delivery, heartbeats and the SSE view."""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from contextlib import aclosing

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.test import AsyncClient

from eyt_notify import notify
from eyt_notify.live import get_broker
from eyt_notify.live.base import READY
from eyt_notify.live.redis import RedisBroker

pytestmark = pytest.mark.redis


@pytest.fixture
def broker_options():
    return {"url": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "prefix": f"eyt-test-live-{uuid.uuid4()}"}


@pytest.fixture
def broker(broker_options):
    return RedisBroker(**broker_options, heartbeat=0.2)


def take(broker, user_id, last_event_id, count, during=None):
    """The first ``count`` items ``listen()`` yields; ``during()`` runs (sync) once READY has been yielded."""

    async def run():
        items = []
        async with aclosing(broker.listen(user_id, last_event_id)) as events:  # closed inside this event loop
            async for item in events:
                items.append(item)
                if item is not None and item.name == READY and during is not None:
                    await asyncio.to_thread(during)
                if len(items) == count:
                    return items
        return items

    async def bounded():
        return await asyncio.wait_for(run(), timeout=10)

    return async_to_sync(bounded)()


def test_a_reconnect_gets_what_it_missed_then_ready(broker):
    broker.publish([7], "changed", {"n": 1})
    broker.publish([7, 8], "changed", {"n": 2})
    broker.publish([7], "changed", {"n": 3})
    everything = take(broker, 7, "0-0", 4)
    assert [json.loads(e.data)["n"] for e in everything[:3]] == [1, 2, 3]
    assert everything[3].name == READY
    assert everything[3].id == everything[2].id
    missed = take(broker, 7, everything[0].id, 3)
    assert [json.loads(e.data)["n"] for e in missed[:2]] == [2, 3]
    assert missed[2].name == READY


def test_events_published_by_another_process_arrive(broker, broker_options):
    publisher = RedisBroker(**broker_options)  # another process's broker, same Redis
    items = take(broker, 9, None, 2, during=lambda: publisher.publish([9], "changed", {"reason": "created"}))
    ready, event = items
    assert (ready.name, ready.id) == (READY, "0-0")
    assert (event.name, json.loads(event.data)) == ("changed", {"reason": "created"})
    assert event.encode().startswith(f"id: {event.id}\nevent: changed\ndata: ".encode())


def test_other_users_events_do_not_arrive_and_silence_brings_heartbeats(broker):
    items = take(broker, 10, None, 3, during=lambda: broker.publish([11], "changed", {}))
    assert items[0].name == READY
    assert items[1:] == [None, None]


def test_the_replay_buffer_is_capped(broker_options):
    broker = RedisBroker(**broker_options, replay=2)
    for n in range(5):
        broker.publish([12], "changed", {"n": n})
    replayed = take(broker, 12, "0-0", 3)
    assert [json.loads(e.data)["n"] for e in replayed[:2]] == [3, 4]


def notify_from_another_thread(user, title):
    from django.db import connection

    try:
        notify(user, "system.notice", title=title)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_stream_view_sends_the_count_then_changes(user, settings, broker_options, committed):
    settings.EYT_NOTIFY_LIVE = {"BACKEND": "eyt_notify.live.redis.RedisBroker", "OPTIONS": broker_options}
    cache.clear()
    notify(user, "system.notice", title="First")
    client = AsyncClient()
    async_to_sync(client.aforce_login)(user)

    async def run():
        response = await client.get("/notifications/stream/")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["X-Accel-Buffering"] == "no"
        chunks = aiter(response.streaming_content)
        assert await anext(chunks) == b"retry: 2000\n\n"
        count = (await anext(chunks)).decode()
        # the id is the stream's newest event (the first notification's), where a reconnect resumes
        assert re.match(r"id: \d+-\d+\nevent: count\ndata: \{\"unread_count\": 1\}\n\n$", count)
        await asyncio.to_thread(notify_from_another_thread, user, "<b>Second</b>")
        changed = (await anext(chunks)).decode()
        await chunks.aclose()
        return changed

    async def bounded():
        return await asyncio.wait_for(run(), timeout=10)

    changed = async_to_sync(bounded)()
    header, _, data = changed.partition("data: ")
    assert "event: changed" in header
    payload = json.loads(data)
    assert payload["reason"] == "created"
    assert payload["notification"]["title"] == "<b>Second</b>"
    assert payload["ids"] == [payload["notification"]["id"]]
    get_broker.cache_clear()


@pytest.mark.django_db
def test_the_stream_is_404_without_a_broker_and_401_logged_out(client, user):
    async def run(client):
        return await client.get("/notifications/stream/")

    anonymous = async_to_sync(run)(AsyncClient())
    assert anonymous.status_code == 401
    logged_in = AsyncClient()
    async_to_sync(logged_in.aforce_login)(user)
    response = async_to_sync(run)(logged_in)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "live_updates_off")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_stream_holds_no_database_connection(user, settings, broker_options, committed):
    from django.db import connection

    settings.EYT_NOTIFY_LIVE = {"BACKEND": "eyt_notify.live.redis.RedisBroker", "OPTIONS": broker_options}
    cache.clear()
    client = AsyncClient()
    async_to_sync(client.aforce_login)(user)

    def other_connections():  # in a thread of its own, on a connection of its own, closed after
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return cursor.fetchone()[0]
        finally:
            connection.close()

    async def run():
        response = await client.get("/notifications/stream/")
        chunks = aiter(response.streaming_content)
        await anext(chunks)  # retry
        await anext(chunks)  # the count, read from the database
        meanwhile = await asyncio.to_thread(other_connections)
        await chunks.aclose()
        return meanwhile

    async def bounded():
        return await asyncio.wait_for(run(), timeout=10)

    # The view's queries (session, user, count) ran on this test thread's connection: the open stream closed it.
    assert async_to_sync(bounded)() == 0
    get_broker.cache_clear()


def test_a_user_gets_max_streams_slots_and_each_comes_back(broker_options):
    broker = RedisBroker(**broker_options, heartbeat=0.2, max_streams=2)

    async def run():
        first, second = await broker.open_stream(7), await broker.open_stream(7)
        refused = await broker.open_stream(7)
        other_user = await broker.open_stream(8)
        async with aclosing(broker.listen(7, None, first)) as events:
            await anext(events)  # READY: the stream is open; closing it gives its slot back
        after_close = await broker.open_stream(7)
        return first, second, refused, other_user, after_close

    first, second, refused, other_user, after_close = async_to_sync(run)()
    assert first and second and first != second
    assert refused is None
    assert other_user is not None  # the cap is per user
    assert after_close is not None


def test_the_slot_of_a_stream_whose_process_died_lapses(broker_options):
    broker = RedisBroker(**broker_options, heartbeat=0.2, max_streams=1)

    async def run():
        held = await broker.open_stream(7)  # its process dies: no heartbeat refreshes it, nothing gives it back
        refused = await broker.open_stream(7)
        await asyncio.sleep(3 * broker.heartbeat + 0.1)
        return held, refused, await broker.open_stream(7)

    held, refused, later = async_to_sync(run)()
    assert held is not None and refused is None
    assert later is not None


def test_heartbeats_keep_a_long_stream_in_its_slot(broker_options):
    broker = RedisBroker(**broker_options, heartbeat=0.2, max_streams=1)

    async def run():
        slot = await broker.open_stream(7)
        async with aclosing(broker.listen(7, None, slot)) as events:
            await anext(events)  # READY
            for _ in range(5):  # a second: longer than a slot lives without heartbeats
                assert await anext(events) is None
            return await broker.open_stream(7)

    assert async_to_sync(run)() is None  # still held


@pytest.mark.django_db(transaction=True)
def test_the_stream_view_refuses_a_user_with_too_many_open(user, settings, broker_options, committed):
    settings.EYT_NOTIFY_LIVE = {
        "BACKEND": "eyt_notify.live.redis.RedisBroker",
        "OPTIONS": {**broker_options, "max_streams": 1},
    }
    get_broker.cache_clear()
    client = AsyncClient()
    async_to_sync(client.aforce_login)(user)

    async def run():
        first = await client.get("/notifications/stream/")
        chunks = aiter(first.streaming_content)
        await anext(chunks)  # the first page's stream is open
        second = await client.get("/notifications/stream/")
        await chunks.aclose()
        return first.status_code, second

    first, second = async_to_sync(run)()
    assert first == 200
    assert second.status_code == 429  # the bell polls unread-count/ instead
    assert json.loads(second.content)["error"]["code"] == "too_many_streams"
    assert int(second["Retry-After"]) > 0
    get_broker.cache_clear()


@pytest.mark.django_db
def test_the_stream_view_answers_503_when_the_broker_is_down(client, user, settings):
    settings.EYT_NOTIFY_LIVE = {
        "BACKEND": "eyt_notify.live.redis.RedisBroker",
        "OPTIONS": {"url": "redis://127.0.0.1:1/0"},  # nothing listens there
    }
    get_broker.cache_clear()
    client = AsyncClient()
    async_to_sync(client.aforce_login)(user)
    response = async_to_sync(client.get)("/notifications/stream/")
    assert response.status_code == 503
    assert json.loads(response.content)["error"]["code"] == "live_updates_unavailable"
    get_broker.cache_clear()
