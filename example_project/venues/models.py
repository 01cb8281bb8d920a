from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Venue(models.Model):
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=80)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd")

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class VenueBooking(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Waiting for payment"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELED = "canceled", "Canceled"

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_bookings")
    starts_at = models.DateTimeField()
    hours = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)

    def __str__(self) -> str:
        return f"{self.venue} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> Decimal:
        return self.venue.hourly_rate * self.hours
