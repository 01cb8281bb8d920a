"""Web push opt-in: the VAPID key endpoint, subscribe and unsubscribe, and the service worker."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.urls import reverse
from py_vapid import Vapid

from eyt_notify.models import PushSubscription

pytestmark = pytest.mark.django_db
ENDPOINT = "https://push.example/send/abc"
KEYS = {"p256dh": "B" + "A" * 86, "auth": "c2VjcmV0LWF1dGgta2V5"}


@pytest.fixture
def vapid():
    key = Vapid()
    key.generate_keys()
    return key


@pytest.fixture
def push_configured(settings, vapid):
    settings.EYT_NOTIFY_CHANNELS = {
        **settings.EYT_NOTIFY_CHANNELS,
        "webpush": {
            "BACKEND": "eyt_notify.channels.webpush.WebPushChannel",
            "OPTIONS": {"vapid_private_key": vapid.private_pem().decode(), "vapid_subject": "mailto:ops@eyt.example"},
        },
    }


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def post_json(client, name, data, **headers):
    return client.post(reverse(f"eyt_notify:{name}"), json.dumps(data), content_type="application/json", **headers)


def test_the_key_is_the_public_half_of_the_vapid_key(logged_in, push_configured, vapid):
    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    response = logged_in.get(reverse("eyt_notify:push_key"))
    assert response.json() == {"public_key": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}


def test_without_a_push_channel_the_key_and_subscribe_are_404(logged_in):
    assert logged_in.get(reverse("eyt_notify:push_key")).json()["error"]["code"] == "push_not_configured"
    response = post_json(logged_in, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS})
    assert response.status_code == 404
    assert not PushSubscription.objects.exists()


def test_subscribe_stores_the_browsers_subscription(logged_in, user, push_configured):
    response = post_json(logged_in, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS}, HTTP_USER_AGENT="Firefox")
    assert (response.status_code, response.json()) == (201, {"subscribed": True})
    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.endpoint, subscription.p256dh, subscription.auth) == (
        user,
        ENDPOINT,
        KEYS["p256dh"],
        KEYS["auth"],
    )
    assert subscription.user_agent == "Firefox"
    again = post_json(logged_in, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS})
    assert again.status_code == 200
    assert PushSubscription.objects.count() == 1


def test_a_browser_moves_to_the_user_who_subscribes_it(client, make_user, push_configured):
    first, second = make_user(), make_user()
    client.force_login(first)
    post_json(client, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS})
    client.force_login(second)
    post_json(client, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS})
    assert PushSubscription.objects.get().user == second


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "http://push.example/x", "keys": KEYS}, "endpoint"),
        ({"endpoint": "not a url", "keys": KEYS}, "endpoint"),
        # the server POSTs to the endpoint: never to an address, a local name or another port (SSRF)
        ({"endpoint": "https://127.0.0.1/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://[::1]/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://10.0.0.7/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://localhost/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://metadata.google.internal/computeMetadata/v1/", "keys": KEYS}, "endpoint"),
        ({"endpoint": "https://push.example:8443/push", "keys": KEYS}, "endpoint"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": "short", "auth": KEYS["auth"]}}, "p256dh"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": "!" * 87, "auth": KEYS["auth"]}}, "p256dh"),
        ({"endpoint": ENDPOINT}, "auth"),
        ([1, 2], "__all__"),
    ],
)
def test_a_bad_subscription_is_a_400_naming_the_field(logged_in, push_configured, body, field):
    response = post_json(logged_in, "push_subscribe", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not PushSubscription.objects.exists()


def test_json_nested_deeper_than_the_parser_recurses_is_a_400_not_a_500(logged_in, push_configured):
    for name in ("push_subscribe", "push_unsubscribe"):
        response = logged_in.post(reverse(f"eyt_notify:{name}"), "[" * 100_000, content_type="application/json")
        assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


def test_subscribe_needs_csrf(user, push_configured):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert post_json(client, "push_subscribe", {"endpoint": ENDPOINT, "keys": KEYS}).status_code == 403
    assert not PushSubscription.objects.exists()


def test_unsubscribe_removes_only_the_users_own(logged_in, user, make_user):
    PushSubscription.objects.create(user=user, endpoint=ENDPOINT, **KEYS)
    PushSubscription.objects.create(user=make_user(), endpoint=ENDPOINT + "2", **KEYS)
    assert post_json(logged_in, "push_unsubscribe", {"endpoint": ENDPOINT + "2"}).json() == {"unsubscribed": 0}
    assert post_json(logged_in, "push_unsubscribe", {"endpoint": ENDPOINT}).json() == {"unsubscribed": 1}
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [ENDPOINT + "2"]
    assert post_json(logged_in, "push_unsubscribe", {}).status_code == 400


def test_the_service_worker_is_served_as_javascript_within_the_scope(client):
    response = client.get(reverse("eyt_notify:service_worker"))
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/notifications/"
    assert b'addEventListener("push"' in response.content
