"""Things the payment tests sell, and the shape of a custom user model."""

import uuid
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models


class Tournament(models.Model):
    name = models.CharField(max_length=100)
    entry_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("10.00"))
    currency = models.CharField(max_length=3, default="usd")

    def __str__(self) -> str:
        return self.name


class EmailUser(AbstractBaseUser):
    """The shape of a custom user model (UUID key, email login, no ``username`` or names), for tests that name it
    in ``override_settings(AUTH_USER_MODEL="testapp.EmailUser")`` or hand an instance to the adapter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=100, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.display_name or self.email
