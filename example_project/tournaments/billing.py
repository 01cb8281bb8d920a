"""Entry fees: the server prices what the player names (a tournament), and a paid fee becomes a registration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from esports.adapters import refund_by_policy
from eyt_notify import notify
from eyt_payments.exceptions import AlreadyPaid, RefundNotAllowed, UnknownPayable
from eyt_payments.models import Payment, Refund
from eyt_payments.money import from_minor
from eyt_payments.payables import Payable, register_payable
from eyt_payments.services import StripeService
from tournaments.models import Registration, Tournament

FULL_REFUND_BEFORE = timedelta(hours=48)


def price_entry(ref: str, user: Any) -> Payable:
    tournament = Tournament.objects.filter(pk=ref if str(ref).isdigit() else None).first()
    if tournament is None:
        raise UnknownPayable(user_message="This tournament does not exist.")
    if tournament.has_started:
        raise UnknownPayable(user_message="Registration for this tournament has closed.")
    if tournament.registrations.filter(player=user, status=Registration.Status.CONFIRMED).exists():
        raise AlreadyPaid(user_message="You are already registered for this tournament.")
    if tournament.seats_taken() >= tournament.capacity:
        raise UnknownPayable(user_message="This tournament is full.")
    return Payable(tournament.entry_fee, tournament.currency, f"Entry fee: {tournament.name}", tournament)


def enter_player(payment: Payment, **kwargs: Any) -> None:
    tournament = payment.reference
    registration, _ = Registration.objects.update_or_create(
        tournament=tournament, player=payment.user, defaults={"status": Registration.Status.CONFIRMED}
    )
    notify(
        payment.user,
        "tournament.registered",
        context={"tournament": tournament.name, "starts_at": tournament.starts_at.isoformat()},
        action_url=tournament.get_absolute_url(),
        target=tournament,
        idempotency_key=f"registered:{registration.pk}:{payment.pk}",
    )
    notify(
        tournament.organiser,
        "tournament.new_player",
        context={"tournament": tournament.name, "player": payment.user.get_username()},
        action_url=tournament.get_absolute_url(),
        actor=payment.user,
        target=tournament,
        idempotency_key=f"new-player:{registration.pk}:{payment.pk}",
    )


def release_seat(payment: Payment, refund: Any = None, **kwargs: Any) -> None:
    if payment.refundable_minor == 0:
        for registration in Registration.objects.filter(tournament_id=payment.object_id, player=payment.user):
            registration.status = Registration.Status.CANCELED
            registration.save(update_fields=["status"])


def refund_percent(tournament: Tournament) -> int:
    """The policy: a full refund up to 48 hours before the start, half after that, nothing once it started."""
    left = tournament.starts_at - timezone.now()
    if left <= timedelta(0):
        return 0
    return 100 if left >= FULL_REFUND_BEFORE else 50


def cancel_registration(registration: Registration, user: Any) -> Refund | None:
    """Cancel ``user``'s confirmed registration and refund the entry fee by the policy."""
    percent = refund_percent(registration.tournament)
    if registration.player_id != user.pk or registration.status != Registration.Status.CONFIRMED or not percent:
        raise RefundNotAllowed(user_message="This registration can no longer be cancelled.")
    payment = paid_entry(registration)
    with transaction.atomic():
        registration.status = Registration.Status.CANCELED
        registration.save(update_fields=["status"])
        if payment is None:  # a free tournament
            return None
        amount = from_minor(payment.amount_minor * percent // 100, payment.currency)
        with refund_by_policy():
            return StripeService().refund_payment(payment, amount, reason="requested_by_customer", requested_by=user)


def paid_entry(registration: Registration) -> Payment | None:
    return (
        Payment.objects.filter(
            payment_type="tournament_fee",
            user_id=registration.player_id,
            object_id=str(registration.tournament_id),
            status="succeeded",
        )
        .order_by("-created_at")
        .first()
    )


def register() -> None:
    register_payable("tournament_fee", price_entry, on_succeeded=enter_player, on_refunded=release_seat)
