"""The offline simulator: Stripe test mode in the database, with events in Stripe's shape."""

import json

import pytest
import stripe
from django.test import override_settings

from eyt_payments.exceptions import GatewayRequestError, IdempotencyConflict, PaymentDeclined
from eyt_payments.gateways import get_gateway
from eyt_payments.gateways.base import IntentRequest, RefundRequest
from eyt_payments.gateways.local import LocalGateway
from eyt_payments.models import SimulatedEvent, SimulatedObject, SimulatedRequest
from eyt_payments.services import StripeService

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("local_gateway"),
]


@pytest.fixture
def local_gateway():
    # These tests look at the simulator itself, so its events stay undelivered (test_webhook_simulator.py
    # covers delivery through the webhook pipeline).
    config = {"BACKEND": "eyt_payments.gateways.local.LocalGateway", "OPTIONS": {"deliver_webhooks": False}}
    with override_settings(EYT_PAYMENTS_GATEWAY=config):
        yield get_gateway()


def test_it_is_the_configured_gateway_and_keeps_state_in_the_database(local_gateway, user):
    assert isinstance(local_gateway, LocalGateway)
    payment, intent = StripeService().create_payment_intent(
        user, "10", "coaching", payment_method="pm_card_visa", confirm=True
    )
    assert intent.status == "succeeded"
    stored = SimulatedObject.objects.get(pk=intent.id)
    assert stored.data["amount"] == 1000
    assert stored.data["status"] == "succeeded"
    charge = SimulatedObject.objects.get(pk=stored.data["latest_charge"]).data
    fee_txn = SimulatedObject.objects.get(pk=charge["balance_transaction"]).data
    assert fee_txn["fee"] == payment.estimated_stripe_fee_minor == 59


def test_idempotency_keys_replay_the_first_answer_like_stripe(local_gateway):
    request = IntentRequest(amount=500, currency="usd")
    first = local_gateway.create_intent(request, idempotency_key="key-1")
    again = local_gateway.create_intent(request, idempotency_key="key-1")
    assert again.id == first.id
    assert SimulatedObject.objects.filter(object="payment_intent").count() == 1
    with pytest.raises(IdempotencyConflict):
        local_gateway.create_intent(IntentRequest(amount=600, currency="usd"), idempotency_key="key-1")
    assert SimulatedRequest.objects.get().operation == "create_intent"


def test_a_decline_is_committed_and_replayed(local_gateway):
    request = IntentRequest(amount=500, currency="usd", payment_method="pm_card_chargeDeclined")
    intent = local_gateway.create_intent(request, idempotency_key="k")
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            local_gateway.confirm_intent(intent.id, idempotency_key="k-confirm")
        assert caught.value.decline_code == "generic_decline"
    assert local_gateway.retrieve_intent(intent.id).error_code == "card_declined"
    assert SimulatedEvent.objects.filter(type="payment_intent.payment_failed").count() == 1


def test_real_card_numbers_are_refused(local_gateway):
    with pytest.raises(GatewayRequestError) as caught:
        local_gateway.create_payment_method("4111111111111112")
    assert "test card" in caught.value.user_message
    assert not SimulatedObject.objects.filter(object="payment_method").exists()


def test_refunds_cannot_exceed_the_charge(local_gateway):
    intent = local_gateway.create_intent(
        IntentRequest(amount=500, currency="usd", payment_method="pm_card_visa", confirm=True), idempotency_key="k"
    )
    local_gateway.create_refund(RefundRequest(payment_intent=intent.id, amount=300), idempotency_key="r1")
    with pytest.raises(GatewayRequestError, match="greater than unrefunded"):
        local_gateway.create_refund(RefundRequest(payment_intent=intent.id, amount=201), idempotency_key="r2")


def test_events_have_stripes_shape_and_verify_with_the_webhook_secret(local_gateway, user):
    payment, intent = StripeService().create_payment_intent(
        user, "10", "coaching", payment_method="pm_card_visa", confirm=True
    )
    StripeService().refund_payment(payment, "2")
    types = [event.type for event in local_gateway.pending_events()]
    assert types == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
    ]
    succeeded = SimulatedEvent.objects.get(type="payment_intent.succeeded")
    body, header = LocalGateway.signed_payload(succeeded.payload, "whsec_test")
    event = stripe.Webhook.construct_event(body, header, "whsec_test")
    assert event.id == succeeded.id
    assert event.data.object.id == intent.id
    assert event.data.object.metadata["eyt_payment_id"] == str(payment.id)
    assert json.loads(body)["api_version"] == stripe.api_version
    assert "_sim" not in body.decode()

    local_gateway.mark_delivered(succeeded.id)
    assert succeeded.id not in {event.id for event in local_gateway.pending_events()}
