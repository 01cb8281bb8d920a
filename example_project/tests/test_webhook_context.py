"""With django-eyt-audit installed, a webhook delivery stores its request's context for the worker without reading
the session or the user: Stripe never sends a cookie, and were one sent along the request stays one query."""

import hashlib
import hmac
import json
import time
import uuid

import pytest

from eyt_payments.models import WebhookEvent

pytestmark = pytest.mark.django_db
SECRET = "whsec_context_test"


def signed_event() -> tuple[bytes, str]:
    payload = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "customer.created",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {"id": f"cus_{uuid.uuid4().hex[:14]}", "object": "customer"}},
    }
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={digest}"


def test_a_delivery_keeps_its_context_without_a_session_or_user_query(
    client, settings, django_user_model, django_assert_num_queries
):
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = SECRET
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    client.force_login(django_user_model.objects.create_user("cookie-holder", password="x"))
    body, header = signed_event()
    with django_assert_num_queries(1):
        response = client.post(
            "/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
    assert response.status_code == 200
    context = WebhookEvent.objects.get().audit_context
    assert (context["actor"], context["session"], context["request_id"]) == (None, "", response["X-Request-ID"])
