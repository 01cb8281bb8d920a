"""Any order, any number of deliveries: a payment's events always end in the state of their in-order delivery."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from eyt_payments.models import Payment
from eyt_payments.webhooks import processing
from eyt_payments.webhooks.inbox import receive
from tests.conftest import open_payment
from tests.stripe_events import balance_transaction, charge, event, failed_intent, intent, new_id, refund, signed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]
T = 1_900_000_000


def paid_then_refunded(payment):
    refund_ids = [new_id("re"), new_id("re")]
    return [
        ("payment_intent.created", intent(payment, "requires_payment_method")),
        ("payment_intent.requires_action", intent(payment, "requires_action")),
        ("payment_intent.payment_failed", failed_intent(payment)),
        ("payment_intent.succeeded", intent(payment, "succeeded", latest_charge="ch_sc")),
        ("charge.succeeded", charge(payment, id="ch_sc", balance_transaction=balance_transaction(1000, 59))),
        ("refund.created", refund(payment, 300, "pending", id=refund_ids[0], charge="ch_sc")),
        ("refund.updated", refund(payment, 300, "succeeded", id=refund_ids[0], charge="ch_sc")),
        ("refund.created", refund(payment, 700, "succeeded", id=refund_ids[1], charge="ch_sc")),
    ]


def failed_twice(payment):
    return [
        ("payment_intent.created", intent(payment, "requires_payment_method")),
        ("payment_intent.requires_action", intent(payment, "requires_action")),
        ("payment_intent.payment_failed", failed_intent(payment)),
        ("payment_intent.requires_action", intent(payment, "requires_action")),
        ("payment_intent.payment_failed", failed_intent(payment, "expired_card")),
    ]


def refund_that_fails(payment):
    refund_id = new_id("re")
    return [
        ("payment_intent.processing", intent(payment, "processing")),
        ("payment_intent.succeeded", intent(payment, "succeeded")),
        ("refund.created", refund(payment, 400, "pending", id=refund_id)),
        ("refund.failed", refund(payment, 400, "failed", id=refund_id)),
    ]


def canceled_after_action(payment):
    return [
        ("payment_intent.created", intent(payment, "requires_payment_method")),
        ("payment_intent.requires_action", intent(payment, "requires_action")),
        ("payment_intent.canceled", intent(payment, "canceled")),
    ]


SCENARIOS = [paid_then_refunded, failed_twice, refund_that_fails, canceled_after_action]


def deliver(sequence):
    for payload in sequence:
        receive(*signed(payload))
        processing.process_event(payload["id"], replay=True)


def final_state(payment):
    payment = Payment.objects.get(pk=payment.pk)
    refunds = sorted(payment.refunds.values_list("amount_minor", "status"))
    return payment.status, payment.amount_refunded_minor, payment.actual_stripe_fee_minor, refunds


def events_of(scenario, payment):
    return [event(kind, obj, created=T + step) for step, (kind, obj) in enumerate(scenario(payment))]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), scenario=st.sampled_from(SCENARIOS))
def test_shuffled_and_repeated_deliveries_reach_the_in_order_state(data, scenario, service, user, settings):
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    in_order, shuffled = open_payment(service, user), open_payment(service, user)
    deliver(events_of(scenario, in_order))
    events = events_of(scenario, shuffled)
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=len(events)), label="repeated")
    deliver(data.draw(st.permutations(events + repeats), label="delivery order"))
    assert final_state(shuffled) == final_state(in_order)


def test_the_in_order_states_are_the_expected_ones(service, user, settings):
    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    expected = {
        paid_then_refunded: ("refunded", 1000, 59, [(300, "succeeded"), (700, "succeeded")]),
        failed_twice: ("failed", 0, None, []),
        refund_that_fails: ("succeeded", 0, None, [(400, "failed")]),
        canceled_after_action: ("canceled", 0, None, []),
    }
    for scenario, state in expected.items():
        payment = open_payment(service, user)
        deliver(events_of(scenario, payment))
        assert final_state(payment) == state, scenario.__name__
