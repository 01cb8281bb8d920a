"""POST /payments/webhook/: verify over the raw body, store once, answer 2xx; refuse everything else with 400."""

import json
import logging
import sys
import time
import types

import pytest
import stripe

from eyt_payments.models import WebhookEvent
from eyt_payments.webhooks.inbox import receive, store
from eyt_payments.webhooks.signature import WebhookRefused, signed_event
from tests.conftest import paid
from tests.stripe_events import OLD_SECRET, SECRET, event, intent, post, resource, sign, signed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]
URL = "/payments/webhook/"


def a_valid_event():
    return event("customer.created", resource("customer"))


def deliver(client, body, header=None, **extra):
    headers = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(URL, body, content_type="application/json", **headers, **extra)


def test_a_valid_event_is_stored_and_acknowledged(client):
    payload = a_valid_event()
    response = post(client, payload)
    assert response.status_code == 200
    assert response.json() == {"received": True, "id": payload["id"]}
    stored = WebhookEvent.objects.get()
    assert (stored.id, stored.type, stored.object_id) == (
        payload["id"],
        "customer.created",
        payload["data"]["object"]["id"],
    )
    assert stored.payload == payload


def test_the_exact_signed_bytes_are_kept(client):
    body, _ = signed(a_valid_event())
    body = body.replace(b", ", b",   ")  # other whitespace than json.dumps would produce
    assert deliver(client, body, sign(body)).status_code == 200
    assert WebhookEvent.objects.get().body.encode() == body


def test_the_request_makes_no_api_call_runs_no_handler_and_runs_one_query(
    client, settings, service, gateway, user, django_assert_num_queries
):
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    payment = paid(service, user)
    calls = len(gateway.outbox)
    body, header = signed(event("payment_intent.canceled", intent(payment, "canceled")))
    with django_assert_num_queries(1):
        assert deliver(client, body, header).status_code == 200
    assert len(gateway.outbox) == calls
    assert WebhookEvent.objects.get().status == "pending"
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_the_row_gets_the_model_defaults(client):
    before = time.time()
    assert post(client, a_valid_event()).status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts, stored.last_error, stored.note, stored.processed_at) == (
        "pending",
        0,
        "",
        "",
        None,
    )
    assert before - 1 <= stored.received_at.timestamp() <= time.time() + 1
    assert before - 1 <= stored.next_attempt_at.timestamp() <= time.time() + 1
    assert stored.audit_context is None  # without eyt_audit


def test_store_tells_a_new_event_from_a_repeated_one(settings, django_assert_num_queries):
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    payload = a_valid_event()
    body = json.dumps(payload)
    assert store(payload, body) is True
    with django_assert_num_queries(1):
        assert store(payload, body) is False
    assert WebhookEvent.objects.get().body == body


def test_a_header_made_by_stripe_python_is_accepted(client):
    body, _ = signed(a_valid_event())
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
    assert deliver(client, body, header).status_code == 200


def test_signed_event_signs_with_the_first_configured_secret_for_host_tests(client, settings):
    body, header = signed_event(a_valid_event())
    assert deliver(client, body, header).status_code == 200
    assert WebhookEvent.objects.get().type == "customer.created"
    body, header = signed_event(a_valid_event(), OLD_SECRET, timestamp=int(time.time()) - 3600)
    assert deliver(client, body, header).json()["error"]["code"] == "signature_expired"
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = None
    settings.EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"}
    settings.EYT_PAYMENTS_SECRET_KEY = "sk_test_x"
    with pytest.raises(WebhookRefused, match="No webhook secret is configured to sign with"):
        signed_event(a_valid_event())


def test_a_repeated_delivery_is_a_no_op_not_an_error(client):
    payload = a_valid_event()
    assert [post(client, payload).status_code for _ in range(3)] == [200, 200, 200]
    assert WebhookEvent.objects.count() == 1


def test_both_secrets_of_a_roll_are_accepted(client):
    assert post(client, a_valid_event(), SECRET).status_code == 200
    assert post(client, a_valid_event(), OLD_SECRET).status_code == 200
    assert WebhookEvent.objects.count() == 2


def test_a_header_carrying_signatures_of_both_secrets_is_accepted(client):
    body, _ = signed(a_valid_event())
    timestamp = int(time.time())
    new, old = sign(body, SECRET, timestamp), sign(body, OLD_SECRET, timestamp)
    assert deliver(client, body, f"{new},{old.split(',')[1]}").status_code == 200


def test_the_seed_setting_is_the_default_secret(client, settings):
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = None
    settings.STRIPE_WEBHOOK_SECRET = "whsec_seed"
    assert post(client, a_valid_event(), "whsec_seed").status_code == 200
    assert post(client, a_valid_event(), SECRET).status_code == 400


def _stale(body):
    return sign(body, SECRET, int(time.time()) - 301)


def _ahead(seconds):
    return lambda body: sign(body, SECRET, int(time.time()) + seconds)


def _not_json(_):
    return None


REFUSALS = {
    "missing header": (lambda body: None, "signature_missing"),
    "empty header": (lambda body: "", "signature_missing"),
    "malformed header": (lambda body: "v1=abc", "signature_malformed"),
    "no v1 entry": (lambda body: f"t={int(time.time())},v0=abc", "signature_malformed"),
    "non-ASCII digits as the timestamp": (lambda body: "t=\u00b2\u00b3,v1=abc", "signature_malformed"),
    "a timestamp of 5000 digits": (lambda body: f"t={'9' * 5000},v1=abc", "signature_malformed"),
    "non-ASCII signature": (lambda body: f"t={int(time.time())},v1=\u00e9", "signature_invalid"),
    "stale timestamp": (_stale, "signature_expired"),
    "timestamp an hour ahead": (_ahead(3600), "signature_from_future"),
    "timestamp just beyond the tolerance ahead": (_ahead(302), "signature_from_future"),
    "wrong secret": (lambda body: sign(body, "whsec_someone_else"), "signature_invalid"),
    "tampered body": (lambda body: sign(body.replace(b"customer", b"c0stomer")), "signature_invalid"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_signature_refusals_are_400_and_store_nothing(client, case, caplog):
    make_header, code = REFUSALS[case]
    body, _ = signed(a_valid_event())
    with caplog.at_level(logging.WARNING, "eyt_payments.security"):
        response = deliver(client, body, make_header(body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert WebhookEvent.objects.count() == 0
    assert "webhook_signature_invalid" in caplog.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "body_malformed"),
        (b"\xff\xfe", "body_malformed"),
        (b"[1, 2]", "event_malformed"),
        (
            json.dumps({"id": "evt_1", "type": "x.y", "created": "yesterday", "data": {"object": {}}}).encode(),
            "event_malformed",
        ),
        (json.dumps({"id": "evt_1", "type": "x.y", "created": 1, "data": {}}).encode(), "event_malformed"),
        (
            json.dumps({"id": "evt_1", "type": "x.y", "created": True, "data": {"object": {}}}).encode(),
            "event_malformed",
        ),
        (
            json.dumps({"id": "evt_1", "type": "x.y", "created": 10**20, "data": {"object": {}}}).encode(),
            "event_malformed",
        ),
        (
            json.dumps({"id": "evt_\u0000", "type": "x.y", "created": 1, "data": {"object": {}}}).encode(),
            "event_malformed",
        ),
        (
            json.dumps({"id": "evt_1", "type": "x.y", "created": 1, "data": {"object": {"id": "pi_\u0000"}}}).encode(),
            "event_malformed",
        ),
        ('{"id": "evt_1"}'.encode("utf-16"), "body_malformed"),
    ],
)
def test_a_valid_signature_over_a_bad_body_is_refused(client, body, code, caplog):
    with caplog.at_level(logging.WARNING, "eyt_payments.security"):
        response = deliver(client, body, sign(body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert WebhookEvent.objects.count() == 0
    assert "webhook_payload_invalid" in caplog.text


def test_a_body_that_is_not_utf8_is_a_signature_refusal_when_the_signature_does_not_match(client, caplog):
    with caplog.at_level(logging.WARNING, "eyt_payments.security"):
        response = deliver(client, b"\xff\xfe", sign(b"something else"))
    assert response.json()["error"]["code"] == "signature_invalid"
    assert "webhook_signature_invalid" in caplog.text


def test_a_body_over_the_limit_is_refused_before_verification(client, settings):
    settings.EYT_PAYMENTS_WEBHOOK_MAX_BODY_BYTES = 2048
    payload = a_valid_event()
    payload["data"]["object"]["description"] = "x" * 4096
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_large"
    assert WebhookEvent.objects.count() == 0


def test_a_lying_content_length_does_not_get_a_large_body_through():
    body = b"x" * 600_000
    with pytest.raises(WebhookRefused) as refused:
        receive(body, sign(body))
    assert refused.value.code == "body_too_large"


def test_no_configured_secret_refuses_everything(client, settings):
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = ""
    settings.EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"}
    response = post(client, a_valid_event())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_not_configured"


def test_a_timestamp_a_little_ahead_is_accepted(client):
    body, _ = signed(a_valid_event())
    assert deliver(client, body, _ahead(60)(body)).status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "options"])
def test_other_methods_are_405_in_the_json_error_shape_of_the_other_endpoints(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"error": {"code": "method_not_allowed", "message": "This method is not allowed here."}}
    assert response.json() == client.get("/payments/create-intent/").json()
    assert WebhookEvent.objects.count() == 0


def test_get_is_not_allowed_and_csrf_is_not_required(client):
    assert client.get(URL).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, a_valid_event()).status_code == 200


def test_raw_exception_text_never_reaches_the_client(client):
    body = b'{"id": "evt_1", "type": "a.b", "created": 1, "data": {"object": {}}, "x": }'
    response = deliver(client, body, sign(body))
    assert response.json() == {"error": {"code": "body_malformed", "message": "The body is not valid JSON."}}


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, event_type, **kwargs):
        self.calls.append((event_type, kwargs))


def stand_in_eyt_audit(monkeypatch, **attributes):
    """eyt_audit as the installed app this test needs (its security_event is being built in parallel)."""
    from eyt_payments.integrations import audit

    module = types.ModuleType("eyt_audit")
    module.__dict__.update(attributes)
    monkeypatch.setitem(sys.modules, "eyt_audit", module)
    monkeypatch.setattr(audit, "is_enabled", lambda: True)


def test_refusals_are_security_events_when_eyt_audit_is_installed(client, monkeypatch):
    recorder = Recorder()
    stand_in_eyt_audit(monkeypatch, security_event=recorder)
    body, _ = signed(a_valid_event())
    deliver(client, body, sign(body, "whsec_wrong"))
    [(event_type, kwargs)] = recorder.calls
    assert event_type == "webhook_signature_invalid"
    assert kwargs["severity"] == "warning"
    assert kwargs["metadata"] == {"reason": "signature_invalid"}
    assert kwargs["request"].path == URL


def test_an_eyt_audit_without_security_event_is_logged_instead(client, monkeypatch, caplog):
    stand_in_eyt_audit(monkeypatch)
    with caplog.at_level(logging.WARNING, "eyt_payments.security"):
        response = deliver(client, b"{}", None)
    assert response.status_code == 400
    assert "signature_missing" in caplog.text
