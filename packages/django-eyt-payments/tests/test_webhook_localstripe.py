"""End to end: localstripe delivers its signed events to the real view on a live server; the worker applies them."""

import contextlib
import time

import pytest
import stripe

from eyt_payments.exceptions import GatewayError
from eyt_payments.gateways import get_gateway
from eyt_payments.models import Payment, WebhookEvent
from eyt_payments.services import StripeService
from tests.stripe_events import SECRET
from tests.test_stripe_gateway import LOCALSTRIPE_OMITS

pytestmark = [pytest.mark.localstripe, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def delivering(localstripe, live_server, settings, webhook_secret):
    localstripe.reset()
    settings.EYT_PAYMENTS_SECRET_KEY = "sk_test_eyt"
    settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES = 0
    settings.EYT_PAYMENTS_GATEWAY = {
        "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
        "OPTIONS": {"api_base": localstripe.url, "omit_params": LOCALSTRIPE_OMITS},
    }
    events = ["payment_intent.succeeded", "payment_intent.payment_failed"]
    localstripe.register_webhook("eyt", f"{live_server.url}/payments/webhook/", SECRET, events)
    return localstripe


def wait_for_event(event_type, intent_id):
    """localstripe posts after answering the API call: wait (at most 20 s) for the event to be processed."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = WebhookEvent.objects.filter(type=event_type, object_id=intent_id).exclude(status="pending").first()
        if found is not None:
            return found
        time.sleep(0.05)
    seen = list(WebhookEvent.objects.values_list("type", "object_id", "status", "last_error"))
    raise AssertionError(f"no processed {event_type} for {intent_id}: {seen}")


def a_card(localstripe, number):
    client = stripe.StripeClient("sk_test_eyt", base_addresses={"api": localstripe.url}, max_network_retries=0)
    params = {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    return client.v1.payment_methods.create(params=params).id


def test_payment_intent_succeeded_reaches_the_payment_through_the_view(delivering, user, received):
    payment, intent = StripeService().create_payment_intent(
        user, "12.00", "tournament_fee", payment_method=a_card(delivering, "4242424242424242")
    )
    assert payment.status == "pending"
    # The customer's browser confirms; this server only hears of it through the webhook.
    get_gateway().confirm_intent(intent.id, idempotency_key="browser-confirm")
    stored = wait_for_event("payment_intent.succeeded", intent.id)
    assert stored.status == "processed"
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == "succeeded"
    assert payment.last_event_at == stored.created
    assert [name for name, _ in received] == ["payment_succeeded"]


def test_payment_intent_payment_failed_reaches_the_payment_through_the_view(delivering, user, received):
    payment, intent = StripeService().create_payment_intent(
        user,
        "12.00",
        "tournament_fee",
        payment_method=a_card(delivering, "4000000000000341"),  # localstripe declines it at charge time
    )
    with contextlib.suppress(GatewayError):  # the browser sees the decline; the server learns it from the webhook
        get_gateway().confirm_intent(intent.id, idempotency_key="browser-confirm")
    stored = wait_for_event("payment_intent.payment_failed", intent.id)
    assert stored.status == "processed"
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == "failed"
    assert payment.failure_code
    assert [name for name, _ in received] == ["payment_failed"]
