from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from eyt_payments.hooks import DefaultPaymentsAdapter

SELF_SERVICE_REFUNDS = {"tournament_fee", "coaching_session"}

_by_policy: ContextVar[bool] = ContextVar("esports_refund_by_policy", default=False)


@contextmanager
def refund_by_policy() -> Iterator[None]:
    """Inside this block a player may refund their own booking: the caller has applied its app's policy (when,
    how much, and what becomes of the booking)."""
    token = _by_policy.set(True)
    try:
        yield
    finally:
        _by_policy.reset(token)


class PaymentsAdapter(DefaultPaymentsAdapter):
    """Players refund their own bookings through the cancel views, which apply each app's policy on the amount;
    anywhere else (the package's ``payments/<id>/refund/`` page) a player's refund is a request for staff."""

    def may_refund(self, user: Any, payment: Any) -> bool:
        if super().may_refund(user, payment):
            return True
        return _by_policy.get() and payment.user_id == user.pk and payment.payment_type in SELF_SERVICE_REFUNDS

    def statement_descriptor_suffix(self, payment_type: str) -> str:
        return {"tournament_fee": "ENTRY", "coaching_session": "COACHING", "venue_booking": "VENUE"}.get(
            payment_type, ""
        )
