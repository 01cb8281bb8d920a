"""Side effects of a payment changing: signals, per-type hooks and audit entries, all after commit.

Services and the webhook worker change rows inside a transaction; nothing here runs until that transaction
commits, so a rolled-back change never announces anything. By then the money has moved: a receiver or hook that
raises is logged (and recorded as ``payments.hook_failed`` when django-eyt-audit is installed) and never turns the
committed change into an error for the caller, nor stops the other receivers and the hook.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from eyt_payments import payables, signals
from eyt_payments.integrations import audit
from eyt_payments.models import Payment, Refund
from eyt_payments.state import PaymentStatus

if TYPE_CHECKING:
    from django.dispatch import Signal

logger = logging.getLogger("eyt_payments")

# Keyed by the status values (PaymentStatus members are those strings), so a plain ``str`` status looks up.
_STATUS_SIGNALS: dict[str, tuple[str, Signal]] = {
    PaymentStatus.SUCCEEDED: ("succeeded", signals.payment_succeeded),
    PaymentStatus.FAILED: ("failed", signals.payment_failed),
    PaymentStatus.CANCELED: ("canceled", signals.payment_canceled),
}


def announce_status(payment: Payment, status: str, **extra: Any) -> None:
    """After commit: the status's signal and the payment type's hook (``payment_failed`` also gets ``code``).
    ``disputed`` sends nothing here: ``announce_dispute`` announces each change of the dispute."""
    if status not in _STATUS_SIGNALS:
        return
    event, signal = _STATUS_SIGNALS[status]
    kwargs = extra if status == PaymentStatus.FAILED else {}

    def send() -> None:
        _send_robust(signal, payment, **kwargs)
        _run_hook_robust(event, payment, **kwargs)

    transaction.on_commit(send, robust=False)


def announce_dispute(payment: Payment, dispute_status: str) -> None:
    """After commit: ``payment_disputed`` with the dispute's new status (opened, changed, won or lost)."""
    transaction.on_commit(
        lambda: _send_robust(signals.payment_disputed, payment, dispute_status=dispute_status), robust=False
    )


def announce_refund(payment: Payment, refund: Refund) -> None:
    """After commit: ``payment_refunded`` and the type's ``refunded`` hook."""

    def send() -> None:
        _send_robust(signals.payment_refunded, payment, refund=refund)
        _run_hook_robust("refunded", payment, refund=refund)

    transaction.on_commit(send, robust=False)


def _send_robust(signal: Signal, payment: Payment, **kwargs: Any) -> None:
    for receiver, response in signal.send_robust(sender=Payment, payment=payment, **kwargs):
        if isinstance(response, Exception):
            _failed(f"receiver {getattr(receiver, '__qualname__', receiver)!s}", payment, response)


def _run_hook_robust(event: str, payment: Payment, **kwargs: Any) -> None:
    try:
        payables.run_hook(payment.payment_type, event, payment=payment, **kwargs)
    except Exception as error:
        _failed(f"{payment.payment_type} on_{event} hook", payment, error)


def _failed(what: str, payment: Payment, error: Exception) -> None:
    """Loud, with the traceback and the payment: the change stands, and whatever the code did not do must be
    done by hand (or by a repair job reading these lines or entries)."""
    logger.error(
        "eyt_payments: the %s raised for payment %s (%s, status %s); the payment's change stands",
        what,
        payment.pk,
        payment.payment_type,
        payment.status,
        exc_info=error,
    )
    _record_failure(what, payment, error)


def _record_failure(what: str, payment: Payment, error: Exception) -> None:
    try:
        audit.record(
            "hook_failed",
            payment,
            metadata={"what": what, "status": payment.status, "error": type(error).__name__},
            outcome="error",
        )
    except Exception:  # the trail's own failure is logged by eyt_audit; never let it escape here
        logger.exception("eyt_payments: could not record the failure of the %s for payment %s", what, payment.pk)


def audit_after_commit(
    action: str, target: Any = None, *, metadata: Mapping[str, Any] | None = None, outcome: str = "success"
) -> None:
    """Record ``payments.<action>`` in the audit trail once the transaction commits (no-op without eyt_audit)."""
    if not audit.is_enabled():
        return
    data = dict(metadata or {})
    transaction.on_commit(lambda: audit.record(action, target, metadata=data, outcome=outcome), robust=True)
