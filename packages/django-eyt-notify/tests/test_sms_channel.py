"""SMS through Twilio's own library, sent to a local recorder instead of api.twilio.com."""

from urllib.parse import parse_qs

import pytest
from django.test import override_settings

from eyt_notify import notify
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery
from eyt_notify.types import NotificationType, register_type, unregister_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(http_recorder):
    channels = {
        "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
        "sms": {
            "BACKEND": "eyt_notify.channels.sms.SmsChannel",
            "OPTIONS": {
                "account_sid": "AC123",
                "auth_token": "secret",
                "from_number": "+15005550001",
                "base_url": http_recorder.url,
            },
        },
    }
    register_type(NotificationType("match.sms", channels=("inapp", "sms")))
    with override_settings(EYT_NOTIFY_CHANNELS=channels, EYT_NOTIFY_ADAPTER="tests.adapters.TestAdapter"):
        yield http_recorder
    unregister_type("match.sms")


def test_an_sms_is_sent_through_twilios_api(user, sms):
    sms.respond(201, {"sid": "SM42", "status": "queued"})
    notify(user, "match.sms", title="Final", message="Starts at 20:00")
    assert dispatch().sent == 1
    [request] = sms.requests
    assert (request.method, request.path) == ("POST", "/2010-04-01/Accounts/AC123/Messages.json")
    assert parse_qs(request.body.decode()) == {
        "To": ["+15005550006"],
        "From": ["+15005550001"],
        "Body": ["Starts at 20:00"],
    }
    assert request.headers["Authorization"].startswith("Basic ")
    assert Delivery.objects.get().provider_message_id == "SM42"


@pytest.mark.parametrize(("status", "outcome"), [(500, "failed"), (429, "failed"), (400, "dead")])
def test_twilio_errors(user, sms, status, outcome):
    sms.respond(status, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": status})
    notify(user, "match.sms", title="x")
    dispatch()
    delivery = Delivery.objects.get()
    assert delivery.status == outcome
    assert f"Twilio {status}" in delivery.last_error


def test_no_phone_number_is_skipped(make_user, sms):
    notify(make_user("nophone"), "match.sms", title="x")
    dispatch()
    assert Delivery.objects.get().status == "skipped"
    assert sms.requests == []
