"""Appending entries to the chain inside the caller's transaction.

On PostgreSQL an append is one statement in the steady state, whatever the number of entries::

    WITH head AS (UPDATE chain head SET sequence = <last>, chain = <last value>
                  WHERE sequence = <known> AND chain = <known value> RETURNING 1)
    INSERT INTO entries (...) SELECT ... FROM head, jsonb_populate_recordset(NULL::entries, <rows>) AS r

Each connection remembers the head it last wrote, so the new entries' numbers and chain values are computed in
Python (the key never reaches the database) before the statement. The rows travel as one JSON parameter: each is
the canonical form its chain value covers, plus that value, so what is stored is what was chained, and no value is
converted twice. The head's row lock, held until the transaction ends, makes appenders queue, so numbers follow
commit order and a rollback gives them back: no gaps, no duplicates. When another process appended in between, the
compare fails, nothing is inserted, and the append takes the head's lock first (``UPDATE ... RETURNING``), then
runs the same statement: one more round trip.
Other databases always take the lock first and run three or four statements.

``canonical_form()`` gives the bytes a chain value covers, both when writing and when verifying. ``iter_rows()``
streams the trail for verify; on PostgreSQL through a server-side cursor of its own, with the timestamps already
in their canonical text, so a million entries verify in seconds.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings as django_settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, Subquery, Value, sql
from django.db.models.functions import Coalesce

from eyt_audit.canonical import canonical_bytes, format_datetime
from eyt_audit.chain import GENESIS, linker
from eyt_audit.models import ENTRY_FIELDS, AuditEntry, ChainHead

__all__ = [
    "CANONICAL_ORDER",
    "append",
    "canonical_form",
    "canonical_row",
    "chained_entries",
    "first_beyond_head",
    "head_of",
    "iter_rows",
]

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
    return [entry for entry, _canonical in _chain(rows, last, previous)]


def _chain(rows: Sequence[Mapping[str, Any]], last: int, previous: str) -> list[tuple[AuditEntry, bytes]]:
    """``chained_entries()``, each with the canonical form its chain value covers."""
    link_with = linker()
    chained = []
    sequence = last - len(rows)
    for row in rows:
        sequence += 1
        values = {**row, "sequence": sequence}
        canonical = canonical_form(values)
        previous = link_with(previous, canonical)
        chained.append((AuditEntry(**values, chain=previous), canonical))
    return chained


def append(rows: Sequence[Mapping[str, Any]], using: str, savepoint: str | None = None) -> list[AuditEntry]:
    """Number, chain and insert ``rows`` (``ENTRY_FIELDS`` values without ``sequence``). Must run inside a
    transaction: the head stays locked until it ends. ``savepoint`` is created first (in the same round trip
    on PostgreSQL), for the caller to roll back to on failure."""
    connection = connections[using]
    if savepoint and not _can_batch_statements(connection):
        with connection.cursor() as cursor:
            cursor.execute(connection.ops.savepoint_create_sql(savepoint))
        savepoint = None
    if connection.vendor != "postgresql":
        last, previous = _claim(connection, len(rows), using)
        entries = chained_entries(rows, last, previous)
        _insert_generic(connection, entries, using)
        return entries
    known: tuple[int, str] | None = getattr(connection, _KNOWN_HEAD, None)
    if known is not None:
        chained = _chain(rows, known[0] + len(rows), known[1])
        if _insert_after(connection, chained, known, savepoint):
            return [entry for entry, _canonical in chained]
        savepoint = None  # the statement that found another head created it
    last, previous = _claim(connection, len(rows), using, savepoint)
    chained = _chain(rows, last, previous)
    if not _insert_after(connection, chained, (last, previous)):
        raise RuntimeError("eyt_audit: the chain head changed while this transaction held its lock")
    return [entry for entry, _canonical in chained]


def head_of(using: str) -> tuple[int, str]:
    """The head's sequence number and chain value, without locking it."""
    head = ChainHead.objects.using(using).filter(pk=HEAD_ID).values_list("sequence", "chain").first()
    return head or (0, GENESIS)


def first_beyond_head(using: str) -> int | None:
    """The lowest entry number above the head's (``None`` when there is none). The head and the entries are read in
    one statement, so an append committing meanwhile, which moves the head with its entries, is not counted."""
    head = ChainHead.objects.using(using).filter(pk=HEAD_ID).values("sequence")[:1]
    beyond = AuditEntry.objects.using(using).filter(sequence__gt=Coalesce(Subquery(head), Value(0)))
    return beyond.order_by("sequence").values_list("sequence", flat=True).first()


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


def _claim(connection: BaseDatabaseWrapper, count: int, using: str, savepoint: str | None = None) -> tuple[int, str]:
    """Take the head's lock and claim ``count`` numbers: the last one and the chain value before them."""
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
            elif _can_return_from_update(connection):
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


def _can_return_from_update(connection: BaseDatabaseWrapper) -> bool:
    """``UPDATE ... RETURNING``: PostgreSQL, SQLite 3.35+. MariaDB returns rows from INSERT and DELETE only, so
    Django's ``can_return_columns_from_insert`` is true there too and cannot tell."""
    return connection.vendor in ("postgresql", "sqlite") and bool(connection.features.can_return_columns_from_insert)


def _create_head(using: str) -> None:
    """The head row, continuing from the last entry if entries exist (e.g. after a database flush of the head).

    On MariaDB a row another appender created meanwhile is locked for update (``ON DUPLICATE KEY UPDATE``):
    ``INSERT IGNORE`` would share its lock, and two appenders sharing it deadlock on the claim that follows."""
    last = AuditEntry.objects.using(using).order_by("-sequence").values_list("sequence", "chain").first()
    sequence, chain = last or (0, GENESIS)
    connection = connections[using]
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_table(connection, ChainHead)} (id, sequence, chain) VALUES (%s, %s, %s)"
                " ON DUPLICATE KEY UPDATE id = id",
                [HEAD_ID, sequence, chain],
            )
        return
    ChainHead.objects.using(using).bulk_create(
        [ChainHead(pk=HEAD_ID, sequence=sequence, chain=chain)], ignore_conflicts=True
    )


def _insert_after(
    connection: BaseDatabaseWrapper,
    chained: list[tuple[AuditEntry, bytes]],
    known: tuple[int, str],
    savepoint: str | None = None,
) -> bool:
    """Insert the ``chained`` entries and move the head to the last of them, if the head is still ``known``: one
    statement per ``CHUNK`` entries. False (nothing written) when another transaction had moved the head. The
    connection remembers the new head."""
    for start in range(0, len(chained), CHUNK):
        chunk = chained[start : start + CHUNK]
        if not _insert_chunk(connection, chunk, known, savepoint):
            setattr(connection, _KNOWN_HEAD, None)
            if start:
                raise RuntimeError("eyt_audit: the chain head changed while this transaction held its lock")
            return False
        last = chunk[-1][0]
        known, savepoint = (last.sequence, last.chain), None
    setattr(connection, _KNOWN_HEAD, known)
    return True


CHUNK = 500
_KNOWN_HEAD = "_eyt_audit_known_head"


def _insert_chunk(
    connection: BaseDatabaseWrapper,
    chained: list[tuple[AuditEntry, bytes]],
    known: tuple[int, str],
    savepoint: str | None,
) -> bool:
    last = chained[-1][0]
    rows = b"[" + b",".join(_stored_row(canonical, entry.chain) for entry, canonical in chained) + b"]"
    params: list[Any] = [last.sequence, last.chain, HEAD_ID, *known, rows.decode()]
    statement = _insert_statement(connection.alias)
    if savepoint:
        statement = f"{connection.ops.savepoint_create_sql(savepoint)}; {statement}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if savepoint:
            cursor.nextset()
        return bool(cursor.rowcount == len(chained))


def _stored_row(canonical: bytes, chain: str) -> bytes:
    """The JSON object of an entry's columns: its canonical form (an object of every other column) plus its chain
    value (hex digits, nothing to escape)."""
    return canonical[:-1] + b',"chain":"' + chain.encode() + b'"}'


@functools.lru_cache(maxsize=8)
def _insert_statement(using: str) -> str:
    """The compare-and-insert statement; its last parameter is a JSON array of ``_stored_row()`` objects."""
    connection = connections[using]
    quote = connection.ops.quote_name
    entries = _table(connection, AuditEntry)
    columns = ", ".join(quote(str(field.column)) for field in AuditEntry._meta.concrete_fields)
    return (
        f"WITH head AS (UPDATE {_table(connection, ChainHead)} SET sequence = %s, chain = %s"
        f" WHERE id = %s AND sequence = %s AND chain = %s RETURNING 1)"
        f" INSERT INTO {entries} ({columns})"
        f" SELECT {columns} FROM head, jsonb_populate_recordset(NULL::{entries}, %s::jsonb) AS r"
    )


def _insert_generic(connection: BaseDatabaseWrapper, entries: list[AuditEntry], using: str) -> None:
    """Other databases: the head's new value, then the entries, in their own statements."""
    fields = AuditEntry._meta.concrete_fields
    batch = max(1, connection.ops.bulk_batch_size(list(fields), entries))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(connection, ChainHead)} SET chain = %s WHERE id = %s", [entries[-1].chain, HEAD_ID]
        )
        for start in range(0, len(entries), batch):
            query = sql.InsertQuery(AuditEntry)
            query.insert_values(fields, list[Model](entries[start : start + batch]))
            for statement, params in query.get_compiler(using=using).as_sql():
                cursor.execute(statement, params)
