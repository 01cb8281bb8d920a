"""Refunds a customer asks for: granted at once when the adapter allows it, otherwise a ``RefundRequest`` that
staff approve (refunding through ``StripeService.refund_payment``) or reject in the admin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eyt_payments import money, state
from eyt_payments.exceptions import InvalidRefund, PaymentValidationError, RefundExceedsPayment, RefundNotAllowed
from eyt_payments.hooks import get_adapter
from eyt_payments.integrations import audit
from eyt_payments.models import Payment, Refund, RefundRequest
from eyt_payments.services import StripeService

__all__ = ["RefundOutcome", "approve_refund_request", "reject_refund_request", "request_refund"]

CUSTOMER_REASON = Refund.Reason.REQUESTED_BY_CUSTOMER


@dataclass(frozen=True)
class RefundOutcome:
    """What became of a customer's refund request: ``refund`` when it was refunded now, else ``request``."""

    refund: Refund | None = None
    request: RefundRequest | None = None


def request_refund(user: Any, payment: Payment, amount: Decimal | str | None = None, reason: str = "") -> RefundOutcome:
    """Refund ``amount`` (default: all that is left) of ``user``'s ``payment`` if ``adapter.may_refund`` allows
    it, else record a pending ``RefundRequest`` for staff. Raises ``InvalidRefund`` (not refundable, bad amount),
    ``RefundNotAllowed`` (the refund window closed) or ``PaymentValidationError`` (a request already waits)."""
    adapter = get_adapter()
    amount_minor = _checked_amount(payment, amount)
    deadline = adapter.refund_deadline(payment)
    if deadline is not None and timezone.now() > deadline:
        raise RefundNotAllowed(
            f"The refund window of payment {payment.pk} closed at {deadline.isoformat()}.",
            user_message=_("The period for refunding this payment has ended."),
        )
    if adapter.may_refund(user, payment):
        refund = StripeService().refund_payment(
            payment, amount_minor_to_decimal(payment, amount_minor), CUSTOMER_REASON, requested_by=user
        )
        return RefundOutcome(refund=refund)
    return RefundOutcome(request=_record_request(user, payment, amount_minor, reason))


def amount_minor_to_decimal(payment: Payment, amount_minor: int | None) -> Decimal | None:
    """``amount_minor`` as a ``Decimal`` in the payment's currency; ``None`` (everything left) stays ``None``."""
    return None if amount_minor is None else money.from_minor(amount_minor, payment.currency)


def _checked_amount(payment: Payment, amount: Decimal | str | None) -> int | None:
    if payment.status not in state.REFUNDABLE_STATUSES:
        raise InvalidRefund(f"A payment in status {payment.status!r} cannot be refunded.")
    if amount is None or amount == "":
        return None
    amount_minor = money.to_minor(amount, payment.currency)
    if not 0 < amount_minor <= payment.refundable_minor:
        raise RefundExceedsPayment(
            f"{money.format_amount(amount_minor, payment.currency)} is not between 0 and the "
            f"{money.format_amount(payment.refundable_minor, payment.currency)} left on payment {payment.pk}.",
            user_message=_("The amount must be more than zero and at most %(left)s.")
            % {"left": money.format_amount(payment.refundable_minor, payment.currency)},
        )
    return None if amount_minor == payment.refundable_minor else amount_minor


def _record_request(user: Any, payment: Payment, amount_minor: int | None, reason: str) -> RefundRequest:
    already = PaymentValidationError(
        f"Payment {payment.pk} already has a pending refund request.",
        code="refund_already_requested",
        user_message=_("A refund request for this payment is already waiting for review."),
    )
    try:
        with transaction.atomic():
            Payment.objects.select_for_update().filter(pk=payment.pk).first()
            if RefundRequest.objects.filter(payment=payment, status=RefundRequest.Status.PENDING).exists():
                raise already
            created = RefundRequest.objects.create(
                payment=payment, requested_by=user, amount_minor=amount_minor, reason=reason.strip()[:1000]
            )
    except IntegrityError:  # a concurrent request won the one-pending-request constraint
        raise already from None
    audit.record(
        "refund_requested",
        payment,
        actor=user,
        metadata={"payment_id": str(payment.pk), "refund_request_id": created.pk, "amount_minor": amount_minor},
    )
    return created


def approve_refund_request(refund_request: RefundRequest, staff_user: Any) -> Refund:
    """Refund what ``refund_request`` asks for, as ``staff_user`` (the adapter's ``may_refund`` applies), and
    mark it approved. A request already decided raises ``InvalidRefund``; a failed refund leaves it pending."""
    with transaction.atomic():
        locked = _pending(refund_request)
        payment = locked.payment
        refund = StripeService().refund_payment(
            payment,
            amount_minor_to_decimal(payment, locked.amount_minor),
            CUSTOMER_REASON,
            requested_by=staff_user,
            metadata={"refund_request": str(locked.pk)},
        )
        _decide(locked, RefundRequest.Status.APPROVED, staff_user, refund=refund)
    _copy(locked, refund_request)
    return refund


def reject_refund_request(refund_request: RefundRequest, staff_user: Any) -> None:
    """Mark ``refund_request`` rejected; nothing is refunded."""
    with transaction.atomic():
        locked = _pending(refund_request)
        _decide(locked, RefundRequest.Status.REJECTED, staff_user)
    audit.record("refund_request_rejected", locked.payment, actor=staff_user, metadata={"refund_request_id": locked.pk})
    _copy(locked, refund_request)


def _pending(refund_request: RefundRequest) -> RefundRequest:
    locked = RefundRequest.objects.select_for_update().select_related("payment").get(pk=refund_request.pk)
    if locked.status != RefundRequest.Status.PENDING:
        raise InvalidRefund(
            f"Refund request {locked.pk} was already {locked.status}.",
            code="refund_request_decided",
            user_message=_("This refund request was already decided."),
        )
    return locked


def _decide(locked: RefundRequest, status: str, staff_user: Any, *, refund: Refund | None = None) -> None:
    locked.status = status
    locked.refund = refund
    locked.decided_by = staff_user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "refund", "decided_by", "decided_at"])


def _copy(source: RefundRequest, target: RefundRequest) -> None:
    for name in ("status", "refund", "decided_by", "decided_at"):
        setattr(target, name, getattr(source, name))
