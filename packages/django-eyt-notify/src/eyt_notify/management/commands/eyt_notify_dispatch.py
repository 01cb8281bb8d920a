"""``manage.py eyt_notify_dispatch``: send every due delivery, including those no task picked up."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eyt_notify.conf import settings
from eyt_notify.dispatch import dispatch
from eyt_notify.types import INAPP


class Command(BaseCommand):
    help = "Send due notification deliveries: retries, expired worker leases, ends of quiet hours, lost wake-ups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, help="Deliveries claimed at a time.")
        parser.add_argument("--max-batches", type=int, help="Stop after this many batches.")
        parser.add_argument("--channel", help="Only this channel alias.")
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="Keep running, sweeping again every SECONDS (a worker)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _check(options)
        while True:
            report = dispatch(
                batch_size=options["batch_size"], max_batches=options["max_batches"], channel=options["channel"]
            )
            self.stdout.write(
                f"claimed {report.claimed}, sent {report.sent}, retried {report.retried}, dead {report.dead}, "
                f"skipped {report.skipped}, deferred {report.deferred}"
            )
            if not options["loop"]:
                return
            time.sleep(options["loop"])


def _check(options: dict[str, Any]) -> None:
    for name in ("batch_size", "max_batches", "loop"):
        if options[name] is not None and options[name] <= 0:
            raise CommandError(f"--{name.replace('_', '-')} must be a positive number, not {options[name]}.")
    channel = options["channel"]
    outbox = sorted(alias for alias in settings.EYT_NOTIFY_CHANNELS if alias != INAPP)
    if channel is not None and channel not in outbox:
        raise CommandError(
            f"--channel {channel!r} is not a configured outbox channel (choose from: {', '.join(outbox)})."
        )
