"""Reconciliation: what the webhooks missed, repaired from the provider's current state.

Checks every payment that is not final (pending, requires action, processing, authorised, failed), every payment
changed within ``EYT_PAYMENTS_RECONCILE_RECENT_HOURS``, and every unfinished refund. Each repair is a forward-only
change under the payment's row lock (the same code the webhook handlers use), so running it from cron next to
the webhook worker is safe, and running it twice changes nothing the second time. Provider calls happen before
the row lock is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from eyt_payments import sync
from eyt_payments.conf import settings
from eyt_payments.exceptions import GatewayError
from eyt_payments.gateways import get_gateway
from eyt_payments.gateways.base import GatewayBalanceTransaction, GatewayIntent, GatewayRefund
from eyt_payments.models import Payment
from eyt_payments.state import PaymentStatus, RefundStatus

UNFINISHED_PAYMENTS = (
    PaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.PROCESSING,
    PaymentStatus.REQUIRES_CAPTURE,
    PaymentStatus.FAILED,
)
UNFINISHED_REFUNDS = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)


@dataclass
class Drift:
    """What reconciliation changed (or would change) on one payment, and notes worth a person's attention."""

    payment_id: str
    changes: list[str]
    notes: list[str]


@dataclass
class ReconcileReport:
    """The result of ``reconcile``: how many payments were checked, their drift and the provider errors."""

    checked: int = 0
    drift: list[Drift] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The report as text lines: a summary, then each change, note and error."""
        verb = "would repair" if self.dry_run else "repaired"
        out = [
            f"Checked {self.checked} payment(s); {len(self.drift)} with drift ({verb}); {len(self.errors)} error(s)."
        ]
        for drift in self.drift:
            out.extend(f"  payment {drift.payment_id}: {change}" for change in drift.changes)
            out.extend(f"  payment {drift.payment_id}: note: {note}" for note in drift.notes)
        out.extend(f"  error: {error}" for error in self.errors)
        return out


def payments_to_check(recent_hours: int | None = None) -> list[Payment]:
    """Payments with an intent that are unfinished, changed within ``recent_hours`` (default
    ``EYT_PAYMENTS_RECONCILE_RECENT_HOURS``) or have an unfinished refund, oldest first."""
    hours = settings.EYT_PAYMENTS_RECONCILE_RECENT_HOURS if recent_hours is None else recent_hours
    since = timezone.now() - timedelta(hours=hours)
    unfinished_refund = Q(refunds__status__in=UNFINISHED_REFUNDS)
    rows = Payment.objects.filter(stripe_payment_intent_id__isnull=False).exclude(stripe_payment_intent_id="")
    rows = rows.filter(Q(status__in=UNFINISHED_PAYMENTS) | Q(updated_at__gte=since) | unfinished_refund)
    return list(rows.distinct().order_by("created_at"))


def reconcile(*, recent_hours: int | None = None, dry_run: bool = False) -> ReconcileReport:
    """Compare and repair; returns the drift report."""
    report = ReconcileReport(dry_run=dry_run)
    for payment in payments_to_check(recent_hours):
        report.checked += 1
        try:
            remote = _fetch(payment)
            applied = _apply(payment.pk, *remote, dry_run=dry_run)
        except GatewayError as error:
            report.errors.append(f"payment {payment.pk}: {error.code}")
            continue
        if applied.changes or applied.notes:
            report.drift.append(Drift(str(payment.pk), applied.changes, applied.notes))
    return report


def _fetch(payment: Payment) -> tuple[GatewayIntent, list[GatewayRefund], GatewayBalanceTransaction | None]:
    gateway = get_gateway()
    intent = gateway.retrieve_intent(payment.stripe_payment_intent_id or "")
    refunds = gateway.list_refunds(intent.id) if intent.status == "succeeded" else []
    txn = None
    if intent.status == "succeeded" and intent.latest_charge and payment.actual_stripe_fee_minor is None:
        charge = gateway.retrieve_charge(intent.latest_charge)
        txn = charge.expanded_balance_transaction
        if txn is None and charge.balance_transaction:
            txn = gateway.retrieve_balance_transaction(charge.balance_transaction)
    return intent, refunds, txn


def _apply(
    payment_id: UUID,
    intent: GatewayIntent,
    refunds: list[GatewayRefund],
    txn: GatewayBalanceTransaction | None,
    *,
    dry_run: bool,
) -> sync.Applied:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        applied = sync.apply_intent(payment, intent, None)
        if txn is not None:
            applied.extend(sync.record_balance_transaction(payment, txn))
        for refund in sorted(refunds, key=lambda r: (r.created or 0, r.id)):
            try:
                applied.extend(sync.apply_refund(payment, refund, None))
            except sync.RefundNotYetRecorded as waiting:
                applied.notes.append(str(waiting))
        applied.extend(sync.recompute_refunds(payment))
        if dry_run:
            transaction.set_rollback(True)
        else:
            sync.save(payment)
    return applied
