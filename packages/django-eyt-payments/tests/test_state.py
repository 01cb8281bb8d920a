from dataclasses import dataclass

import pytest

from eyt_payments import state
from eyt_payments.exceptions import IllegalTransition
from eyt_payments.state import PaymentStatus as P
from eyt_payments.state import RefundStatus as R


@dataclass
class Thing:
    status: str


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (P.PENDING, P.SUCCEEDED),
        (P.PENDING, P.REQUIRES_ACTION),
        (P.REQUIRES_ACTION, P.SUCCEEDED),
        (P.FAILED, P.SUCCEEDED),
        (P.REQUIRES_CAPTURE, P.SUCCEEDED),
        (P.SUCCEEDED, P.PARTIALLY_REFUNDED),
        (P.PARTIALLY_REFUNDED, P.REFUNDED),
        (P.SUCCEEDED, P.DISPUTED),
    ],
)
def test_forward_transitions(start, end):
    thing = Thing(start)
    assert state.PAYMENT.advance(thing, end) is True
    assert thing.status == end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (P.SUCCEEDED, P.PENDING),
        (P.SUCCEEDED, P.FAILED),
        (P.REFUNDED, P.SUCCEEDED),
        (P.PARTIALLY_REFUNDED, P.SUCCEEDED),
        (P.CANCELED, P.SUCCEEDED),
        (P.REQUIRES_CAPTURE, P.PENDING),
        (P.PROCESSING, P.REQUIRES_ACTION),
    ],
)
def test_backward_transitions_raise_and_change_nothing(start, end):
    thing = Thing(start)
    with pytest.raises(IllegalTransition, match=f"from '{start}' to '{end}'"):
        state.PAYMENT.advance(thing, end)
    assert thing.status == start
    assert not state.PAYMENT.can_advance(start, end)


def test_same_status_is_a_no_op_so_duplicate_events_are_harmless():
    thing = Thing(P.SUCCEEDED)
    assert state.PAYMENT.advance(thing, P.SUCCEEDED) is False
    assert thing.status == P.SUCCEEDED


def test_unknown_status_is_refused():
    with pytest.raises(IllegalTransition, match="not a payment status"):
        state.PAYMENT.advance(Thing(P.PENDING), "paid")


def test_final_states():
    assert {s for s in P.values if state.PAYMENT.is_final(s)} == {P.REFUNDED, P.CANCELED, P.DISPUTED}
    assert {s for s in R.values if state.REFUND.is_final(s)} == {R.FAILED, R.CANCELED}


def test_every_status_is_in_the_machine():
    assert set(state.PAYMENT.transitions) == set(P.values)
    assert set(state.REFUND.transitions) == set(R.values)


def test_intent_statuses_map_to_payment_statuses():
    assert state.payment_status_for_intent("requires_payment_method") == P.PENDING
    assert state.payment_status_for_intent("requires_payment_method", has_error=True) == P.FAILED
    assert state.payment_status_for_intent("requires_capture") == P.REQUIRES_CAPTURE
    assert set(state.INTENT_STATUS_MAP.values()) <= set(P.values)
