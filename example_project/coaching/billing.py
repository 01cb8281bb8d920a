"""Coaching sessions: booked in a pending state, paid at the coach's rate, confirmed by the payment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from coaching.models import CoachingSession
from esports.adapters import refund_by_policy
from eyt_notify import notify
from eyt_payments.exceptions import RefundNotAllowed, UnknownPayable
from eyt_payments.models import Payment, Refund
from eyt_payments.payables import Payable, register_payable
from eyt_payments.services import StripeService

FREE_CANCELLATION_BEFORE = timedelta(hours=24)


def price_session(ref: str, user: Any) -> Payable:
    session = (
        CoachingSession.objects.select_related("coach__user")
        .filter(pk=ref if str(ref).isdigit() else None, player=user, status=CoachingSession.Status.PENDING_PAYMENT)
        .first()
    )
    if session is None or session.starts_at <= timezone.now():
        raise UnknownPayable(user_message="This coaching session cannot be paid for.")
    coach = session.coach
    return Payable(session.price, coach.currency, f"Coaching with {coach} ({session.minutes} min)", session)


def confirm_booking(payment: Payment, **kwargs: Any) -> None:
    session = payment.reference
    session.status = CoachingSession.Status.BOOKED
    session.save(update_fields=["status"])
    notify(
        session.coach.user,
        "coaching.booked",
        context={"player": payment.user.get_username(), "starts_at": session.starts_at.isoformat()},
        action_url="/coaching/",
        actor=payment.user,
        target=session,
        idempotency_key=f"coaching-booked:{session.pk}",
    )


def cancel_session(session: CoachingSession, user: Any) -> Refund | None:
    """Cancel ``user``'s booked session; a full refund up to 24 hours before it starts."""
    if session.player_id != user.pk or session.status != CoachingSession.Status.BOOKED:
        raise RefundNotAllowed(user_message="This session cannot be cancelled.")
    if session.starts_at - timezone.now() < FREE_CANCELLATION_BEFORE:
        raise RefundNotAllowed(user_message="Sessions can be cancelled up to 24 hours before they start.")
    payment = Payment.objects.filter(
        payment_type="coaching_session", object_id=str(session.pk), status="succeeded"
    ).first()
    with transaction.atomic():
        session.status = CoachingSession.Status.CANCELED
        session.save(update_fields=["status"])
        if payment is None:
            return None
        with refund_by_policy():
            return StripeService().refund_payment(payment, reason="requested_by_customer", requested_by=user)


def send_reminders(within: timedelta = timedelta(hours=24)) -> int:
    """Remind players of booked sessions starting within ``within``; each session is reminded once."""
    now = timezone.now()
    due = CoachingSession.objects.select_related("coach__user", "player").filter(
        status=CoachingSession.Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + within,
    )
    sent = 0
    for session in due:
        with transaction.atomic():
            claimed = CoachingSession.objects.filter(pk=session.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                notify(
                    session.player,
                    "coaching.reminder",
                    context={"coach": str(session.coach), "starts_at": session.starts_at.isoformat()},
                    action_url="/coaching/",
                    target=session,
                    idempotency_key=f"coaching-reminder:{session.pk}",
                )
                sent += 1
    return sent


def register() -> None:
    register_payable("coaching_session", price_session, on_succeeded=confirm_booking)
