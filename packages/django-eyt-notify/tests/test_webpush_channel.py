"""Web push against a local push service that decrypts what it receives (RFC 8291) and checks the VAPID header."""

import base64
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from py_vapid import Vapid

from eyt_notify import notify
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery, Notification, PushSubscription
from eyt_notify.types import NotificationType, register_type, unregister_type

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """The keys a browser would create for one subscription."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64(point)

    def subscribe(self, user, endpoint):
        return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=self.p256dh, auth=b64(self.auth))

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def vapid():
    key = Vapid()
    key.generate_keys()
    return key


@pytest.fixture
def push_channel(vapid):
    channels = {
        "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
        "webpush": {
            "BACKEND": "eyt_notify.channels.webpush.WebPushChannel",
            "OPTIONS": {"vapid_private_key": vapid.private_pem().decode(), "vapid_subject": "mailto:ops@eyt.example"},
        },
    }
    register_type(NotificationType("match.live", category="matches", channels=("inapp", "webpush")))
    with override_settings(EYT_NOTIFY_CHANNELS=channels):
        yield
    unregister_type("match.live")


def test_every_device_gets_a_decryptable_push_and_a_gone_one_is_removed(user, http_recorder, push_channel, vapid):
    phone, laptop, old_tablet = Browser(), Browser(), Browser()
    phone.subscribe(user, f"{http_recorder.url}/push/phone")
    gone = old_tablet.subscribe(user, f"{http_recorder.url}/push/tablet")
    laptop.subscribe(user, f"{http_recorder.url}/push/laptop")
    http_recorder.respond(201)
    http_recorder.respond(410)  # the tablet unsubscribed: the push service says Gone
    http_recorder.respond(201)
    notify(
        user,
        "match.live",
        title="Final is live",
        message="Watch now",
        action_url="/m/7/",
        priority="urgent",
        data={"match": 7},
    )
    assert dispatch().sent == 1

    requests = http_recorder.requests
    assert [r.path for r in requests] == ["/push/phone", "/push/tablet", "/push/laptop"]
    for browser, request in ((phone, requests[0]), (laptop, requests[2])):
        assert request.headers["Content-Encoding"] == "aes128gcm"
        assert request.headers["Urgency"] == "high"
        payload = browser.decrypt(request.body)
        assert payload["title"] == "Final is live"
        assert payload["body"].startswith("Watch now")
        assert (payload["url"], payload["type"], payload["data"]) == ("/m/7/", "match.live", {"match": 7})
        scheme, _, params = request.headers["Authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        claims = json.loads(unb64(fields["t"].split(".")[1]))
        assert claims["aud"] == http_recorder.url and claims["sub"] == "mailto:ops@eyt.example"
        assert unb64(fields["k"]) == vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    assert not PushSubscription.objects.filter(pk=gone.pk).exists()
    assert PushSubscription.objects.filter(user=user).count() == 2
    assert PushSubscription.objects.filter(last_success_at__isnull=False).count() == 2


def test_an_unsafe_action_url_is_left_out_of_the_push(user, http_recorder, push_channel):
    browser = Browser()
    browser.subscribe(user, f"{http_recorder.url}/push/a")
    http_recorder.respond(201)
    notify(user, "match.live", title="x")
    Notification.objects.update(action_url="javascript:alert(1)")
    assert dispatch().sent == 1
    assert browser.decrypt(http_recorder.requests[0].body)["url"] == ""


def test_a_server_error_is_retried(user, http_recorder, push_channel):
    Browser().subscribe(user, f"{http_recorder.url}/push/a")
    http_recorder.respond(503)
    notify(user, "match.live", title="x")
    dispatch()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("failed", "DeliveryError: Push services answered 503.")


def test_a_redirect_from_the_endpoint_is_not_followed(user, http_recorder, push_channel):
    """An endpoint must not send the server's request on to another URL (an internal one: SSRF)."""
    Browser().subscribe(user, f"{http_recorder.url}/push/a")
    http_recorder.respond(307, headers={"Location": f"{http_recorder.url}/internal/admin"})
    http_recorder.respond(200)
    notify(user, "match.live", title="x")
    dispatch()
    assert [r.path for r in http_recorder.requests] == ["/push/a"]
    delivery = Delivery.objects.get()
    assert delivery.status == "dead"
    assert delivery.last_error.endswith("Push services rejected the message: 307.")


def test_when_every_subscription_is_gone_the_delivery_is_skipped(user, http_recorder, push_channel):
    Browser().subscribe(user, f"{http_recorder.url}/push/a")
    http_recorder.respond(404)
    notify(user, "match.live", title="x")
    dispatch()
    assert Delivery.objects.get().status == "skipped"
    assert not PushSubscription.objects.exists()


def test_a_device_that_answered_429_is_retried_alone(user, http_recorder, push_channel, settings):
    settings.EYT_NOTIFY_RETRY_BASE_DELAY = 1
    phone, laptop, tablet = Browser(), Browser(), Browser()
    first = phone.subscribe(user, f"{http_recorder.url}/push/phone")
    busy = laptop.subscribe(user, f"{http_recorder.url}/push/laptop")
    last = tablet.subscribe(user, f"{http_recorder.url}/push/tablet")
    for status in (201, 429, 201):
        http_recorder.respond(status)
    notify(user, "match.live", title="x")
    dispatch()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == "DeliveryError: Push services answered 429; 2 device(s) served, the others retried."
    served_ids = sorted([first.pk, last.pk])
    assert sorted(int(pk) for pk in delivery.provider_message_id.split(",")) == served_ids

    Delivery.objects.update(next_attempt_at=delivery.created_at)
    http_recorder.respond(201)
    assert dispatch().sent == 1
    assert [r.path for r in http_recorder.requests] == ["/push/phone", "/push/laptop", "/push/tablet", "/push/laptop"]
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert sorted(int(pk) for pk in delivery.provider_message_id.split(",")) == sorted([*served_ids, busy.pk])
    assert laptop.decrypt(http_recorder.requests[3].body)["title"] == "x"
