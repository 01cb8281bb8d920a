"""Verifying the chain: stream every entry once, in sequence order, and stop at the first that does not hold."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from eyt_audit import ledger
from eyt_audit.chain import GENESIS, Checkpoint, linker
from eyt_audit.models import AuditEntry

__all__ = ["PRUNE_ACTION", "Problem", "Report", "verify"]

PRUNE_ACTION = "eyt_audit.pruned"
_SEQUENCE = ledger.CANONICAL_ORDER.index("sequence")
_CHAIN = len(ledger.CANONICAL_ORDER)


@dataclass(frozen=True)
class Problem:
    """The first entry that does not hold, and why."""

    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.sequence}: {self.reason}"


@dataclass
class Report:
    """What ``verify()`` found: the range checked, checkpoints matched, and the first ``problem`` (``ok`` if none)."""

    first: int = 0
    last: int = 0
    checked: int = 0
    checkpoints_matched: int = 0
    seconds: float = 0.0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(using: str = "default", checkpoints: Iterable[Checkpoint] = (), chunk_size: int = 5000) -> Report:
    """Check every entry's number and chain value, the head, and each checkpoint. Reads in chunks, so memory
    stays flat however long the trail is."""
    started = time.perf_counter()
    report = Report()
    pending = {checkpoint.sequence: checkpoint for checkpoint in checkpoints}
    link_with = linker()
    head = ledger.head_of(using)  # read first: entries appended while verifying are left for the next run
    previous, expected = _anchor(using, report)
    if report.problem is None:
        previous = _walk(using, chunk_size, link_with, previous, expected, head[0], pending, report)
    if report.problem is None:
        _check_head(head, previous, report)
    if report.problem is None:
        _check_nothing_beyond_head(using, report)
    if report.problem is None:
        _check_remaining_checkpoints(pending, report)
    report.seconds = time.perf_counter() - started
    return report


def _anchor(using: str, report: Report) -> tuple[str, int]:
    """The chain value before the first kept entry (from the prune record when older entries were pruned)."""
    first = AuditEntry.objects.using(using).order_by("sequence").values_list("sequence", flat=True).first()
    if first is None or first == 1:
        return GENESIS, 1
    prune = (
        AuditEntry.objects.using(using)
        .filter(action=PRUNE_ACTION, metadata__through_sequence=first - 1)
        .values_list("metadata", flat=True)
        .first()
    )
    if prune is None:
        report.problem = Problem(1, f"entries #1 to #{first - 1} are missing and no prune record accounts for them")
        return GENESIS, first
    report.notes.append(f"entries up to #{first - 1} were pruned")
    return str(prune["anchor_chain"]), first


def _walk(
    using: str,
    chunk_size: int,
    link_with: Callable[[str, bytes], str],
    previous: str,
    expected: int,
    upto: int,
    pending: dict[int, Checkpoint],
    report: Report,
) -> str:
    report.first = expected
    with closing(ledger.iter_rows(using, chunk_size, upto)) as rows:  # type: ignore[type-var]
        return _check_rows(rows, link_with, previous, expected, pending, report)


def _check_rows(
    rows: Iterable[Sequence[Any]],
    link_with: Callable[[str, bytes], str],
    previous: str,
    expected: int,
    pending: dict[int, Checkpoint],
    report: Report,
) -> str:
    canonical_row, compare = ledger.canonical_row, hmac.compare_digest
    for row in rows:
        sequence = row[_SEQUENCE]
        if sequence != expected:
            what = "is missing" if sequence > expected else "appears twice or out of order"
            report.problem = Problem(expected, f"{what} (found #{sequence} after #{expected - 1})")
            break
        if not compare(link_with(previous, canonical_row(row)), row[_CHAIN]):
            report.problem = Problem(
                sequence,
                "its chain value does not match its content and the entry before it (edited, inserted or reordered)",
            )
            break
        previous = row[_CHAIN]
        checkpoint = pending.pop(sequence, None)
        if checkpoint is not None:
            if not hmac.compare_digest(checkpoint.chain, previous):
                report.problem = Problem(sequence, "its chain value differs from the exported checkpoint")
                break
            report.checkpoints_matched += 1
        report.last = sequence
        report.checked += 1
        expected += 1
    return previous


def _check_head(head: tuple[int, str], previous: str, report: Report) -> None:
    head_sequence, head_chain = head
    if head_sequence > report.last:
        report.problem = Problem(
            report.last + 1,
            f"is missing: the chain head is at #{head_sequence} but the trail ends at #{report.last} (tail cut)",
        )
    elif head_sequence and not hmac.compare_digest(head_chain, previous):
        report.problem = Problem(report.last, "its chain value differs from the chain head's")


def _check_nothing_beyond_head(using: str, report: Report) -> None:
    """Appends move the head in the same transaction, so an entry above it was put there some other way (inserted
    with SQL, or the head was reset or deleted). The walk stops at the head: look past it."""
    beyond = ledger.first_beyond_head(using)
    if beyond is not None:
        report.problem = Problem(
            beyond, "lies beyond the chain head: it was inserted without an append, or the head was reset or deleted"
        )


def _check_remaining_checkpoints(pending: dict[int, Checkpoint], report: Report) -> None:
    for sequence in sorted(pending):
        if sequence < report.first:
            report.notes.append(f"checkpoint #{sequence} lies in the pruned part")
        else:
            report.problem = Problem(
                report.last + 1,
                f"is missing: a checkpoint was exported at #{sequence} but the trail ends at #{report.last} (tail cut)",
            )
            return
