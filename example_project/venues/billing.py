"""Venue bookings: a slot held in a pending state, paid in full, confirmed by the payment."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from eyt_notify import notify
from eyt_payments.exceptions import UnknownPayable
from eyt_payments.models import Payment
from eyt_payments.payables import Payable, register_payable
from venues.models import VenueBooking


def price_booking(ref: str, user: Any) -> Payable:
    booking = (
        VenueBooking.objects.select_related("venue")
        .filter(pk=ref if str(ref).isdigit() else None, booked_by=user, status=VenueBooking.Status.PENDING_PAYMENT)
        .first()
    )
    if booking is None or booking.starts_at <= timezone.now():
        raise UnknownPayable(user_message="This booking cannot be paid for.")
    venue = booking.venue
    return Payable(booking.total, venue.currency, f"{venue.name}: {booking.hours} h", booking)


def confirm_booking(payment: Payment, **kwargs: Any) -> None:
    booking = payment.reference
    booking.status = VenueBooking.Status.CONFIRMED
    booking.save(update_fields=["status"])
    notify(
        payment.user,
        "venue.booking_confirmed",
        context={"venue": str(booking.venue), "starts_at": booking.starts_at.isoformat(), "hours": booking.hours},
        action_url="/venues/",
        target=booking,
        idempotency_key=f"venue-confirmed:{booking.pk}",
    )


def register() -> None:
    register_payable("venue_booking", price_booking, on_succeeded=confirm_booking)
