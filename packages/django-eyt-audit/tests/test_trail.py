import datetime as dt
import logging
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from eyt_audit import audit_context, record
from eyt_audit.exceptions import AuditWriteError
from eyt_audit.models import AuditEntry
from eyt_audit.signals import entry_failed, entry_recorded
from eyt_audit.verification import verify
from tests.conftest import entries
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def test_record_stamps_action_target_actor_and_context(user):
    widget = Widget.objects.create(name="Arena pass", price=Decimal("9.50"))
    with audit_context(actor=user, reason="support ticket 7"):
        entry = record("payments.refunded", widget, changes={"amount": Decimal("9.50")}, outcome="failure")
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert (stored.action, stored.outcome) == ("payments.refunded", "failure")
    assert (stored.actor_pk, stored.actor_repr) == (str(user.pk), "ada")
    assert (stored.target_type, stored.target_pk, stored.target_repr) == (
        "testapp.widget",
        str(widget.pk),
        "Arena pass",
    )
    assert stored.changes == {"amount": "9.50"}
    assert stored.context == {"reason": "support ticket 7"}
    assert stored.created_at.utcoffset() == dt.timedelta(0)


def test_an_explicit_actor_wins_over_the_context(user, django_user_model):
    other = django_user_model.objects.create_user(username="grace")
    with audit_context(actor=user):
        entry = record("notify.preferences_changed", actor=other)
    assert entry.actor_repr == "grace"


def test_sequence_numbers_follow_each_other_and_the_chain_verifies():
    sequences = [record("tests.step", metadata={"n": n}).sequence for n in range(5)]
    assert sequences == [1, 2, 3, 4, 5]
    assert verify().ok


def test_rollback_leaves_no_entry_and_gives_the_number_back():
    record("tests.kept")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record("tests.rolled_back")
        1 / 0
    assert [entry.action for entry in entries()] == ["tests.kept"]
    assert record("tests.next").sequence == 2
    assert verify().ok


def test_secrets_are_masked_and_line_breaks_stripped():
    entry = record(
        "auth.password_changed",
        metadata={"password": "hunter2", "nested": {"api_key": "sk_live_x"}, "note": "line1\r\nFAKE: entry"},
    )
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert stored.metadata == {"password": "[masked]", "nested": {"api_key": "[masked]"}, "note": "line1  FAKE: entry"}


@pytest.mark.parametrize("action", ["Payments.Refunded", "refunded", "payments refunded", "", None, "a." * 60 + "b"])
def test_a_malformed_action_is_refused_and_writes_nothing(action):
    with pytest.raises(ValueError, match="dotted lower-case"):
        record(action)
    assert not AuditEntry.objects.exists()


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="outcome must be one of"):
        record("payments.refunded", outcome="maybe")


def test_deleting_the_actor_or_target_keeps_the_entry_intact(user):
    widget = Widget.objects.create(name="Coaching hour")
    entry = record("payments.intent_created", widget, actor=user)
    user.delete()
    widget.delete()
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert (stored.actor_repr, stored.target_repr) == ("ada", "Coaching hour")
    assert verify().ok


def test_entry_recorded_is_sent_after_commit(django_capture_on_commit_callbacks):
    received = []

    def forward(entry, **kwargs):
        received.append(entry.sequence)

    entry_recorded.connect(forward, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            entry = record("tests.forwarded")
        assert received == []
        for callback in callbacks:
            callback()
        assert received == [entry.sequence]
    finally:
        entry_recorded.disconnect(forward)


def test_a_failing_forwarder_is_logged_and_does_not_break_the_caller(django_capture_on_commit_callbacks, caplog):
    def broken(**kwargs):
        raise ConnectionError("SIEM down")

    entry_recorded.connect(broken, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR, "eyt_audit"):
            assert record("tests.forwarded") is not None
    finally:
        entry_recorded.disconnect(broken)
    assert "entry_recorded receiver" in caplog.text


def _to_missing_table(execute, sql, params, many, context):
    return execute(sql.replace("eyt_audit_auditentry", "eyt_audit_gone"), params, many, context)


def missing_table():
    """Statements name a table that does not exist instead of the entries table: a real database error on the next
    write. (Not a rename: on MariaDB and MySQL DDL commits the test's transaction.)"""
    return connection.execute_wrapper(_to_missing_table)


def test_a_write_failure_is_logged_loudly_and_the_callers_transaction_goes_on(caplog):
    failures = []
    entry_failed.connect(failed := lambda **kw: failures.append(kw["action"]), weak=False)
    try:
        with transaction.atomic(), caplog.at_level(logging.ERROR, "eyt_audit"):
            widget = Widget.objects.create(name="before")
            record("tests.kept")  # its savepoint is not the one the failed write rolls back to
            with missing_table():
                assert record("payments.refunded", widget) is None
            Widget.objects.create(name="after")  # the transaction is still usable
    finally:
        entry_failed.disconnect(failed)
    assert set(Widget.objects.values_list("name", flat=True)) == {"before", "after"}
    assert "could not write the audit entry for payments.refunded" in caplog.text
    assert failures == ["payments.refunded"]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["tests.kept"]
    assert record("tests.after_failure").sequence == 2  # the failed write took no number


SAVEPOINT_CREATED = re.compile(r'(?<!TO )(?<!RELEASE )SAVEPOINT ["`]?eyt_audit_(\d+)', re.IGNORECASE)


def created_savepoints(captured):
    return [int(n) for query in captured for n in SAVEPOINT_CREATED.findall(query["sql"])]


@pytest.mark.django_db(transaction=True)
def test_each_transaction_numbers_its_savepoints_from_one():
    """The append statement carries its savepoint's name: the same text in every transaction, parsed once."""

    @transaction.atomic
    def decorated():  # one Atomic object entered again and again
        record("tests.decorated")

    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            with transaction.atomic():
                record("tests.first")
                record("tests.second")
            decorated()
        with transaction.atomic():
            record("tests.rolled_back")
            transaction.set_rollback(True)
        with transaction.atomic():
            record("tests.after_rollback")
    assert created_savepoints(captured) == [1, 2, 1] * 3 + [1, 1]
    assert AuditEntry.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_savepoint_names_restart_only_when_the_earlier_ones_are_gone():
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with transaction.atomic():
            record("tests.undone")
            transaction.set_rollback(True)  # ends this savepoint and every one made inside it
        record("tests.kept")
        with missing_table():
            assert record("tests.failed") is None  # rolls back to its own savepoint, not to the kept entry's
        record("tests.last")
    assert created_savepoints(captured) == [1, 1, 2, 3]
    assert list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True)) == [
        "tests.kept",
        "tests.last",
    ]


@override_settings(EYT_AUDIT_FAIL_CLOSED=True)
def test_fail_closed_raises():
    with transaction.atomic():
        with missing_table(), pytest.raises(AuditWriteError, match="payments.refunded"):
            record("payments.refunded")


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_an_entry_commits_on_its_own():
    assert not connection.in_atomic_block
    entry = record("tests.alone")
    assert AuditEntry.objects.get(sequence=entry.sequence).action == "tests.alone"


def test_record_on_an_event_loop_raises_instead_of_losing_the_entry(caplog):
    from asgiref.sync import async_to_sync, sync_to_async
    from django.core.exceptions import SynchronousOnlyOperation

    from eyt_audit import security_event

    async def async_view():
        with pytest.raises(SynchronousOnlyOperation):
            record("shop.async_direct")
        with pytest.raises(SynchronousOnlyOperation):
            security_event("permission_denied")
        return await sync_to_async(record)("shop.async_in_thread")  # the documented way

    with caplog.at_level(logging.ERROR, logger="eyt_audit"):
        entry = async_to_sync(async_view)()
    assert entry is not None
    assert [e.action for e in entries()] == ["shop.async_in_thread"]
    assert not caplog.records  # nothing was written off as a failed write
