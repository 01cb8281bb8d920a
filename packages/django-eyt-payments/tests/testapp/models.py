"""Things the payment tests sell."""

from decimal import Decimal

from django.db import models


class Tournament(models.Model):
    name = models.CharField(max_length=100)
    entry_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("10.00"))
    currency = models.CharField(max_length=3, default="usd")

    def __str__(self) -> str:
        return self.name
