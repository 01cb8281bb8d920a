import json

import pytest

from eyt_audit import audit_context, record
from eyt_audit.compat import task
from eyt_audit.context import Actor, current, restored, snapshot


def test_no_context_outside_any_block():
    assert current() is None
    assert snapshot() is None


def test_audit_context_names_actor_and_reason(user):
    with audit_context(actor=user, reason="chargeback review", ticket="T-1"):
        context = current()
        assert context.actor == Actor(pk=str(user.pk), repr="ada")
        assert context.reason == "chargeback review"
        assert context.extra == {"ticket": "T-1"}
    assert current() is None


def test_nested_blocks_inherit_what_they_do_not_override(user):
    with audit_context(actor=user, reason="outer", a=1):
        with audit_context(reason="inner", b=2):
            context = current()
            assert context.actor.pk == str(user.pk)
            assert context.reason == "inner"
            assert context.extra == {"a": 1, "b": 2}
        assert current().reason == "outer"


def test_snapshot_is_json_safe_and_restores_the_same_context(user):
    with audit_context(actor=user, reason="refund"):
        data = snapshot()
    assert json.loads(json.dumps(data)) == data
    with restored(data) as context:
        assert context.actor == Actor(pk=str(user.pk), repr="ada")
        assert context.reason == "refund"
    assert current() is None


def test_restored_none_keeps_the_current_context(user):
    with audit_context(actor=user), restored(None) as context:
        assert context.actor.pk == str(user.pk)


def test_anonymous_user_is_no_actor(rf):
    from django.contrib.auth.models import AnonymousUser

    with audit_context(actor=AnonymousUser()):
        assert current().resolved_actor() is None


@task
def refund_task(payment_id: int, audit: dict | None = None) -> int:
    with restored(audit):
        entry = record("payments.refunded", metadata={"payment": payment_id})
    return entry.sequence


@pytest.mark.django_db(transaction=True)
def test_a_task_records_the_actor_who_enqueued_it(user):
    from eyt_audit.models import AuditEntry

    with audit_context(actor=user, reason="customer asked"):
        argument = snapshot()  # taken when enqueuing; the worker runs with no context of its own
    assert current() is None
    with_context = AuditEntry.objects.get(sequence=refund_task.enqueue(42, audit=argument).return_value)
    without = AuditEntry.objects.get(sequence=refund_task.enqueue(43).return_value)
    assert (with_context.actor_pk, with_context.actor_repr) == (str(user.pk), "ada")
    assert with_context.context["reason"] == "customer asked"
    assert with_context.metadata == {"payment": 42}
    assert (without.actor_pk, without.context) == ("", {})
