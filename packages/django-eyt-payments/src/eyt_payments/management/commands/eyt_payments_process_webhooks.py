"""Process the webhook inbox: pending events and failed ones whose retry is due; or replay stored events."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from eyt_payments.models import WebhookEvent
from eyt_payments.webhooks import processing


class Command(BaseCommand):
    help = "Process due Stripe webhook events (pending, and failed ones whose retry time has come)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="Most events to process in one run.")
        parser.add_argument(
            "--replay", nargs="+", metavar="EVENT_ID", help="Run these stored events again, whatever their status."
        )

    def handle(self, *args: Any, limit: int, replay: list[str] | None, **options: Any) -> None:
        if replay:
            missing = sorted(set(replay) - set(WebhookEvent.objects.filter(pk__in=replay).values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"No stored webhook event {', '.join(missing)}.")
            for event_id, status in processing.replay(replay).items():
                self.stdout.write(f"{event_id}: {status}")
            return
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        results = processing.process_due(limit)
        summary = ", ".join(f"{count} {status}" for status, count in sorted(results.items())) or "nothing due"
        self.stdout.write(f"Processed {sum(results.values())} event(s): {summary}.")
