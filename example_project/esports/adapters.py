from __future__ import annotations

from typing import Any

from eyt_payments.hooks import DefaultPaymentsAdapter

SELF_SERVICE_REFUNDS = {"tournament_fee", "coaching_session", "venue_booking"}


class PaymentsAdapter(DefaultPaymentsAdapter):
    """Players may refund their own bookings; the cancel views apply each app's policy on the amount."""

    def may_refund(self, user: Any, payment: Any) -> bool:
        if super().may_refund(user, payment):
            return True
        return payment.user_id == user.pk and payment.payment_type in SELF_SERVICE_REFUNDS

    def statement_descriptor_suffix(self, payment_type: str) -> str:
        return {"tournament_fee": "ENTRY", "coaching_session": "COACHING", "venue_booking": "VENUE"}.get(
            payment_type, ""
        )
