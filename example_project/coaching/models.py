from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models


class Coach(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_profile")
    games = models.CharField(max_length=200)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd")
    bio = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.user.get_username()


class CoachingSession(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Waiting for payment"
        BOOKED = "booked", "Booked"
        CANCELED = "canceled", "Canceled"

    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="sessions")
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_sessions")
    starts_at = models.DateTimeField()
    minutes = models.PositiveIntegerField(default=60)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.coach} with {self.player} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def price(self) -> Decimal:
        """The coach's rate for the booked minutes, rounded to the currency's smallest unit."""
        from eyt_payments.money import from_minor, to_minor

        unit = to_minor(self.coach.hourly_rate, self.coach.currency)
        return from_minor(unit * self.minutes // 60, self.coach.currency)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)
