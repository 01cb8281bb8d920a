"""``manage.py eyt_audit_prune --before DATE``: remove old entries and leave the rest verifiable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from eyt_audit import ledger
from eyt_audit.conf import settings
from eyt_audit.models import AuditEntry
from eyt_audit.verification import PRUNE_ACTION


class Command(BaseCommand):
    help = (
        "Delete the entries written before DATE (the oldest run of entries, by sequence number) and record an "
        "eyt_audit.pruned entry holding the chain value before the first kept entry, so verify still passes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before", required=True, metavar="YYYY-MM-DD", help="prune entries older than this UTC date"
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = _cutoff(options["before"])
        using = options["database"]
        with transaction.atomic(using=using):
            through = (
                AuditEntry.objects.using(using)
                .filter(created_at__lt=cutoff)
                .order_by("-sequence")
                .values_list("sequence", "chain")
                .first()
            )
            if through is None:
                self.stdout.write("nothing to prune")
                return
            sequence, chain = through
            count = AuditEntry.objects.using(using).filter(sequence__lte=sequence).count()
            if options["dry_run"]:
                self.stdout.write(f"would remove {count} entries, up to #{sequence}")
                return
            _delete_through(using, sequence)
            rows = [_prune_row(sequence, chain, count, options["before"])]
            ledger.append(rows, using)
        self.stdout.write(self.style.SUCCESS(f"removed {count} entries, up to #{sequence}"))


def _cutoff(value: str) -> dt.datetime:
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise CommandError(f"--before must be a date such as 2025-01-31, not {value!r}")
    cutoff = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    if not django_settings.USE_TZ:  # entry times are TIME_ZONE's wall clock: the same instant in it
        cutoff = timezone.make_naive(cutoff)
    keep_from = timezone.now() - dt.timedelta(days=settings.EYT_AUDIT_MIN_RETENTION_DAYS)
    if cutoff > keep_from:
        raise CommandError(
            f"--before {value} would remove entries younger than EYT_AUDIT_MIN_RETENTION_DAYS "
            f"({settings.EYT_AUDIT_MIN_RETENTION_DAYS} days); the latest allowed date is {keep_from.date()}"
        )
    return cutoff


def _delete_through(using: str, sequence: int) -> None:
    connection = connections[using]
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL eyt_audit.allow_prune = 'on'")  # lets the append-only trigger pass DELETE
        cursor.execute(f"DELETE FROM {table} WHERE sequence <= %s", [sequence])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL eyt_audit.allow_prune = 'off'")


def _prune_row(sequence: int, chain: str, count: int, before: str) -> dict[str, Any]:
    from eyt_audit.trail import build_row

    return build_row(
        PRUNE_ACTION,
        metadata={"through_sequence": sequence, "anchor_chain": chain, "removed": count, "before": before},
    )
