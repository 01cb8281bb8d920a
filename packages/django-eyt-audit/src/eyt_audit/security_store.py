"""Storing security events on a database connection of the package's own, outside the caller's transaction.

Each thread keeps one private connection per database: a duplicate of the alias's connection, never registered in
``django.db.connections``, used in autocommit and closed like Django's own (``CONN_MAX_AGE``): at the end of each
request, or right after the write when no request is being handled (commands, tasks, tests), so no connection
outlives its use unseen. One statement per event, so an attack costs one upsert per attempt and one row per window::

    INSERT INTO eyt_audit_securityevent (...) VALUES (...)
    ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen
    RETURNING id, count, first_seen

Concurrent writers of one event therefore add to one row, and its count is exact.

SQLite admits one writer at a time: while the caller's transaction on that database is open (and may hold the
write lock), no second connection can write. There the event waits in memory and is written the moment that
transaction ends, committed (an ``on_commit`` callback) or rolled back (Django discards the callbacks of a block
that rolls back; a finalizer on ours notices).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from typing import Any

from django.conf import settings as django_settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.dateparse import parse_datetime

from eyt_audit.context import current
from eyt_audit.models import SecurityEvent
from eyt_audit.signals import security_event_recorded

__all__ = ["FIELDS", "close_all", "close_private_connections", "save"]

logger = logging.getLogger("eyt_audit")

#: The columns an event is written with, in statement order.
FIELDS = (
    "event_type",
    "severity",
    "actor_pk",
    "actor_repr",
    "username",
    "ip_address",
    "path",
    "method",
    "request_id",
    "user_agent",
    "metadata",
    "count",
    "first_seen",
    "last_seen",
    "key",
    "window_start",
)

_local = threading.local()


def save(row: dict[str, Any], using: str) -> SecurityEvent | None:
    """Store ``row`` (the ``FIELDS`` values but ``count``) and send ``security_event_recorded``.

    Returns the event's row as stored, or ``None`` when it waits for the caller's SQLite transaction to end.
    """
    caller = connections[using]
    if caller.vendor == "sqlite" and caller.in_atomic_block and _shareable(caller):
        _defer(row, using)
        return None
    return _write(row, using)


def close_private_connections(**kwargs: Any) -> None:
    """Close this thread's private connections that are unusable or past ``CONN_MAX_AGE`` (at request start and
    end, as Django does with its own)."""
    for connection in getattr(_local, "connections", {}).values():
        _release(connection)


def close_all() -> None:
    """Close this thread's private connections (a worker thread calls it before it ends, as with Django's own)."""
    for connection in getattr(_local, "connections", {}).values():
        connection.close()


def _write(row: dict[str, Any], using: str) -> SecurityEvent:
    connection = _private_connection(using)
    try:
        pk, count, first_seen = _upsert(connection, row)
    finally:
        context = current()
        if context is None or context.request is None:  # no request_finished will come to close it
            _release(connection)
    event = SecurityEvent(**{**row, "id": pk, "count": count, "first_seen": _as_datetime(first_seen)})
    event._state.adding = False
    event._state.db = using
    for receiver, response in security_event_recorded.send_robust(
        sender=SecurityEvent, event=event, created=count == 1
    ):
        if isinstance(response, Exception):
            logger.error(
                "eyt_audit: security_event_recorded receiver %r failed on %s",
                receiver,
                event.event_type,
                exc_info=response,
            )
    return event


def _upsert(connection: BaseDatabaseWrapper, row: dict[str, Any]) -> tuple[int, int, Any]:
    opts = SecurityEvent._meta
    quote = connection.ops.quote_name
    fields: list[Any] = [opts.get_field(name) for name in FIELDS]
    values = {**row, "count": 1}
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    table = quote(opts.db_table)
    statement = (
        f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) {_on_conflict(connection, table)} "
        f"RETURNING {quote('id')}, {quote('count')}, {quote('first_seen')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        pk, total, first_seen = cursor.fetchone()
    return int(pk), int(total), first_seen


def _on_conflict(connection: BaseDatabaseWrapper, table: str) -> str:
    """The clause adding an event to its window's row. MariaDB (10.5+ returns rows from INSERT) has no ``ON
    CONFLICT``; its ``ON DUPLICATE KEY UPDATE`` takes the same row lock and returns the row as updated."""
    quote = connection.ops.quote_name
    count, last_seen = quote("count"), quote("last_seen")
    if connection.vendor == "mysql":
        return f"ON DUPLICATE KEY UPDATE {count} = {count} + 1, {last_seen} = VALUES({last_seen})"
    return (
        f"ON CONFLICT ({quote('key')}, {quote('window_start')}) DO UPDATE "
        f"SET {count} = {table}.{count} + 1, {last_seen} = EXCLUDED.{last_seen}"
    )


def _as_datetime(value: Any) -> dt.datetime:
    """SQLite hands timestamps back naive (UTC under ``USE_TZ``), sometimes as text; PostgreSQL as aware ones."""
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parsed.replace(tzinfo=dt.UTC) if django_settings.USE_TZ and parsed.tzinfo is None else parsed


def _release(connection: BaseDatabaseWrapper) -> None:
    if connection.connection is not None and not _in_memory(connection):  # closing that would empty it
        connection.close_if_unusable_or_obsolete()


def _in_memory(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "sqlite" and bool(connection.is_in_memory_db())  # type: ignore[attr-defined]


def _shareable(connection: BaseDatabaseWrapper) -> bool:
    """A second connection reaches the same database (not so for an unshared in-memory SQLite database)."""
    return not (_in_memory(connection) and "cache=shared" not in str(connection.settings_dict.get("NAME") or ""))


def _private_connection(using: str) -> BaseDatabaseWrapper:
    """This thread's private connection to ``using``'s database (rebuilt when its settings change, e.g. when the
    test runner points the alias at the test database). An unshared in-memory SQLite database has only the
    caller's connection."""
    caller = connections[using]
    if not _shareable(caller):
        return caller
    cache: dict[str, BaseDatabaseWrapper] = _local.__dict__.setdefault("connections", {})
    connection = cache.get(using)
    if connection is None or connection.settings_dict != caller.settings_dict:
        if connection is not None:
            connection.close()
        connection = type(caller)(dict(caller.settings_dict), using)
        cache[using] = connection
    return connection


# --- SQLite: waiting for the caller's transaction -----------------------------------------------------------------


class _WhenTransactionEnds:
    """An ``on_commit`` callback that writes the waiting events; its finalizer does the same when a rollback
    discards it."""

    def __init__(self, using: str) -> None:
        self.using = using
        weakref.finalize(self, _flush, using)

    def __call__(self) -> None:
        _flush(self.using)


def _defer(row: dict[str, Any], using: str) -> None:
    pending: list[dict[str, Any]] = _local.__dict__.setdefault("pending", {}).setdefault(using, [])
    pending.append(row)
    if len(pending) == 1:
        transaction.on_commit(_WhenTransactionEnds(using), using=using)


def _flush(using: str) -> None:
    pending: list[dict[str, Any]] = _local.__dict__.get("pending", {}).get(using, [])
    if not pending:
        return
    if connections[using].in_atomic_block:  # a savepoint rolled back; the outer transaction goes on
        transaction.on_commit(_WhenTransactionEnds(using), using=using)
        return
    rows = pending[:]
    pending.clear()
    for row in rows:
        try:
            _write(row, using)
        except Exception as error:  # a finalizer must not raise; the failure is logged loudly instead
            logger.error(
                "eyt_audit: could not store the %s security event: %r", row["event_type"], error, exc_info=error
            )
