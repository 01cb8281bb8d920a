"""``manage.py eyt_audit_verify``: check the whole chain; exit 1 at the first entry that does not hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from eyt_audit.chain import Checkpoint, CheckpointError
from eyt_audit.trail import record
from eyt_audit.verification import verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain: every entry's sequence number and HMAC chain value, the chain head, and the "
        "checkpoints given. Reports the first bad entry and exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="a checkpoint file written by eyt_audit_checkpoint (repeatable); catches a cut tail",
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="entries read per round trip")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="do not append an eyt_audit.verified entry with the result (the admin shows the last one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be a positive number")
        checkpoints = [_load(path) for path in options["checkpoint"]]
        report = verify(options["database"], checkpoints, chunk_size=options["chunk_size"])
        if not options["no_record"]:
            record(
                "eyt_audit.verified",
                outcome="success" if report.ok else "failure",
                metadata={
                    "ok": report.ok,
                    "first": report.first,
                    "last": report.last,
                    "checked": report.checked,
                    "problem": str(report.problem or ""),
                },
            )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        rate = report.checked / report.seconds if report.seconds else 0
        summary = f"{report.checked} entries checked in {report.seconds:.1f} s ({rate:,.0f}/s)"
        if not report.ok:
            raise CommandError(f"audit chain broken at {report.problem} [{summary}]", returncode=1)
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: entries #{report.first} to #{report.last}, "
                f"{report.checkpoints_matched} checkpoint(s) matched; {summary}"
            )
        )


def _load(path: str) -> Checkpoint:
    try:
        return Checkpoint.loads(Path(path).read_text())
    except OSError as error:
        raise CommandError(f"cannot read checkpoint {path}: {error.strerror}") from None
    except CheckpointError as error:
        raise CommandError(f"{path}: {error}") from None
