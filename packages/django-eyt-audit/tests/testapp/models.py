"""Models the audit tests track."""

from django.conf import settings
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
