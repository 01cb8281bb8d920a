"""``manage.py eyt_audit_checkpoint``: export the chain head, signed, for storage outside the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from eyt_audit import ledger
from eyt_audit.canonical import format_datetime
from eyt_audit.chain import Checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the chain head (sequence number and chain value) to a file or stdout. "
        "Store it where database administrators cannot write; eyt_audit_verify --checkpoint then catches a cut tail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", metavar="PATH", help="file to write (default: stdout)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        sequence, chain = ledger.head_of(options["database"])
        checkpoint = Checkpoint(sequence=sequence, chain=chain, created_at=format_datetime(_aware_now()))
        text = checkpoint.dumps()
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        try:
            path.write_text(text)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from None
        self.stderr.write(f"checkpoint at #{sequence} written to {path}")


def _aware_now() -> dt.datetime:
    """Now, aware also when ``USE_TZ`` is off, so the file's time is in UTC as everywhere else in the trail."""
    now = timezone.now()
    return now if now.tzinfo is not None else timezone.make_aware(now)
