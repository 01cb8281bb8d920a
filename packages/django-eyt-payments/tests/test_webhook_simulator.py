"""The local simulator delivers its events, signed, through the real pipeline (the offline demo)."""

import datetime as dt
import time

import pytest
from django.test import override_settings

from eyt_payments.exceptions import PaymentDeclined
from eyt_payments.gateways import get_gateway
from eyt_payments.models import Payment, SimulatedEvent, WebhookEvent
from eyt_payments.services import StripeService
from tests.conftest import open_payment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def local_gateway():
    with override_settings(EYT_PAYMENTS_GATEWAY={"BACKEND": "eyt_payments.gateways.local.LocalGateway"}):
        yield get_gateway()


def test_a_payment_confirmed_in_the_simulator_succeeds_through_its_webhook(local_gateway, user, received):
    service = StripeService()
    payment = open_payment(service, user)
    # The browser part: Stripe.js confirms with a 3D Secure card and the bank approves; the server hears of it
    # only through webhooks.
    method = local_gateway.create_payment_method("4000002500003155")
    local_gateway.confirm_intent(
        payment.stripe_payment_intent_id, payment_method=method.id, idempotency_key="browser-1"
    )
    payment.refresh_from_db()
    assert payment.status == "requires_action"
    local_gateway.authenticate_intent(payment.stripe_payment_intent_id)
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.actual_stripe_fee_minor == payment.estimated_stripe_fee_minor
    assert [name for name, _ in received] == ["payment_succeeded"]
    assert not SimulatedEvent.objects.filter(delivered_at__isnull=True).exists()
    types = set(WebhookEvent.objects.values_list("type", flat=True))
    assert {"payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded"} <= types
    assert set(WebhookEvent.objects.values_list("status", flat=True)) <= {"processed", "ignored"}


def test_the_memory_gateway_delivers_on_request(gateway, user, received, settings):
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = "whsec_memory"
    payment = open_payment(StripeService(), user)
    method = gateway.create_payment_method("4000000000009995")
    with pytest.raises(Exception, match="declined"):
        gateway.confirm_intent(payment.stripe_payment_intent_id, payment_method=method.id, idempotency_key="b-1")
    delivered = gateway.deliver_events()
    assert len(delivered) == len(gateway.events)
    assert gateway.pending_events() == []
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "insufficient_funds")
    assert received == [("payment_failed", {"payment": payment, "code": "insufficient_funds"})]


def test_a_decline_then_a_retry_within_one_second_ends_as_the_retry_left_it(gateway, user, settings):
    settings.EYT_PAYMENTS_WEBHOOK_SECRET = "whsec_memory"
    service = StripeService()
    payment = open_payment(service, user)
    with pytest.raises(PaymentDeclined):
        service.confirm_payment(payment, payment_method="pm_card_chargeDeclined")
    service.confirm_payment(payment, payment_method="pm_card_authenticationRequired")
    # Stripe's event times are whole seconds: let the decline, the retry and our last answer share one.
    second = int(time.time())
    for event in gateway.events:
        event["created"] = second
    Payment.objects.filter(pk=payment.pk).update(last_event_at=dt.datetime.fromtimestamp(second, dt.UTC))
    assert "payment_intent.payment_failed" in [event["type"] for event in gateway.events]

    gateway.deliver_events()

    payment.refresh_from_db()
    assert payment.status == "requires_action"  # not failed by the older decline's event
    assert gateway.calls("retrieve_intent")  # the tie was settled by asking for the intent as it is now
    gateway.authenticate_intent(payment.stripe_payment_intent_id)
    gateway.deliver_events()
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_each_commit_delivers_only_the_events_it_emitted(local_gateway, user):
    service = StripeService()
    first = SimulatedEvent.objects.get(
        type="payment_intent.created", payload__data__object__id=(open_payment(service, user).stripe_payment_intent_id)
    )
    # Another request's event, emitted but not yet delivered (its commit is still running its callbacks): were this
    # commit to deliver it, it would be received under this request's audit context (actor, request id).
    SimulatedEvent.objects.create(
        id="evt_other_request", type=first.type, payload={**first.payload, "id": "evt_other_request"}
    )
    payment = open_payment(service, user)

    assert SimulatedEvent.objects.get(id="evt_other_request").delivered_at is None
    assert WebhookEvent.objects.filter(type="payment_intent.created", object_id=payment.stripe_payment_intent_id)
    assert not WebhookEvent.objects.filter(pk="evt_other_request").exists()
    assert local_gateway.deliver_events() == ["evt_other_request"]  # on request, every pending one goes out
