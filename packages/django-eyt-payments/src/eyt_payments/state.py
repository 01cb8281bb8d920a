"""Forward-only state machines for payments and refunds. Every status change goes through ``advance``.

Webhook events arrive late, twice and out of order, so moving to the current status is a no-op (``advance``
returns ``False``) and moving backwards raises ``IllegalTransition``: a handler can ask ``can_advance`` first
and skip a stale event.

``failed`` is not final for a payment: Stripe lets the customer retry the same PaymentIntent with another
card, so a failed attempt can still end in ``succeeded`` or ``canceled``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from eyt_payments.exceptions import IllegalTransition


class PaymentStatus(models.TextChoices):
    """A payment's statuses; ``INTENT_STATUS_MAP`` maps Stripe's PaymentIntent statuses onto them."""

    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    PROCESSING = "processing", _("Processing")
    REQUIRES_CAPTURE = "requires_capture", _("Authorised, awaiting capture")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")
    DISPUTED = "disputed", _("Disputed")


class RefundStatus(models.TextChoices):
    """A refund's statuses, as Stripe names them."""

    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class HasStatus(Protocol):
    """Anything with a ``status`` a ``StateMachine`` can advance (a ``Payment``, a ``Refund``)."""

    status: str


@dataclass(frozen=True)
class StateMachine:
    """A forward-only state machine: ``transitions`` maps each status to the statuses it may move to."""

    name: str
    transitions: Mapping[str, frozenset[str]]

    def can_advance(self, current: str, new: str) -> bool:
        """True if ``current -> new`` is allowed (or a no-op because they are equal)."""
        return current == new or new in self.transitions.get(current, frozenset())

    def advance(self, obj: HasStatus, new: str) -> bool:
        """Set ``obj.status`` to ``new``; ``False`` if it already was, ``IllegalTransition`` if not allowed.

        The caller saves the object (inside the transaction that holds its row lock)."""
        new, current = str(new), str(obj.status)
        if new not in self.transitions:
            raise IllegalTransition(f"{new!r} is not a {self.name} status.")
        if current == new:
            return False
        if not self.can_advance(current, new):
            raise IllegalTransition(f"A {self.name} cannot go from {current!r} to {new!r}.")
        obj.status = new
        return True

    def is_final(self, status: str) -> bool:
        """True if no status can follow ``status`` (also for a status this machine does not know)."""
        return not self.transitions.get(status)


P = PaymentStatus
_ATTEMPT_OUTCOMES = frozenset({P.REQUIRES_ACTION, P.PROCESSING, P.REQUIRES_CAPTURE, P.SUCCEEDED, P.FAILED, P.CANCELED})

PAYMENT = StateMachine(
    "payment",
    {
        P.PENDING: _ATTEMPT_OUTCOMES,
        P.REQUIRES_ACTION: _ATTEMPT_OUTCOMES - {P.REQUIRES_ACTION},
        P.FAILED: _ATTEMPT_OUTCOMES - {P.FAILED},
        P.PROCESSING: frozenset({P.REQUIRES_CAPTURE, P.SUCCEEDED, P.FAILED, P.CANCELED}),
        P.REQUIRES_CAPTURE: frozenset({P.SUCCEEDED, P.CANCELED}),
        P.SUCCEEDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED, P.DISPUTED}),
        P.PARTIALLY_REFUNDED: frozenset({P.REFUNDED, P.DISPUTED}),
        P.DISPUTED: frozenset(),
        P.REFUNDED: frozenset(),
        P.CANCELED: frozenset(),
    },
)

R = RefundStatus
REFUND = StateMachine(
    "refund",
    {
        R.PENDING: frozenset({R.REQUIRES_ACTION, R.SUCCEEDED, R.FAILED, R.CANCELED}),
        R.REQUIRES_ACTION: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELED}),
        # Stripe can report a refund failed after it succeeded (e.g. the card account was closed).
        R.SUCCEEDED: frozenset({R.FAILED}),
        R.FAILED: frozenset(),
        R.CANCELED: frozenset(),
    },
)

#: Payment statuses that still wait for the customer or the bank: one open payment per payable at a time.
OPEN_PAYMENT_STATUSES = (P.PENDING, P.REQUIRES_ACTION, P.FAILED)
#: Statuses in which a payment for an item is under way: no second payment for that item may start (the
#: database's unique constraint holds one per user, type and item); the open ones can still be resumed.
IN_PROGRESS_PAYMENT_STATUSES = (*OPEN_PAYMENT_STATUSES, P.PROCESSING, P.REQUIRES_CAPTURE)
#: Statuses in which captured money can be refunded.
REFUNDABLE_STATUSES = (P.SUCCEEDED, P.PARTIALLY_REFUNDED)

#: Stripe PaymentIntent status -> our payment status.
INTENT_STATUS_MAP = {
    "requires_payment_method": P.PENDING,
    "requires_confirmation": P.PENDING,
    "requires_action": P.REQUIRES_ACTION,
    "processing": P.PROCESSING,
    "requires_capture": P.REQUIRES_CAPTURE,
    "succeeded": P.SUCCEEDED,
    "canceled": P.CANCELED,
}


def payment_status_for_intent(intent_status: str, *, has_error: bool = False) -> str:
    """Our status for a PaymentIntent status; a ``requires_payment_method`` intent after an error is ``failed``."""
    if intent_status == "requires_payment_method" and has_error:
        return P.FAILED
    return INTENT_STATUS_MAP[intent_status]
