"""``record()``: write one entry, stamped with the current audit context, in the caller's transaction."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.asyncio import async_unsafe

from eyt_audit import ledger
from eyt_audit.canonical import clean, clean_text, mask_secrets
from eyt_audit.conf import settings
from eyt_audit.context import Actor, AuditContext, actor_of, current
from eyt_audit.exceptions import AuditWriteError
from eyt_audit.models import AuditEntry
from eyt_audit.signals import entry_failed, entry_recorded

__all__ = ["build_row", "record", "write"]

logger = logging.getLogger("eyt_audit")

ACTION_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
OUTCOMES = frozenset(AuditEntry.Outcome.values)


@async_unsafe
def record(
    action: str,
    target: Model | None = None,
    *,
    actor: Any = None,
    changes: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    outcome: str = "success",
) -> AuditEntry | None:
    """Write an audit entry stamped with the current context and return it.

    ``action`` is a dotted lower-case name (``"payments.refunded"``); ``outcome`` one of success, failure, denied,
    error. The entry belongs to the caller's transaction: if that rolls back, the entry is gone too. Values are
    canonicalised and secrets masked. When the entry cannot be written, the failure is logged on the
    ``eyt_audit`` logger and ``None`` returned, or ``AuditWriteError`` raised under ``EYT_AUDIT_FAIL_CLOSED``;
    the caller's transaction stays usable either way.

    Synchronous, like the ORM: from an async view call it as ``await sync_to_async(record)(...)``. Called on an
    event loop it raises ``SynchronousOnlyOperation`` at once, instead of losing the entry as a failed write.
    """
    row = build_row(action, target, actor=actor, changes=changes, metadata=metadata, outcome=outcome)
    entries = write([row], router.db_for_write(AuditEntry))
    return entries[0] if entries else None


def build_row(
    action: str,
    target: Model | None = None,
    *,
    actor: Any = None,
    changes: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    outcome: str = "success",
) -> dict[str, Any]:
    """The values of an entry (all but its sequence number and chain value). Raises ``ValueError`` on bad input."""
    if not isinstance(action, str) or len(action) > 100 or not ACTION_PATTERN.fullmatch(action):
        raise ValueError(f"action must be a dotted lower-case name such as 'payments.refunded', not {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(sorted(OUTCOMES))}, not {outcome!r}")
    context = current() or AuditContext()
    who = (actor if isinstance(actor, Actor) else actor_of(actor)) if actor is not None else context.resolved_actor()
    secrets = settings.EYT_AUDIT_SECRET_FIELDS
    return {
        "created_at": timezone.now(),
        "action": action,
        "outcome": outcome,
        "actor_pk": who.pk[:64] if who else "",
        "actor_repr": clean_text(who.repr)[:255] if who else "",
        **_target_fields(target),
        "changes": mask_secrets(clean(dict(changes or {})), secrets),
        "metadata": mask_secrets(clean(dict(metadata or {})), secrets),
        "request_id": clean_text(context.request_id)[:64],
        "ip_address": context.ip_address,
        "user_agent": clean_text(context.user_agent)[:255],
        "context": _context_fields(context, secrets),
    }


def _target_fields(target: Model | None) -> dict[str, str]:
    if target is None:
        return {"target_type": "", "target_pk": "", "target_repr": ""}
    return {
        "target_type": target._meta.label_lower,
        "target_pk": clean_text(str(target.pk))[:64],
        "target_repr": clean_text(str(target))[:255],
    }


def _context_fields(context: AuditContext, secrets: Sequence[str]) -> dict[str, Any]:
    fields = {
        "reason": clean_text(context.reason),
        "session": context.resolved_session(),
        "extra": mask_secrets(clean(dict(context.extra)), secrets),
    }
    return {name: value for name, value in fields.items() if value}


def write(rows: Sequence[Mapping[str, Any]], using: str) -> list[AuditEntry]:
    """Append ``rows`` in the current transaction (in a savepoint, so a failure leaves the caller's transaction
    usable) or, outside one, in a transaction of their own. Returns ``[]`` when writing failed (fail-open)."""
    if not rows:
        return []
    connection = connections[using]
    try:
        if connection.in_atomic_block:
            entries = _append_in_savepoint(rows, using)
        else:
            with transaction.atomic(using=using):
                entries = ledger.append(rows, using)
    except Exception as error:
        _failed(rows, error)
        return []
    transaction.on_commit(partial(_announce, entries), using=using)
    return entries


def _append_in_savepoint(rows: Sequence[Mapping[str, Any]], using: str) -> list[AuditEntry]:
    connection = connections[using]
    savepoint = _savepoint_name(connection)
    try:
        return ledger.append(rows, using, savepoint=savepoint)
    except Exception:
        connection.savepoint_rollback(savepoint)
        raise


def _savepoint_name(connection: Any) -> str:
    """A name unique within the transaction (rolling back to it must never reach an earlier one), and the same from
    one transaction to the next: the statement that carries it is then parsed once, not on every append."""
    mark = getattr(connection, "_eyt_audit_transaction", None)
    if mark is None or not any(callback is mark for _sids, callback, _robust in connection.run_on_commit):
        mark = _TransactionMark()
        connection._eyt_audit_transaction = mark
        transaction.on_commit(mark, using=connection.alias)
    mark.savepoints += 1
    return f"eyt_audit_{mark.savepoints}"


class _TransactionMark:
    """Registered with ``on_commit`` at a transaction's first append. Django drops it when the transaction ends
    (commit or rollback) or the savepoint it was registered in rolls back, which also ends every savepoint created
    after it: while Django still holds it, the names counted on it are unique."""

    savepoints = 0

    def __call__(self) -> None:
        """Nothing to do at commit."""


def _failed(rows: Sequence[Mapping[str, Any]], error: Exception) -> None:
    actions = ", ".join(sorted({str(row["action"]) for row in rows}))
    logger.error("eyt_audit: could not write the audit entry for %s: %r", actions, error, exc_info=error)
    for row in rows:
        entry_failed.send_robust(sender=AuditEntry, action=row["action"], error=error)
    if settings.EYT_AUDIT_FAIL_CLOSED:
        raise AuditWriteError(f"the audit entry for {actions} could not be written") from error


def _announce(entries: list[AuditEntry]) -> None:
    for entry in entries:
        for receiver, response in entry_recorded.send_robust(sender=AuditEntry, entry=entry):
            if isinstance(response, Exception):
                logger.error(
                    "eyt_audit: entry_recorded receiver %r failed for entry #%s",
                    receiver,
                    entry.sequence,
                    exc_info=response,
                )
