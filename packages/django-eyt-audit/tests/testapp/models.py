"""Models the audit tests track."""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models


class Widget(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    secret_token = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name


class Gadget(models.Model):
    """Exercises foreign keys, JSON, auto_now, masking by option and an untracked field."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField(default=dict, blank=True)
    pin = models.CharField(max_length=8, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"gadget {self.name}"


class EmailUser(AbstractBaseUser):
    """The shape of a custom user model (UUID key, email login, no ``username``), for tests that name it in
    ``override_settings(AUTH_USER_MODEL="testapp.EmailUser")``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=100, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.display_name or self.email
