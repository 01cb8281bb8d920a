"""Side effects of a payment changing: signals, per-type hooks and audit entries, all after commit.

Services and the webhook worker change rows inside a transaction; nothing here runs until that transaction
commits, so a rolled-back change never announces anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from eyt_payments import payables, signals
from eyt_payments.integrations import audit
from eyt_payments.models import Payment, Refund
from eyt_payments.state import PaymentStatus

if TYPE_CHECKING:
    from django.dispatch import Signal

# Keyed by the status values (PaymentStatus members are those strings), so a plain ``str`` status looks up.
_STATUS_SIGNALS: dict[str, tuple[str, Signal]] = {
    PaymentStatus.SUCCEEDED: ("succeeded", signals.payment_succeeded),
    PaymentStatus.FAILED: ("failed", signals.payment_failed),
    PaymentStatus.CANCELED: ("canceled", signals.payment_canceled),
}


def announce_status(payment: Payment, status: str, **extra: Any) -> None:
    """After commit: the status's signal and the payment type's hook (``payment_failed`` also gets ``code``)."""
    if status == PaymentStatus.DISPUTED:
        transaction.on_commit(
            lambda: signals.payment_disputed.send(
                sender=Payment, payment=payment, dispute_status=payment.dispute_status
            ),
            robust=False,
        )
        return
    if status not in _STATUS_SIGNALS:
        return
    event, signal = _STATUS_SIGNALS[status]
    kwargs = extra if status == PaymentStatus.FAILED else {}

    def send() -> None:
        signal.send(sender=Payment, payment=payment, **kwargs)
        payables.run_hook(payment.payment_type, event, payment=payment, **kwargs)

    transaction.on_commit(send, robust=False)


def announce_refund(payment: Payment, refund: Refund) -> None:
    """After commit: ``payment_refunded`` and the type's ``refunded`` hook."""

    def send() -> None:
        signals.payment_refunded.send(sender=Payment, payment=payment, refund=refund)
        payables.run_hook(payment.payment_type, "refunded", payment=payment, refund=refund)

    transaction.on_commit(send, robust=False)


def audit_after_commit(
    action: str, target: Any = None, *, metadata: Mapping[str, Any] | None = None, outcome: str = "success"
) -> None:
    """Record ``payments.<action>`` in the audit trail once the transaction commits (no-op without eyt_audit)."""
    if not audit.is_enabled():
        return
    data = dict(metadata or {})
    transaction.on_commit(lambda: audit.record(action, target, metadata=data, outcome=outcome), robust=True)
