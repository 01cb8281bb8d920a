"""``manage.py eyt_audit_checkpoint``: export the chain head, signed, for storage outside the database."""

from __future__ import annotations

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
        checkpoint = Checkpoint(sequence=sequence, chain=chain, created_at=format_datetime(timezone.now()))
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
