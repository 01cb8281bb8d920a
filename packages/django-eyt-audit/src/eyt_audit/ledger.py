"""Appending entries to the chain inside the caller's transaction.

Two statements per append on PostgreSQL, whatever the number of entries:

1. ``UPDATE chain head SET sequence = sequence + n RETURNING sequence, chain``: claims n numbers and takes the
   head's row lock, held until the transaction ends. Appenders therefore queue here, so numbers follow commit
   order, and a rollback gives the numbers back: no gaps, no duplicates.
2. ``WITH head AS (UPDATE chain head SET chain = <last value>) INSERT INTO entries ...``: stores the new entries
   and the new head value at once.

The chain values are computed in Python between the two, so the key never reaches the database.
Other databases run the same steps in three or four statements.

``canonical_form()`` gives the bytes a chain value covers, both when writing and when verifying. ``iter_rows()``
streams the trail for verify; on PostgreSQL through a server-side cursor of its own, with the timestamps already
in their canonical text, so a million entries verify in seconds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings as django_settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, sql

from eyt_audit.canonical import canonical_bytes, format_datetime
from eyt_audit.chain import GENESIS, linker
from eyt_audit.models import ENTRY_FIELDS, AuditEntry, ChainHead

__all__ = ["CANONICAL_ORDER", "append", "canonical_form", "canonical_row", "chained_entries", "head_of", "iter_rows"]

HEAD_ID = 1

#: ``ENTRY_FIELDS`` in the order their keys take in the canonical form (sorted, as in ``canonical_bytes``).
CANONICAL_ORDER = tuple(sorted(ENTRY_FIELDS))
_JSON_FIELDS = frozenset(
    field.name for field in AuditEntry._meta.concrete_fields if field.get_internal_type() == "JSONField"
)


def canonical_form(values: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry given its ``ENTRY_FIELDS`` values (as written or as read back):
    ``canonical_bytes()`` of those values with ``created_at`` in UTC ISO form."""
    return canonical_row([values[name] for name in CANONICAL_ORDER])


def canonical_row(ordered: Sequence[Any]) -> bytes:
    """``canonical_form()`` of the values listed in ``CANONICAL_ORDER`` (extra items after them are ignored), as
    ``iter_rows()`` yields them. ``created_at`` may be given already formatted."""
    values = dict(zip(CANONICAL_ORDER, ordered))  # noqa: B905  (a row carries its chain value after them)
    created_at = values["created_at"]
    if not isinstance(created_at, str):
        values["created_at"] = format_datetime(created_at)
    return canonical_bytes(values)


def chained_entries(rows: Sequence[Mapping[str, Any]], last: int, previous: str) -> list[AuditEntry]:
    """Entries numbered up to ``last`` and chained on from ``previous``."""
    link_with = linker()
    entries = []
    sequence = last - len(rows)
    for row in rows:
        sequence += 1
        values = {**row, "sequence": sequence}
        previous = link_with(previous, canonical_form(values))
        entries.append(AuditEntry(**values, chain=previous))
    return entries


def append(rows: Sequence[Mapping[str, Any]], using: str, savepoint: str | None = None) -> list[AuditEntry]:
    """Number, chain and insert ``rows`` (``ENTRY_FIELDS`` values without ``sequence``). Must run inside a
    transaction: the head stays locked until it ends. ``savepoint`` is created first (in the same round trip
    on PostgreSQL), for the caller to roll back to on failure."""
    connection = connections[using]
    if savepoint and not _can_batch_statements(connection):
        with connection.cursor() as cursor:
            cursor.execute(connection.ops.savepoint_create_sql(savepoint))
        savepoint = None
    last, previous = _claim(connection, len(rows), using, savepoint)
    entries = chained_entries(rows, last, previous)
    _insert(connection, entries, using)
    return entries


def head_of(using: str) -> tuple[int, str]:
    """The head's sequence number and chain value, without locking it."""
    head = ChainHead.objects.using(using).filter(pk=HEAD_ID).values_list("sequence", "chain").first()
    return head or (0, GENESIS)


def iter_rows(using: str, chunk_size: int, upto: int | None = None) -> Iterator[Sequence[Any]]:
    """Entries (up to #``upto``) in sequence order, each as its values in ``CANONICAL_ORDER`` then its chain
    value, streamed in chunks. Close the iterator when leaving early."""
    connection = connections[using]
    if connection.vendor == "postgresql" and django_settings.USE_TZ:
        return _stream_postgresql(connection, chunk_size, upto)
    rows = AuditEntry.objects.using(using).order_by("sequence").values_list(*CANONICAL_ORDER, "chain")
    if upto is not None:
        rows = rows.filter(sequence__lte=upto)
    return rows.iterator(chunk_size=chunk_size)


#: ``format_datetime()`` done by PostgreSQL: UTC, microseconds, "+00:00".
_CREATED_AT_SQL = """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


def _stream_postgresql(connection: BaseDatabaseWrapper, chunk_size: int, upto: int | None) -> Iterator[list[Any]]:
    """A server-side cursor of our own, in a transaction: no ORM converters, timestamps formatted by
    the server (on its own core), JSON columns decoded only when not empty."""
    quote = connection.ops.quote_name
    columns = [
        _CREATED_AT_SQL if name == "created_at" else f"{quote(name)}::text" if name in _JSON_FIELDS else quote(name)
        for name in CANONICAL_ORDER
    ]
    query = f"SELECT {', '.join(columns)}, {quote('chain')} FROM {_table(connection, AuditEntry)}"
    params: list[Any] = []
    if upto is not None:
        query += f" WHERE {quote('sequence')} <= %s"
        params.append(upto)
    query += f" ORDER BY {quote('sequence')}"
    json_positions = [position for position, name in enumerate(CANONICAL_ORDER) if name in _JSON_FIELDS]
    loads = json.loads
    with transaction.atomic(using=connection.alias):
        connection.ensure_connection()
        with connection.connection.cursor(name=f"eyt_audit_verify_{uuid.uuid4().hex}") as cursor:
            cursor.execute(query, params)
            while rows := cursor.fetchmany(chunk_size):
                for row in rows:
                    values = list(row)
                    for position in json_positions:
                        text = values[position]
                        values[position] = {} if text == "{}" else loads(text)
                    yield values


def _table(connection: BaseDatabaseWrapper, model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _can_batch_statements(connection: BaseDatabaseWrapper) -> bool:
    """PostgreSQL with client-side parameter binding (Django's default) runs "A; B" in one round trip."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def _claim(connection: BaseDatabaseWrapper, count: int, using: str, savepoint: str | None) -> tuple[int, str]:
    head = _table(connection, ChainHead)
    bump = f"UPDATE {head} SET sequence = sequence + %s WHERE id = %s"
    for _attempt in range(2):
        with connection.cursor() as cursor:
            if savepoint:  # SAVEPOINT and the claim in one round trip
                cursor.execute(
                    f"{connection.ops.savepoint_create_sql(savepoint)}; {bump} RETURNING sequence, chain",
                    [count, HEAD_ID],
                )
                cursor.nextset()
                row = cursor.fetchone()
                savepoint = None
            elif connection.features.can_return_columns_from_insert:  # RETURNING: PostgreSQL, SQLite 3.35+
                cursor.execute(f"{bump} RETURNING sequence, chain", [count, HEAD_ID])
                row = cursor.fetchone()
            else:
                cursor.execute(bump, [count, HEAD_ID])
                cursor.execute(f"SELECT sequence, chain FROM {head} WHERE id = %s", [HEAD_ID])
                row = cursor.fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        _create_head(using)
    raise RuntimeError("eyt_audit: the chain head row could not be created")


def _create_head(using: str) -> None:
    """The head row, continuing from the last entry if entries exist (e.g. after a database flush of the head)."""
    last = AuditEntry.objects.using(using).order_by("-sequence").values_list("sequence", "chain").first()
    sequence, chain = last or (0, GENESIS)
    ChainHead.objects.using(using).bulk_create(
        [ChainHead(pk=HEAD_ID, sequence=sequence, chain=chain)], ignore_conflicts=True
    )


def _insert(connection: BaseDatabaseWrapper, entries: list[AuditEntry], using: str) -> None:
    fields = AuditEntry._meta.concrete_fields
    batch = max(1, connection.ops.bulk_batch_size(list(fields), entries))
    statements: list[tuple[str, Sequence[Any]]] = []
    for start in range(0, len(entries), batch):
        query = sql.InsertQuery(AuditEntry)
        query.insert_values(fields, list[Model](entries[start : start + batch]))
        statements.extend(query.get_compiler(using=using).as_sql())
    set_head = (f"UPDATE {_table(connection, ChainHead)} SET chain = %s WHERE id = %s", [entries[-1].chain, HEAD_ID])
    if connection.vendor == "postgresql":
        first_sql, first_params = statements[0]
        statements[0] = (f"WITH head AS ({set_head[0]}) {first_sql}", [*set_head[1], *first_params])
    else:
        statements.insert(0, set_head)
    with connection.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
