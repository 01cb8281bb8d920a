"""The same 6-field model five times: untracked, django-auditlog, django-simple-history, eyt_audit, and a floor."""

from django.db import connection, models, transaction
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


class FloorRow(models.Model):
    n = models.BigIntegerField()

    def __str__(self):
        return str(self.n)


class Floor(Fields):
    """Untracked, plus the least that any trail written in the same commit adds: one more INSERT (a two-column row,
    raw SQL, nothing computed) in the same transaction, which autocommit mode has to open for it. A save that
    changes nothing adds nothing."""

    def save_base(self, *args, **kwargs):
        if not self._state.adding and getattr(self, "_saved_values", None) == self._values():
            super().save_base(*args, **kwargs)
            return
        with transaction.atomic(savepoint=False):
            super().save_base(*args, **kwargs)
            _one_more_insert(self.pk)
        self._saved_values = self._values()

    def delete(self, *args, **kwargs):
        pk = self.pk
        with transaction.atomic(savepoint=False):
            deleted = super().delete(*args, **kwargs)
            _one_more_insert(pk)
        return deleted

    def _values(self):
        return (self.name, self.email, self.score, self.price, self.active, self.joined)


def _one_more_insert(n):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FloorRow._meta.db_table} (n) VALUES (%s)", [n])
