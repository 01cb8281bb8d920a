import pytest
from django.db import DatabaseError, connection, transaction

from eyt_audit import record
from eyt_audit.exceptions import AppendOnlyError
from eyt_audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    record("tests.kept")
    return AuditEntry.objects.get()


@pytest.mark.parametrize(
    "write",
    [
        lambda entry: entry.save(),
        lambda entry: entry.delete(),
        lambda entry: AuditEntry.objects.filter(pk=entry.pk).update(action="tests.changed"),
        lambda entry: AuditEntry.objects.all().delete(),
        lambda entry: AuditEntry.objects.bulk_update([entry], ["action"]),
        lambda entry: AuditEntry.objects.bulk_create([AuditEntry(sequence=99)]),
        lambda entry: AuditEntry.objects.create(sequence=99, action="tests.forged"),
    ],
    ids=["save", "delete", "qs-update", "qs-delete", "bulk-update", "bulk-create", "create"],
)
def test_the_orm_refuses_to_change_entries(entry, write):
    with pytest.raises(AppendOnlyError, match="append-only"):
        write(entry)
    assert list(AuditEntry.objects.values_list("sequence", "action")) == [(1, "tests.kept")]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE eyt_audit_auditentry SET action = 'x'", "DELETE FROM eyt_audit_auditentry"]
)
def test_the_postgresql_trigger_refuses_raw_updates_and_deletes(entry, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.get().action == "tests.kept"


@pytest.mark.postgres
def test_the_trigger_lets_only_the_prune_setting_delete(entry):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL eyt_audit.allow_prune = 'on'")
        with pytest.raises(DatabaseError, match="UPDATE refused"), transaction.atomic():
            cursor.execute("UPDATE eyt_audit_auditentry SET action = 'x'")
        cursor.execute("DELETE FROM eyt_audit_auditentry")
    assert not AuditEntry.objects.exists()


def test_str_names_the_sequence_and_action(entry):
    assert str(entry) == "#1 tests.kept"
