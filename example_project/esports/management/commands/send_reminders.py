"""Sends coaching-session reminders; run it every few minutes from cron or a periodic task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coaching.billing import send_reminders
from eyt_audit import audit_context


class Command(BaseCommand):
    help = "Remind players of coaching sessions that start within the next HOURS hours (once per session)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        with audit_context(reason="scheduled coaching reminders"):
            sent = send_reminders(timedelta(hours=hours))
        self.stdout.write(f"{sent} reminders sent.")
