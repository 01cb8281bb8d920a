"""Discord webhooks against a local recorder that can answer 429 and 500."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from eyt_notify import notify
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery
from eyt_notify.types import NotificationType, register_type, unregister_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def discord(http_recorder):
    channels = {
        "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
        "discord": {
            "BACKEND": "eyt_notify.channels.discord.DiscordChannel",
            "OPTIONS": {
                "webhook_url": f"{http_recorder.url}/api/webhooks/1/default",
                "webhook_urls": {"match.result": f"{http_recorder.url}/api/webhooks/2/results"},
                "username": "EYT",
            },
        },
    }
    for key in ("match.discord", "match.result"):
        register_type(NotificationType(key, channels=("inapp", "discord")))
    with override_settings(EYT_NOTIFY_CHANNELS=channels, EYT_NOTIFY_ADAPTER="tests.adapters.TestAdapter"):
        yield http_recorder
    for key in ("match.discord", "match.result"):
        unregister_type(key)


def test_a_message_is_posted_without_pinging_anyone(user, discord):
    discord.respond(200, {"id": "1122"})
    notify(user, "match.discord", title="x", message="@everyone the final starts")
    assert dispatch().sent == 1
    [request] = discord.requests
    assert request.path == "/api/webhooks/1/default?wait=true"
    assert request.json() == {
        "content": "@everyone the final starts",
        "allowed_mentions": {"parse": []},
        "username": "EYT",
    }
    assert Delivery.objects.get().provider_message_id == "1122"


def test_webhooks_per_type_and_per_user(make_user, discord):
    notify(make_user(), "match.result", title="x")
    notify(make_user(), "match.discord", title="x", data={"webhook": f"{discord.url}/api/webhooks/3/mine"})
    dispatch()
    assert sorted(r.path for r in discord.requests) == [
        "/api/webhooks/2/results?wait=true",
        "/api/webhooks/3/mine?wait=true",
    ]


def test_a_redirect_is_not_followed(user, discord):
    """A webhook URL must not send the server's request on to another URL (an internal one: SSRF)."""
    discord.respond(302, headers={"Location": f"{discord.url}/internal/admin"})
    discord.respond(200, {"id": "1"})
    notify(user, "match.discord", title="x")
    dispatch()
    assert [r.path for r in discord.requests] == ["/api/webhooks/1/default?wait=true"]
    delivery = Delivery.objects.get()
    assert delivery.status == "dead"
    assert "(302)" in delivery.last_error


def test_a_429_is_retried_after_discords_retry_after(user, discord):
    discord.respond(429, {"message": "You are being rate limited.", "retry_after": 42.5, "global": False})
    notify(user, "match.discord", title="x")
    before = timezone.now()
    dispatch()
    after = timezone.now()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    retry_after = dt.timedelta(seconds=42.5)
    assert before + retry_after <= delivery.next_attempt_at <= after + retry_after
    assert "rate limit" in delivery.last_error
    sent_after = delivery.next_attempt_at
    dispatch(now=sent_after)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(discord.requests) == 2


def test_a_500_is_retried_and_a_404_is_dead(make_user, discord):
    discord.respond(500)
    notify(make_user(), "match.discord", title="x")
    dispatch()
    assert Delivery.objects.get().status == "failed"
    Delivery.objects.all().delete()
    discord.respond(404, {"message": "Unknown Webhook", "code": 10015})
    notify(make_user(), "match.discord", title="x")
    dispatch()
    delivery = Delivery.objects.get()
    assert delivery.status == "dead"
    assert "Unknown Webhook" in delivery.last_error
