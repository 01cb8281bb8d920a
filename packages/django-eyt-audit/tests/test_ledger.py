"""The bytes a chain value covers are the same when an entry is written and when verify reads it back, whichever
way it is read (the ORM, or PostgreSQL's server-side stream with timestamps formatted by the server)."""

import datetime as dt
import json
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from eyt_audit import audit_context, ledger, record, trail
from eyt_audit.chain import GENESIS, link
from eyt_audit.context import bind
from eyt_audit.middleware import context_for
from eyt_audit.models import ENTRY_FIELDS, AuditEntry
from eyt_audit.verification import verify
from tests.testapp.models import Gadget

pytestmark = pytest.mark.django_db


def reference_bytes(values):
    """The canonical form as first defined: json.dumps of the entry's fields, sorted, created_at in UTC ISO form."""
    data = {name: values[name] for name in ENTRY_FIELDS}
    data["created_at"] = data["created_at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@pytest.fixture
def varied_entries(rf, user):
    request = rf.get("/", REMOTE_ADDR="2001:db8::1", HTTP_USER_AGENT="Mozilla/5.0 (é)")
    with bind(context_for(request)), audit_context(actor=user, reason="refund \u2603 requested", ticket="T-1\r\n"):
        record(
            "payments.refunded",
            user,
            changes={"amount": ["10.00", "2.50"], "note": '"quoted" \\ path'},
            metadata={"nested": {"z": 1, "a": [True, None, 1.5]}, "emoji": "\U0001f3c6", "password": "x"},
            outcome="failure",
        )
    record("notify.sent", metadata={"when": dt.datetime(2026, 5, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))})
    record("payments.intent_created")
    entries = list(AuditEntry.objects.order_by("sequence"))
    assert (entries[0].ip_address, entries[0].context["extra"]) == ("2001:db8::1", {"ticket": "T-1  "})
    return entries


def test_written_chain_values_cover_the_reference_canonical_bytes(varied_entries):
    previous = GENESIS
    for entry in varied_entries:
        values = entry.canonical_values()
        assert ledger.canonical_form(values) == reference_bytes(values)
        assert link(previous, reference_bytes(values)) == entry.chain
        previous = entry.chain


def test_verify_reads_back_the_bytes_that_were_written(varied_entries):
    rows = list(ledger.iter_rows("default", chunk_size=2))
    assert [row[ledger.CANONICAL_ORDER.index("sequence")] for row in rows] == [1, 2, 3]
    for row, entry in zip(rows, varied_entries, strict=True):
        assert ledger.canonical_row(row) == reference_bytes(entry.canonical_values())
        assert row[len(ledger.CANONICAL_ORDER)] == entry.chain


@pytest.mark.postgres
def test_postgresql_formats_timestamps_as_the_canonical_form_does(varied_entries):
    [row] = [row for row in ledger.iter_rows("default", chunk_size=10) if row[0] == "notify.sent"]
    created_at = row[ledger.CANONICAL_ORDER.index("created_at")]
    assert isinstance(created_at, str)  # formatted by the server
    assert created_at == varied_entries[1].created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def test_canonical_row_ignores_the_chain_value_after_the_fields(varied_entries):
    entry = varied_entries[0]
    ordered = [entry.canonical_values()[name] for name in ledger.CANONICAL_ORDER]
    assert ledger.canonical_row([*ordered, entry.chain]) == ledger.canonical_row(ordered)


def test_every_column_is_named_as_its_field():
    """PostgreSQL appends send each entry as the JSON object of its canonical form (keyed by field name) plus its
    chain value, and jsonb_populate_recordset() maps those keys onto columns by name."""
    fields = AuditEntry._meta.concrete_fields
    assert [field.column for field in fields] == [field.name for field in fields]
    assert {field.name for field in fields} == {*ENTRY_FIELDS, "chain"}


@pytest.mark.postgres
def test_an_append_larger_than_one_statement_is_split_and_stays_chained():
    rows = [
        trail.build_row("tests.many", metadata={"n": n, "text": f"line {n} \u00e9"})
        for n in range(2 * ledger.CHUNK + 1)
    ]
    record("tests.before")  # this connection now knows the head
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        entries = ledger.append(rows, "default")
    appends = [sql for sql in statements(queries) if "jsonb_populate_recordset" in sql]
    assert len(appends) == 3  # one statement per CHUNK entries
    assert [entry.sequence for entry in entries] == list(range(2, 2 * ledger.CHUNK + 3))
    stored = list(AuditEntry.objects.filter(action="tests.many").order_by("sequence"))
    assert [(entry.sequence, entry.chain, entry.metadata) for entry in stored] == [
        (entry.sequence, entry.chain, entry.metadata) for entry in entries
    ]
    assert verify().ok


@pytest.fixture
def server_side_binding():
    """The default connection reopened with Django's ``server_side_binding`` option: statements cannot be batched
    with their savepoint, so appends take the path that sends the savepoint on its own."""
    options = connection.settings_dict["OPTIONS"]
    connection.close()
    options["server_side_binding"] = True
    yield
    connection.close()
    del options["server_side_binding"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_appends_work_with_server_side_binding(server_side_binding, tracked_models):
    record("tests.first", metadata={"text": 'é "quoted" \\ path'})
    with transaction.atomic():
        record("tests.second")
        gadget = Gadget.objects.create(name="g", data={"a": [1, None]}, pin="1234")
    gadget.name = "h"
    gadget.save()
    assert type(connection.connection.cursor()).__name__ == "ServerBindingCursor"
    assert sequences_and_actions() == [
        (1, "tests.first"),
        (2, "tests.second"),
        (3, "testapp.gadget.created"),
        (4, "testapp.gadget.updated"),
    ]
    assert AuditEntry.objects.get(sequence=1).metadata == {"text": 'é "quoted" \\ path'}
    assert verify().ok


def sequences_and_actions():
    return list(AuditEntry.objects.order_by("sequence").values_list("sequence", "action"))


def test_an_append_rolled_back_gives_its_number_back_to_the_next_one():
    record("tests.kept")
    with transaction.atomic():
        record("tests.undone")
        transaction.set_rollback(True)
    record("tests.after")
    assert sequences_and_actions() == [(1, "tests.kept"), (2, "tests.after")]
    assert verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_append_after_another_connection_appended_takes_the_head_again():
    record("tests.first")  # this connection now knows the head: its next append is one statement
    elsewhere = threading.Thread(target=record_on_another_connection, args=("tests.second",))
    elsewhere.start()
    elsewhere.join()
    with CaptureQueriesContext(connection) as queries:
        record("tests.third")
    assert len(statements(queries)) == 3  # the compare that found another head, the head's lock, the insert
    with CaptureQueriesContext(connection) as queries:
        record("tests.fourth")
    assert len(statements(queries)) == 1
    assert sequences_and_actions() == [(1, "tests.first"), (2, "tests.second"), (3, "tests.third"), (4, "tests.fourth")]
    assert verify().ok


def statements(queries):
    """The statements sent, without the transaction's own BEGIN and COMMIT (which Django 6.1 also captures)."""
    return [query["sql"] for query in queries if query["sql"] not in ("BEGIN", "COMMIT")]


def record_on_another_connection(action):
    try:
        record(action)
    finally:
        connection.close()
