"""The same 6-field model four times: untracked, django-auditlog, django-simple-history and eyt_audit."""

from django.db import models
from simple_history.models import HistoricalRecords


class Fields(models.Model):
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=100)
    score = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    active = models.BooleanField(default=True)
    joined = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Plain(Fields):
    pass


class WithAuditlog(Fields):
    pass


class WithHistory(Fields):
    history = HistoricalRecords()


class WithEyt(Fields):
    pass
