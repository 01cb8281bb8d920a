"""``manage.py eyt_notify_cleanup``: apply the retention settings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eyt_notify.cleanup import cleanup


class Command(BaseCommand):
    help = "Delete expired notifications, read ones past EYT_NOTIFY_READ_RETENTION_DAYS and old delivery rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = cleanup(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(
            f"{verb} {report.expired} expired and {report.read} read notifications, {report.deliveries} deliveries"
        )
