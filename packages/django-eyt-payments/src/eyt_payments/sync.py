"""Bring local payments and refunds forward to what Stripe reports: used by webhook handlers and reconciliation.

Every function expects to run inside a transaction holding the payment's row lock (``locked_payment``) and
returns what it changed. Rules that make any delivery order converge on the in-order result:

- statuses only move forward through ``eyt_payments.state``;
- an intent or charge event older than the last state known (``last_event_at``: the ``created`` time of the last
  event applied, or the second the API last answered) never moves its status; within the same second, a payment
  that ``failed`` does not go back to an in-progress status, and an intent event that would move it is checked
  against the intent as the API has it now (``needs_fresh_intent``): Stripe's times are whole seconds;
- a refund or dispute proves the payment was captured, so it first moves an unfinished payment to ``succeeded``;
- ``amount_refunded_minor`` is recomputed from the refund ledger (refunds neither failed nor canceled) and the
  refund status (succeeded / partially_refunded / refunded) follows it. Its one backward move, when a counted
  refund later fails, bypasses the state machine on purpose and is noted on the event and audited
  (``payments.refund_reversed``): the status must say how much money really went back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from eyt_payments import effects, state
from eyt_payments.gateways.base import GatewayBalanceTransaction, GatewayCharge, GatewayIntent, GatewayRefund
from eyt_payments.models import Payment, Refund
from eyt_payments.state import PaymentStatus, RefundStatus

P = PaymentStatus
IN_PROGRESS = frozenset({P.PENDING, P.REQUIRES_ACTION, P.PROCESSING, P.REQUIRES_CAPTURE})
REFUND_PHASE = (P.SUCCEEDED, P.PARTIALLY_REFUNDED, P.REFUNDED)
#: A dispute's statuses in the order Stripe moves through them: an inquiry (``warning_*``), then a formal dispute,
#: then its outcome. Older news (a lower rank) never replaces newer.
DISPUTE_RANK = {
    "warning_needs_response": 1,
    "warning_under_review": 2,
    "warning_closed": 3,
    "needs_response": 4,
    "under_review": 5,
    "won": 6,
    "lost": 6,
    "prevented": 6,
}
NOT_COUNTED_REFUNDS = (RefundStatus.FAILED, RefundStatus.CANCELED)
PAYMENT_FIELDS = [
    "status",
    "amount_minor",
    "failure_code",
    "stripe_payment_intent_id",
    "stripe_charge_id",
    "actual_stripe_fee_minor",
    "stripe_net_minor",
    "stripe_balance_transaction_id",
    "stripe_fee_currency",
    "dispute_status",
    "amount_refunded_minor",
    "refund_count",
    "last_event_at",
    "succeeded_at",
    "updated_at",
]


@dataclass
class Applied:
    """What a sync step changed, and anything odd worth a person's attention."""

    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: Applied) -> None:
        """Add ``other``'s changes and notes to these."""
        self.changes.extend(other.changes)
        self.notes.extend(other.notes)


class RefundNotYetRecorded(Exception):
    """A refund made by this site is not in the ledger yet (its transaction has not committed)."""


def find_payment(*, intent_id: str | None = None, charge_id: str | None = None, local_id: str | None = None) -> Any:
    """The payment of an intent (or a charge, or our own id in the intent's metadata), without a lock."""
    return _lookup(Payment.objects.all(), intent_id=intent_id, charge_id=charge_id, local_id=local_id)


def locked_payment(
    *, intent_id: str | None = None, charge_id: str | None = None, local_id: str | None = None
) -> Payment | None:
    """Like ``find_payment``, with the row locked until the transaction ends."""
    return _lookup(Payment.objects.select_for_update(), intent_id=intent_id, charge_id=charge_id, local_id=local_id)


def _lookup(rows: Any, *, intent_id: str | None, charge_id: str | None, local_id: str | None) -> Payment | None:
    if intent_id:
        found = rows.filter(stripe_payment_intent_id=intent_id).first()
        if found is not None:
            return found  # type: ignore[no-any-return]
    if charge_id:
        found = rows.filter(stripe_charge_id=charge_id).first()
        if found is not None:
            return found  # type: ignore[no-any-return]
    if local_id and _is_uuid(local_id):
        # The intent's creation may not have been written back yet: match our own id, never another intent's row.
        found = rows.filter(pk=local_id).first()
        if found is not None and found.stripe_payment_intent_id in (None, "", intent_id):
            return found  # type: ignore[no-any-return]
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def save(payment: Payment) -> None:
    """Save the fields the sync functions change (``PAYMENT_FIELDS``) and nothing else."""
    payment.save(update_fields=PAYMENT_FIELDS)


# Payment status ------------------------------------------------------------------------------------------------


def _may_move(payment: Payment, new_status: str, at: datetime | None) -> bool:
    if payment.status == new_status or not state.PAYMENT.can_advance(payment.status, new_status):
        return False
    last = payment.last_event_at
    if at is not None and last is not None:
        if at < last:
            return False
        if at == last and payment.status == P.FAILED and new_status in IN_PROGRESS:
            return False
    return True


def _move(payment: Payment, new_status: str, applied: Applied, **extra: Any) -> None:
    old = payment.status
    payment.advance(new_status)
    if new_status == P.SUCCEEDED and payment.succeeded_at is None:
        payment.succeeded_at = timezone.now()
    applied.changes.append(f"status {old} -> {new_status}")
    effects.announce_status(payment, new_status, **extra)


def _seen(payment: Payment, at: datetime | None) -> None:
    if at is not None and (payment.last_event_at is None or at > payment.last_event_at):
        payment.last_event_at = at


def _imply_captured(payment: Payment, applied: Applied) -> None:
    """A refund or dispute exists, so the money was captured: finish an unfinished payment first."""
    if payment.status not in REFUND_PHASE and state.PAYMENT.can_advance(payment.status, P.SUCCEEDED):
        _move(payment, P.SUCCEEDED, applied)


def needs_fresh_intent(payment: Payment, intent: GatewayIntent, at: datetime | None) -> bool:
    """An event's ``intent`` from the same second as the last state known would move the payment: which came
    first cannot be told (a decline and the retry that followed it within a second), so ask the API."""
    if at is None or payment.last_event_at is None or at != payment.last_event_at:
        return False
    new_status = state.payment_status_for_intent(intent.status, has_error=bool(intent.error_code))
    return new_status != payment.status and state.PAYMENT.can_advance(payment.status, new_status)


def known_now(payment: Payment) -> None:
    """The API has just told us the payment's state: events from before this second no longer move it."""
    _seen(payment, timezone.now().replace(microsecond=0))


def apply_intent(payment: Payment, intent: GatewayIntent, at: datetime | None) -> Applied:
    """Move ``payment`` to the status of ``intent`` (reported at ``at``; ``None`` means "now, from the API")."""
    applied = Applied()
    if not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = intent.id
        applied.changes.append(f"intent {intent.id}")
    if intent.latest_charge and not payment.stripe_charge_id:
        payment.stripe_charge_id = intent.latest_charge
        applied.changes.append(f"charge {intent.latest_charge}")
    new_status = state.payment_status_for_intent(intent.status, has_error=bool(intent.error_code))
    if _may_move(payment, new_status, at):
        code = ""
        if new_status == P.FAILED:
            code = (intent.decline_code or intent.error_code or "")[:64]
            payment.failure_code = code
        _move(payment, new_status, applied, **({"code": code} if new_status == P.FAILED else {}))
    if intent.status == "succeeded" and intent.amount_received is not None:
        _record_captured(payment, intent.amount_received, applied)
    if at is None:
        known_now(payment)
    else:
        _seen(payment, at)
    return applied


def apply_charge(
    payment: Payment, charge: GatewayCharge, at: datetime | None, txn: GatewayBalanceTransaction | None = None
) -> Applied:
    """Record the charge (and its balance transaction's real fee); a captured charge means ``succeeded``."""
    applied = Applied()
    if not payment.stripe_charge_id:
        payment.stripe_charge_id = charge.id
        applied.changes.append(f"charge {charge.id}")
    if txn is not None:
        applied.extend(record_balance_transaction(payment, txn))
    if charge.captured:
        _record_captured(payment, charge.amount_captured, applied)
    if charge.captured and _may_move(payment, P.SUCCEEDED, at):
        _move(payment, P.SUCCEEDED, applied)
    _seen(payment, at)
    return applied


def _record_captured(payment: Payment, captured: int, applied: Applied) -> None:
    """A partial capture (in the Dashboard, or one whose API answer was lost): only what was captured is the
    payment's amount, and so the most that can be refunded. The rest of the authorisation was released."""
    if payment.amount_refunded_minor <= captured < payment.amount_minor and captured > 0:
        applied.changes.append(f"captured {captured} of {payment.amount_minor}")
        payment.amount_minor = captured


def record_balance_transaction(payment: Payment, txn: GatewayBalanceTransaction) -> Applied:
    """Stripe's real fee and the net amount, in the balance's (settlement) currency, which may differ from the
    payment's: a EUR charge settled in USD has its fee and net in USD (``stripe_fee_currency``)."""
    applied = Applied()
    payment.stripe_balance_transaction_id = txn.id
    currency = txn.currency.lower()
    if currency != payment.currency.lower():
        applied.notes.append(f"settled in {currency.upper()}: fee and net are in {currency.upper()}")
    recorded = (payment.actual_stripe_fee_minor, payment.stripe_net_minor, payment.stripe_fee_currency)
    if recorded != (txn.fee, txn.net, currency):
        payment.actual_stripe_fee_minor, payment.stripe_net_minor = txn.fee, txn.net
        payment.stripe_fee_currency = currency
        applied.changes.append(f"fee {txn.fee}, net {txn.net} {currency}")
    return applied


# Refunds -----------------------------------------------------------------------------------------------------------


def apply_refund(payment: Payment, remote: GatewayRefund, at: datetime | None, *, adopt: bool = False) -> Applied:
    """Create or advance the ledger row of ``remote`` and recompute the payment's refunded amount.

    A refund this site asked for but never recorded raises ``RefundNotYetRecorded`` (its transaction may not
    have committed yet); with ``adopt`` (it waited long enough: the API answer was lost) it becomes a ledger row
    like a refund made outside this site, so the money Stripe moved is counted once."""
    applied = Applied()
    row = Refund.objects.select_for_update().filter(stripe_refund_id=remote.id).first()
    if row is None:
        local_id = remote.metadata.get("eyt_refund_id")
        if local_id and _is_uuid(local_id):
            row = Refund.objects.select_for_update().filter(pk=local_id).first()
            if row is None and not adopt:
                raise RefundNotYetRecorded(f"refund {remote.id} (ours: {local_id}) is not in the ledger yet")
            if row is None:
                applied.notes.append(f"refund {remote.id} was asked for here ({local_id}) and never recorded")
            else:
                row.stripe_refund_id = remote.id
    if row is not None and row.payment_id != payment.pk:
        applied.notes.append(f"refund {remote.id} belongs to payment {row.payment_id}, not {payment.pk}")
        return applied
    if row is None:
        row = _external_refund(payment, remote, at, applied)
    else:
        _advance_refund(row, remote, at, applied)
    if at is not None and (row.last_event_at is None or at > row.last_event_at):
        row.last_event_at = at
    row.save()
    applied.extend(recompute_refunds(payment))
    return applied


def _refund_status(remote: GatewayRefund) -> str:
    return remote.status if remote.status in RefundStatus.values else RefundStatus.PENDING


def _external_refund(payment: Payment, remote: GatewayRefund, at: datetime | None, applied: Applied) -> Refund:
    """A refund made outside this site (the Stripe dashboard): a new ledger row."""
    sequence = payment.refund_count + 1
    row = Refund(
        id=uuid.uuid5(payment.id, f"stripe:{remote.id}"),
        payment=payment,
        sequence=sequence,
        amount_minor=remote.amount,
        currency=remote.currency,
        reason=remote.reason if remote.reason in Refund.Reason.values else "",
        status=_refund_status(remote),
        stripe_refund_id=remote.id,
        idempotency_key=f"{payment.idempotency_key}:stripe:{remote.id}",
        livemode=remote.livemode,
        failure_reason=(remote.failure_reason or "")[:64],
        last_event_at=at,
    )
    payment.refund_count = sequence
    applied.changes.append(f"refund {remote.id} recorded ({row.status})")
    if row.status not in NOT_COUNTED_REFUNDS:
        effects.announce_refund(payment, row)
    return row


def _advance_refund(row: Refund, remote: GatewayRefund, at: datetime | None, applied: Applied) -> None:
    new_status = _refund_status(remote)
    stale = at is not None and row.last_event_at is not None and at < row.last_event_at
    if row.status == new_status:
        return
    if stale or not state.REFUND.can_advance(row.status, new_status):
        applied.notes.append(f"refund {remote.id} stays {row.status}, event said {new_status}")
        return
    old = row.status
    row.advance(new_status)
    row.failure_reason = (remote.failure_reason or "")[:64]
    applied.changes.append(f"refund {remote.id} {old} -> {new_status}")


def recompute_refunds(payment: Payment) -> Applied:
    """``amount_refunded_minor`` from the ledger; the refund status follows it forward where the machine allows."""
    applied = Applied()
    counted = Refund.objects.filter(payment=payment).exclude(status__in=NOT_COUNTED_REFUNDS)
    total = counted.aggregate(total=Sum("amount_minor"))["total"] or 0
    sequences = Refund.objects.filter(payment=payment).order_by("-sequence").values_list("sequence", flat=True)
    payment.refund_count = max(payment.refund_count, next(iter(sequences), 0))
    if total > payment.amount_minor:
        applied.notes.append(f"refunds total {total}, more than the payment's {payment.amount_minor}")
        total = payment.amount_minor
    if total != payment.amount_refunded_minor:
        applied.changes.append(f"refunded {payment.amount_refunded_minor} -> {total}")
        payment.amount_refunded_minor = total
    if total > 0:
        _imply_captured(payment, applied)
    if payment.status not in REFUND_PHASE:
        return applied
    target = P.REFUNDED if total == payment.amount_minor else P.PARTIALLY_REFUNDED if total else P.SUCCEEDED
    if target == payment.status:
        return applied
    if state.PAYMENT.can_advance(payment.status, target):
        _move(payment, target, applied)
    else:
        _correct_after_failed_refund(payment, target, total, applied)
    return applied


def _correct_after_failed_refund(payment: Payment, target: str, total: int, applied: Applied) -> None:
    """The one backward move: a refund failed (or was canceled) after it was counted, so less is refunded than
    the status says. The status follows the ledger (the money can be refunded again); it is noted and audited."""
    note = f"a refund failed: {payment.status} -> {target}, refunds now total {total}"
    payment.status = target
    applied.changes.append(f"status corrected to {target}")
    applied.notes.append(note)
    effects.audit_after_commit(
        "refund_reversed", payment, metadata={"payment_id": str(payment.pk), "note": note}, outcome="failure"
    )


# Disputes ----------------------------------------------------------------------------------------------------------


def apply_dispute(payment: Payment, dispute_status: str, *, closed: bool) -> Applied:
    """A dispute opened, changed or closed: ``dispute_status`` keeps its latest status (older news never replaces
    newer; a closed outcome is final) and each change sends ``payment_disputed``. A formal dispute makes the
    payment ``disputed`` (final: Stripe withdrew the funds and refuses refunds); an inquiry (``warning_*``)
    withdraws nothing and the payment can still be refunded, so its status stays."""
    applied = Applied()
    rank = DISPUTE_RANK.get(dispute_status, 6 if closed else 0)
    if dispute_status and rank > DISPUTE_RANK.get(payment.dispute_status, 0):
        applied.changes.append(f"dispute {payment.dispute_status or 'none'} -> {dispute_status}")
        payment.dispute_status = dispute_status[:32]
        effects.announce_dispute(payment, payment.dispute_status)
    if dispute_status.startswith("warning_") and payment.status != P.DISPUTED:
        return applied
    _imply_captured(payment, applied)
    if state.PAYMENT.can_advance(payment.status, P.DISPUTED) and payment.status != P.DISPUTED:
        _move(payment, P.DISPUTED, applied)
    elif payment.status != P.DISPUTED:
        applied.notes.append(f"a {payment.status} payment cannot become disputed")
    return applied
