"""Every handled event type, as signed fixture events at the current API shape, through the real view and worker."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from eyt_payments.models import Customer, Payment, PaymentMethod, Refund
from tests.conftest import open_payment, paid
from tests.stripe_events import (
    balance_transaction,
    charge,
    dispute,
    failed_intent,
    intent,
    refund,
    resource,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]


def names(received):
    return [name for name, _ in received]


@pytest.mark.parametrize(
    ("event_type", "intent_status", "expected"),
    [
        ("payment_intent.created", "requires_payment_method", "pending"),
        ("payment_intent.processing", "processing", "processing"),
        ("payment_intent.requires_action", "requires_action", "requires_action"),
        ("payment_intent.succeeded", "succeeded", "succeeded"),
        ("payment_intent.canceled", "canceled", "canceled"),
    ],
)
def test_intent_events_move_the_payment_forward(deliver, service, user, received, event_type, intent_status, expected):
    payment = open_payment(service, user)
    stored = deliver(event_type, intent(payment, intent_status))
    payment.refresh_from_db()
    assert stored.status == "processed"
    assert payment.status == expected
    assert payment.last_event_at == stored.created
    signal = {"succeeded": "payment_succeeded", "canceled": "payment_canceled"}.get(expected)
    assert names(received) == ([signal] if signal else [])


def test_event_times_with_use_tz_off_are_time_zone_wall_clock_times(deliver, service, user, settings):
    settings.USE_TZ, settings.TIME_ZONE = False, "Europe/Berlin"
    payment = open_payment(service, user)
    stored = deliver("payment_intent.succeeded", intent(payment, "succeeded"), created=1792890000)  # 00:00 UTC
    payment.refresh_from_db()
    assert (stored.status, payment.status) == ("processed", "succeeded")
    assert stored.created == payment.last_event_at == dt.datetime(2026, 10, 25, 2, 0)  # CEST
    stale = deliver("payment_intent.processing", intent(payment, "processing"), created=1792890000 - 60)
    payment.refresh_from_db()
    assert (stale.status, payment.status) == ("processed", "succeeded")


def test_payment_failed_records_the_decline_and_signals_its_code(deliver, service, user, received):
    payment = open_payment(service, user)
    deliver("payment_intent.payment_failed", failed_intent(payment, "insufficient_funds"))
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "insufficient_funds")
    assert received == [("payment_failed", {"payment": payment, "code": "insufficient_funds"})]


def test_succeeded_twice_signals_once(deliver, service, user, received):
    payment = open_payment(service, user)
    obj = intent(payment, "succeeded", latest_charge="ch_123")
    deliver("payment_intent.succeeded", obj)
    deliver("payment_intent.succeeded", obj)
    payment.refresh_from_db()
    assert payment.stripe_charge_id == "ch_123"
    assert names(received) == ["payment_succeeded"]


def test_an_intent_created_event_finds_the_payment_by_our_metadata(deliver, service, user):
    payment = open_payment(service, user)
    intent_id = payment.stripe_payment_intent_id
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=None)
    obj = intent(payment, "requires_payment_method", id=intent_id)
    assert deliver("payment_intent.created", obj).status == "processed"
    payment.refresh_from_db()
    assert payment.stripe_payment_intent_id == intent_id


def _simulated_charge(gateway):
    [sim_charge] = gateway.store.objects("charge")
    return sim_charge


def test_charge_succeeded_records_the_real_fee_from_the_balance_transaction(deliver, service, gateway, user):
    payment = paid(service, user, "10.00")
    sim_charge = _simulated_charge(gateway)
    obj = charge(payment, id=sim_charge["id"], balance_transaction=sim_charge["balance_transaction"])
    deliver("charge.succeeded", obj)
    payment.refresh_from_db()
    txn = gateway.store.load(sim_charge["balance_transaction"])
    assert gateway.calls("retrieve_balance_transaction")[-1].params == {"balance_transaction": txn["id"]}
    assert (payment.actual_stripe_fee_minor, payment.stripe_net_minor) == (txn["fee"], 1000 - txn["fee"])
    assert payment.stripe_charge_id == sim_charge["id"]
    deliver("charge.succeeded", obj)
    assert len(gateway.calls("retrieve_balance_transaction")) == 1  # known: never fetched again


def test_an_expanded_balance_transaction_needs_no_api_call(deliver, service, gateway, user):
    payment = open_payment(service, user)
    obj = charge(payment, balance_transaction=balance_transaction(1000, 61))
    deliver("charge.succeeded", obj)
    payment.refresh_from_db()
    assert (payment.status, payment.actual_stripe_fee_minor, payment.stripe_net_minor) == ("succeeded", 61, 939)
    assert gateway.calls("retrieve_balance_transaction") == []


def test_a_fee_in_another_settlement_currency_is_kept_in_that_currency(deliver, service, user):
    payment = open_payment(service, user)
    stored = deliver("charge.succeeded", charge(payment, balance_transaction=balance_transaction(900, 50, "eur")))
    payment.refresh_from_db()
    assert (payment.actual_stripe_fee_minor, payment.stripe_net_minor, payment.fee_currency) == (50, 850, "eur")
    assert (payment.actual_stripe_fee, payment.stripe_net) == (Decimal("0.50"), Decimal("8.50"))
    assert payment.estimated_stripe_fee_minor > 0  # the estimate stays beside it, in the payment's currency
    assert "settled in EUR" in stored.note


def test_charge_refunded_records_the_refunds_it_lists(deliver, service, user, received):
    payment = paid(service, user, "10.00")
    listed = refund(payment, 400)
    obj = charge(payment, amount_refunded=400, refunded=False, refunds={"object": "list", "data": [listed]})
    deliver("charge.refunded", obj)
    payment.refresh_from_db()
    row = Refund.objects.get(stripe_refund_id=listed["id"])
    assert (row.amount_minor, row.status, row.requested_by) == (400, "succeeded", None)
    assert (payment.status, payment.amount_refunded_minor) == ("partially_refunded", 400)
    assert "payment_refunded" in names(received)


def test_charge_refunded_without_a_list_notes_what_the_ledger_lacks(deliver, service, user):
    payment = paid(service, user, "10.00")
    stored = deliver("charge.refunded", charge(payment, amount_refunded=1000, refunded=True))
    assert "the charge reports 1000 refunded, the ledger 0" in stored.note


def test_a_dashboard_refund_becomes_a_ledger_row(deliver, service, user, received):
    payment = paid(service, user, "10.00")
    service.refund_payment(payment, "2.00")
    obj = refund(payment, 800, reason="requested_by_customer")
    deliver("refund.created", obj)
    payment.refresh_from_db()
    assert list(payment.refunds.values_list("sequence", "amount_minor")) == [(1, 200), (2, 800)]
    assert (payment.status, payment.amount_refunded_minor, payment.refund_count) == ("refunded", 1000, 2)
    [(name, kwargs)] = received  # the service's own refund was announced by the service
    assert (name, kwargs["refund"].stripe_refund_id) == ("payment_refunded", obj["id"])


def test_refund_updated_advances_our_own_refund(deliver, service, gateway, user):
    payment = paid(service, user, "10.00")
    own = service.refund_payment(payment, "3.00")
    Refund.objects.filter(pk=own.pk).update(status="pending")
    obj = refund(payment, 300, id=own.stripe_refund_id, metadata={"eyt_refund_id": str(own.pk)})
    deliver("refund.updated", obj)
    own.refresh_from_db()
    assert own.status == "succeeded"
    assert Refund.objects.count() == 1


def test_a_refund_failing_after_a_full_refund_is_recorded_as_an_anomaly(deliver, service, user):
    payment = paid(service, user, "10.00")
    own = service.refund_payment(payment)
    stored = deliver("refund.failed", refund(payment, 1000, "failed", id=own.stripe_refund_id))
    payment.refresh_from_db()
    own.refresh_from_db()
    assert own.status == "failed"
    assert payment.amount_refunded_minor == 0
    assert payment.status == "succeeded"  # the one correction the ledger forces, noted on the event
    assert stored.note == "a refund failed: refunded -> succeeded, refunds now total 0"


def test_charge_refund_updated_is_a_refund_update(deliver, service, user):
    payment = paid(service, user, "10.00")
    own = service.refund_payment(payment, "1.00")
    stored = deliver("charge.refund.updated", refund(payment, 100, "failed", id=own.stripe_refund_id))
    payment.refresh_from_db()
    assert (payment.amount_refunded_minor, payment.refundable_minor, payment.status) == (0, 1000, "succeeded")
    assert "a refund failed" in stored.note


def test_a_refund_of_ours_not_yet_in_the_ledger_waits(deliver, service, user):
    payment = paid(service, user, "10.00")
    stored = deliver("refund.created", refund(payment, 100, metadata={"eyt_refund_id": str(payment.pk)}))
    assert stored.status == "failed"
    assert stored.last_error.startswith("waiting:")


def test_disputes_mark_the_payment_and_keep_the_outcome(deliver, service, user, received):
    payment = paid(service, user, "10.00")
    Payment.objects.filter(pk=payment.pk).update(stripe_charge_id="ch_disputed")
    payment.refresh_from_db()
    deliver("charge.dispute.created", dispute(payment, "needs_response"))
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status) == ("disputed", "needs_response")
    assert received[-1] == ("payment_disputed", {"payment": payment, "dispute_status": "needs_response"})
    deliver("charge.dispute.closed", dispute(payment, "won"))
    deliver("charge.dispute.created", dispute(payment, "needs_response"))  # late, older news
    payment.refresh_from_db()
    assert (payment.status, payment.dispute_status) == ("disputed", "won")
    disputed = [kwargs["dispute_status"] for name, kwargs in received if name == "payment_disputed"]
    assert disputed == ["needs_response", "won"]  # each change once: the late news changes nothing


def test_payment_method_attached_and_detached(deliver, service, user):
    customer = service.get_or_create_customer(user)
    method = resource("payment_method", customer=customer.stripe_customer_id)
    deliver("payment_method.attached", method)
    saved = PaymentMethod.objects.get(stripe_payment_method_id=method["id"])
    assert (saved.customer, saved.brand, saved.last4, saved.exp_year) == (customer, "visa", "4242", 2030)
    deliver("payment_method.detached", {**method, "customer": None})
    assert not PaymentMethod.objects.filter(stripe_payment_method_id=method["id"]).exists()


def test_a_payment_method_of_a_customer_not_ours_is_ignored(deliver):
    stored = deliver("payment_method.attached", resource("payment_method", customer="cus_elsewhere"))
    assert (stored.status, stored.note) == ("ignored", "customer cus_elsewhere is not known here")
    assert PaymentMethod.objects.count() == 0


def test_customer_deleted(deliver, service, user):
    customer = service.get_or_create_customer(user)
    stored = deliver("customer.deleted", resource("customer", id=customer.stripe_customer_id, deleted=True))
    customer.refresh_from_db()
    assert customer.deleted_at == stored.created
    assert Customer.objects.count() == 1


def test_an_unknown_type_is_stored_and_ignored(deliver):
    stored = deliver("invoice.paid", resource("invoice"))
    assert (stored.status, stored.note) == ("ignored", "invoice.paid is not handled")


def test_a_test_mode_event_never_touches_live_data(deliver, service, user, received):
    payment = open_payment(service, user)
    Payment.objects.filter(pk=payment.pk).update(livemode=True)
    payment.refresh_from_db()
    stored = deliver("payment_intent.succeeded", {**intent(payment, "succeeded"), "livemode": False})
    payment.refresh_from_db()
    assert stored.status == "ignored"
    assert "test-mode event never changes live-mode data" in stored.note
    assert payment.status == "pending"
    assert received == []


def test_an_event_for_an_unknown_payment_waits_then_is_ignored(deliver, service, user, settings):
    payment = open_payment(service, user)
    obj = intent(payment, "succeeded", id="pi_unknown", metadata={})
    stored = deliver("payment_intent.succeeded", obj)
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert stored.last_error == "waiting: the payment of pi_unknown is not known here yet"
    assert stored.next_attempt_at > timezone.now()
    old = deliver("payment_intent.succeeded", obj, created=int(time.time()) - 7200)
    assert (old.status, old.note) == ("ignored", "the payment of pi_unknown is not known here")
