"""Compare unfinished and recent payments and refunds with the provider, repair drift, print a report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from eyt_payments.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Compare unfinished and recent payments and refunds with Stripe, repair what webhooks missed and print "
        "a drift report. Safe to run from cron: every repair is a forward-only change under a row lock."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hours", type=int, default=None, help="How far back 'recent' reaches.")
        parser.add_argument("--dry-run", action="store_true", help="Report drift without repairing it.")

    def handle(self, *args: Any, hours: int | None, dry_run: bool, **options: Any) -> None:
        if hours is not None and hours < 0:
            raise CommandError("--hours must not be negative.")
        report = reconcile(recent_hours=hours, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
