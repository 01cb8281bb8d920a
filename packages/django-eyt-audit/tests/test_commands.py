"""eyt_audit_verify, eyt_audit_checkpoint and eyt_audit_prune, including every kind of tampering."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from eyt_audit import record
from eyt_audit.models import AuditEntry
from eyt_audit.verification import verify
from tests.conftest import tampering

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    return [record("tests.step", metadata={"n": n}).sequence for n in range(1, 7)]


def run_verify(*args):
    with pytest.raises(CommandError) as failure:
        call_command("eyt_audit_verify", "--no-record", *args)
    assert failure.value.returncode == 1
    return str(failure.value)


def test_an_intact_chain_verifies(trail, capsys):
    call_command("eyt_audit_verify")
    out = capsys.readouterr().out
    assert "audit chain intact: entries #1 to #6" in out
    verified = AuditEntry.objects.get(action="eyt_audit.verified")
    assert verified.metadata["ok"] is True and verified.metadata["last"] == 6
    call_command("eyt_audit_verify")  # the verification entry is itself part of the chain


def test_an_edited_field_is_caught(trail):
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_auditentry SET outcome = 'failure' WHERE sequence = 3")
    assert "entry #3: its chain value does not match" in run_verify()


def test_an_edited_json_value_is_caught(trail):
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_auditentry SET metadata = %s WHERE sequence = 4", [json.dumps({"n": 40})])
    assert "entry #4:" in run_verify()


def test_a_deleted_middle_row_is_caught(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM eyt_audit_auditentry WHERE sequence = 3")
    assert "entry #3: is missing (found #4 after #2)" in run_verify()


def test_an_inserted_row_is_caught(trail):
    forged = AuditEntry.objects.values().get(sequence=6)
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_chainhead SET sequence = 7")
        cursor.execute(
            "INSERT INTO eyt_audit_auditentry (sequence, created_at, action, outcome, actor_pk, actor_repr, "
            "target_type, target_pk, target_repr, changes, metadata, request_id, user_agent, context, chain) "
            "VALUES (7, %s, 'payments.refunded', 'success', '', '', '', '', '', '{}', '{}', '', '', '{}', %s)",
            [forged["created_at"], forged["chain"]],
        )
    assert "entry #7: its chain value does not match" in run_verify()


@pytest.mark.parametrize("head", ["left alone", "deleted"])
def test_a_row_inserted_beyond_the_head_is_caught(trail, head):
    forged = AuditEntry.objects.values().get(sequence=6)
    with tampering() as cursor:
        if head == "deleted":
            cursor.execute("DELETE FROM eyt_audit_chainhead")
        cursor.execute(
            "INSERT INTO eyt_audit_auditentry (sequence, created_at, action, outcome, actor_pk, actor_repr, "
            "target_type, target_pk, target_repr, changes, metadata, request_id, user_agent, context, chain) "
            "VALUES (1000, %s, 'payments.refunded', 'success', '', '', '', '', '', '{}', '{}', '', '', '{}', 'x')",
            [forged["created_at"]],
        )
    first = 1000 if head == "left alone" else 1
    assert f"entry #{first}: lies beyond the chain head: it was inserted without an append" in run_verify()


def test_two_swapped_rows_are_caught(trail):
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_auditentry SET sequence = -2 WHERE sequence = 2")
        cursor.execute("UPDATE eyt_audit_auditentry SET sequence = 2 WHERE sequence = 5")
        cursor.execute("UPDATE eyt_audit_auditentry SET sequence = 5 WHERE sequence = -2")
    assert "entry #2: its chain value does not match" in run_verify()


def test_a_cut_tail_is_caught_by_the_chain_head(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM eyt_audit_auditentry WHERE sequence > 4")
    assert "entry #5: is missing: the chain head is at #6" in run_verify()


def test_a_cut_tail_with_a_reset_head_is_caught_by_a_checkpoint(trail, tmp_path):
    checkpoint = tmp_path / "head.json"
    call_command("eyt_audit_checkpoint", "--output", str(checkpoint))
    kept = AuditEntry.objects.get(sequence=4)
    with tampering() as cursor:
        cursor.execute("DELETE FROM eyt_audit_auditentry WHERE sequence > 4")
        cursor.execute("UPDATE eyt_audit_chainhead SET sequence = 4, chain = %s", [kept.chain])
    assert verify().ok  # without the checkpoint, the cut is invisible
    message = run_verify("--checkpoint", str(checkpoint))
    assert "a checkpoint was exported at #6 but the trail ends at #4 (tail cut)" in message


def test_a_checkpoint_matches_an_intact_chain(trail, tmp_path, capsys):
    checkpoint = tmp_path / "head.json"
    call_command("eyt_audit_checkpoint", "-o", str(checkpoint))
    record("tests.later")
    call_command("eyt_audit_verify", "--no-record", "--checkpoint", str(checkpoint))
    assert "1 checkpoint(s) matched" in capsys.readouterr().out


def test_the_checkpoint_goes_to_stdout_by_default(trail, capsys):
    call_command("eyt_audit_checkpoint")
    data = json.loads(capsys.readouterr().out)
    assert data["sequence"] == 6 and data["chain"] == AuditEntry.objects.get(sequence=6).chain


def test_a_forged_checkpoint_is_refused(trail, tmp_path):
    call_command("eyt_audit_checkpoint", "-o", str(tmp_path / "head.json"))
    data = json.loads((tmp_path / "head.json").read_text())
    data["sequence"] = 3
    (tmp_path / "forged.json").write_text(json.dumps(data))
    with pytest.raises(CommandError, match="signature of the checkpoint at #3 does not match"):
        call_command("eyt_audit_verify", "--checkpoint", str(tmp_path / "forged.json"))
    with pytest.raises(CommandError, match="cannot read checkpoint"):
        call_command("eyt_audit_verify", "--checkpoint", str(tmp_path / "missing.json"))


def test_verify_records_a_failure_for_the_admin(trail):
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_auditentry SET action = 'tests.other' WHERE sequence = 2")
    with pytest.raises(CommandError):
        call_command("eyt_audit_verify")
    verified = AuditEntry.objects.get(action="eyt_audit.verified")
    assert verified.outcome == "failure" and "entry #2" in verified.metadata["problem"]


def age(sequences, days):
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE eyt_audit_auditentry SET created_at = %s WHERE sequence IN ({','.join(map(str, sequences))})",
            [dt.datetime.now(dt.UTC) - dt.timedelta(days=days)],
        )


def resign_all():
    """Old-looking entries need valid chain values: rebuild the trail with the key, as a fixture would."""
    from eyt_audit import ledger

    rows = list(AuditEntry.objects.order_by("sequence").values(*[f for f in ledger.ENTRY_FIELDS if f != "sequence"]))
    with tampering() as cursor:
        cursor.execute("DELETE FROM eyt_audit_auditentry")
        cursor.execute("UPDATE eyt_audit_chainhead SET sequence = 0, chain = ''")
    ledger.append(rows, "default")


def test_prune_removes_old_entries_and_the_rest_still_verifies(trail, capsys):
    age([1, 2, 3], days=400)
    resign_all()
    assert verify().ok
    call_command("eyt_audit_prune", "--before", (dt.date.today() - dt.timedelta(days=380)).isoformat())
    assert "removed 3 entries, up to #3" in capsys.readouterr().out
    assert list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == [4, 5, 6, 7]
    pruned = AuditEntry.objects.get(action="eyt_audit.pruned")
    assert pruned.metadata["through_sequence"] == 3
    report = verify()
    assert report.ok and report.first == 4 and "entries up to #3 were pruned" in report.notes
    record("tests.after_prune")
    assert verify().ok


@override_settings(USE_TZ=False, TIME_ZONE="Europe/Berlin", EYT_AUDIT_MIN_RETENTION_DAYS=0)
def test_prune_with_use_tz_off_reads_the_date_as_a_utc_day(capsys):
    # Berlin's wall clock: 00:30 on Jan 2 is 23:30 UTC on Jan 1, 01:30 is 00:30 UTC on Jan 2
    for when in (dt.datetime(2026, 1, 2, 0, 30), dt.datetime(2026, 1, 2, 1, 30)):
        with mock.patch("django.utils.timezone.now", return_value=when):
            record("tests.step", metadata={"at": when.isoformat()})
    call_command("eyt_audit_prune", "--before", "2026-01-02")
    assert "removed 1 entries, up to #1" in capsys.readouterr().out
    assert verify().ok


@override_settings(USE_TZ=False, TIME_ZONE="Europe/Berlin")
def test_a_checkpoint_time_is_utc_also_with_use_tz_off(trail, capsys):
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2026, 7, 1, 12, 0)):
        call_command("eyt_audit_checkpoint")
    assert json.loads(capsys.readouterr().out)["created_at"] == "2026-07-01T10:00:00.000000+00:00"


def test_deleting_the_oldest_entries_without_prune_is_caught(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM eyt_audit_auditentry WHERE sequence <= 2")
    assert "entry #1: entries #1 to #2 are missing and no prune record accounts for them" in run_verify()


def test_prune_refuses_to_cut_into_the_retention_period(trail):
    with pytest.raises(CommandError, match="EYT_AUDIT_MIN_RETENTION_DAYS"):
        call_command("eyt_audit_prune", "--before", dt.date.today().isoformat())
    with pytest.raises(CommandError, match="must be a date"):
        call_command("eyt_audit_prune", "--before", "last year")
    with pytest.raises(CommandError, match="must be a date"):
        call_command("eyt_audit_prune", "--before", "2025-02-30")
    assert AuditEntry.objects.count() == 6


@override_settings(EYT_AUDIT_MIN_RETENTION_DAYS=30)
def test_prune_dry_run_removes_nothing(trail, capsys):
    age([1, 2], days=40)
    call_command("eyt_audit_prune", "--before", (dt.date.today() - dt.timedelta(days=35)).isoformat(), "--dry-run")
    assert "would remove 2 entries, up to #2" in capsys.readouterr().out
    assert AuditEntry.objects.count() == 6
