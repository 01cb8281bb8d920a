"""Disputes, partial captures, refunds whose answer was lost and settlement currencies, as Stripe reports them:
signed fixture events through the real view and worker."""

import time
import uuid

import pytest

from eyt_payments.exceptions import GatewayError, InvalidRefund, RefundExceedsPayment
from eyt_payments.models import Payment, Refund
from tests.conftest import open_payment, paid
from tests.stripe_events import charge, dispute, intent, refund

NOW = int(time.time())
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]


def disputed_signals(received):
    return [kwargs["dispute_status"] for name, kwargs in received if name == "payment_disputed"]


def charged(payment, charge_id="ch_disputed"):
    Payment.objects.filter(pk=payment.pk).update(stripe_charge_id=charge_id)
    payment.refresh_from_db()
    return payment


# Disputes ---------------------------------------------------------------------------------------------------------


def test_a_disputed_payment_reports_nothing_refundable(deliver, service, user):
    payment = charged(paid(service, user, "10.00"))
    service.refund_payment(payment, "2.00")
    deliver("charge.dispute.created", dispute(payment, "needs_response"))
    payment.refresh_from_db()
    assert (payment.status, payment.refundable_minor) == ("disputed", 0)  # Stripe withdrew the funds
    with pytest.raises(InvalidRefund):
        service.refund_payment(payment)


def test_an_inquiry_withdraws_nothing_and_the_payment_can_still_be_refunded(deliver, service, user, received):
    payment = charged(paid(service, user, "10.00"))
    deliver("charge.dispute.created", dispute(payment, "warning_needs_response"))
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status, payment.refundable_minor) == (
        "succeeded",
        "warning_needs_response",
        1000,
    )
    service.refund_payment(payment)  # Stripe's advice: refund the inquiry in full
    deliver("charge.dispute.closed", dispute(payment, "warning_closed"))
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status) == ("refunded", "warning_closed")
    assert disputed_signals(received) == ["warning_needs_response", "warning_closed"]


def test_dispute_updates_are_applied_in_stripes_order_whatever_the_delivery_order(deliver, service, user, received):
    payment = charged(paid(service, user, "10.00"))
    deliver("charge.dispute.updated", dispute(payment, "under_review"))  # created never arrived (yet)
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status) == ("disputed", "under_review")
    deliver("charge.dispute.created", dispute(payment, "needs_response"))  # older news
    deliver("charge.dispute.funds_withdrawn", dispute(payment, "needs_response"))
    payment.refresh_from_db()
    assert payment.dispute_status == "under_review"
    deliver("charge.dispute.closed", dispute(payment, "lost"))
    deliver("charge.dispute.closed", dispute(payment, "lost"))  # a duplicate
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status, payment.refundable_minor) == ("disputed", "lost", 0)
    assert disputed_signals(received) == ["under_review", "lost"]


def test_funds_reinstated_of_a_won_dispute_keeps_it_won(deliver, service, user, received):
    payment = charged(paid(service, user, "10.00"))
    deliver("charge.dispute.created", dispute(payment, "needs_response"))
    deliver("charge.dispute.funds_reinstated", dispute(payment, "won"))
    deliver("charge.dispute.closed", dispute(payment, "won"))
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status) == ("disputed", "won")
    assert disputed_signals(received) == ["needs_response", "won"]


# Manual capture ---------------------------------------------------------------------------------------------------


def _authorised(deliver, service, user, amount="10.00"):
    payment = open_payment(service, user, amount, capture_method="manual")
    authorised = intent(payment, "requires_capture", capture_method="manual")
    deliver("payment_intent.amount_capturable_updated", authorised, created=NOW - 60)
    payment.refresh_from_db()
    assert payment.status == "requires_capture"
    return payment


def test_a_partial_capture_reported_by_webhook_limits_what_can_be_refunded(deliver, service, user):
    payment = _authorised(deliver, service, user)
    captured = {"amount_received": 600, "amount_capturable": 0, "capture_method": "manual"}
    deliver("payment_intent.succeeded", intent(payment, "succeeded", **captured), created=NOW - 30)
    deliver(
        "charge.captured", charge(payment, amount_captured=600, balance_transaction=None), created=NOW - 30
    )  # duplicate news of the same capture
    payment.refresh_from_db()
    assert (payment.status, payment.amount_minor, payment.refundable_minor) == ("succeeded", 600, 600)
    with pytest.raises(RefundExceedsPayment):  # refused here, not by Stripe after the request
        service.refund_payment(payment, "6.01")


def test_a_partial_capture_in_a_charge_event_alone_is_enough(deliver, service, user):
    payment = _authorised(deliver, service, user, "1000")  # a three-decimal currency below
    Payment.objects.filter(pk=payment.pk).update(currency="kwd", amount_minor=10000)
    payment.refresh_from_db()
    deliver("charge.captured", charge(payment, amount_captured=7550, balance_transaction=None), created=NOW - 30)
    payment.refresh_from_db()
    assert (payment.status, payment.amount_minor, str(payment.refundable_amount)) == ("succeeded", 7550, "7.550")


def test_an_expired_authorisation_cancels_the_payment(deliver, service, user, received):
    payment = _authorised(deliver, service, user)
    expired = intent(payment, "canceled", cancellation_reason="automatic", capture_method="manual")
    deliver("payment_intent.canceled", expired, created=NOW - 30)
    payment.refresh_from_db()
    assert (payment.status, payment.refundable_minor) == ("canceled", 0)
    assert [name for name, _ in received] == ["payment_canceled"]


# Refunds ---------------------------------------------------------------------------------------------------------


def test_a_refund_whose_answer_was_lost_is_recorded_once_after_the_wait(deliver, service, gateway, user, received):
    payment = paid(service, user, "10.00")
    gateway.fail_next("create_refund")  # Stripe refunds, the answer never arrives, nothing is retried
    with pytest.raises(GatewayError):
        service.refund_payment(payment, "4.00")
    assert not Refund.objects.exists()
    ours = {"eyt_refund_id": str(uuid.uuid5(payment.id, "refund:1")), "eyt_refund_sequence": "1"}
    obj = refund(payment, 400, metadata=ours)
    fresh = deliver("refund.created", obj)
    assert (fresh.status, Refund.objects.count()) == ("failed", 0)  # waits: the service may still commit it
    late = int(time.time()) - 7200
    deliver("refund.created", obj, created=late)
    deliver("charge.refund.updated", obj, created=late)
    payment.refresh_from_db()
    [row] = Refund.objects.all()
    assert (row.stripe_refund_id, row.amount_minor, row.sequence) == (obj["id"], 400, 1)
    assert (payment.status, payment.amount_refunded_minor, payment.refundable_minor) == ("partially_refunded", 400, 600)
    assert [name for name, _ in received].count("payment_refunded") == 1
    second = service.refund_payment(payment)  # the rest, under the next ledger position's key
    assert (second.sequence, second.amount_minor) == (2, 600)


def test_a_failed_jpy_refund_gives_back_what_can_be_refunded(deliver, service, user):
    payment = paid(service, user, "1000", currency="jpy")
    own = service.refund_payment(payment, "1000")
    deliver(
        "refund.updated",
        refund(payment, 1000, "failed", id=own.stripe_refund_id, failure_reason="expired_or_canceled_card"),
    )
    deliver(
        "refund.updated", refund(payment, 1000, "succeeded", id=own.stripe_refund_id), created=int(time.time()) - 60
    )
    payment.refresh_from_db()
    own.refresh_from_db()
    assert (own.status, payment.status, payment.amount_refunded_minor, payment.refundable_minor) == (
        "failed",
        "succeeded",
        0,
        1000,
    )


def test_a_dashboard_refund_in_charge_refunded_and_refund_created_is_one_row(deliver, service, user):
    payment = paid(service, user, "1000", currency="jpy")
    dashboard = refund(payment, 300)
    deliver("charge.refunded", charge(payment, amount_refunded=300, refunds={"object": "list", "data": [dashboard]}))
    deliver("refund.created", dashboard)
    payment.refresh_from_db()
    assert list(payment.refunds.values_list("stripe_refund_id", "amount_minor")) == [(dashboard["id"], 300)]
    assert (payment.status, payment.refundable_minor) == ("partially_refunded", 700)
