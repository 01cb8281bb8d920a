from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from eyt_audit import audit_context, register
from eyt_audit.models import AuditEntry
from eyt_audit.tracking import is_registered, tracked, unregister
from eyt_audit.verification import verify
from tests.conftest import entries
from tests.testapp.models import Gadget, Widget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tracked_models")]


def test_create_update_delete_are_recorded_with_field_changes(user):
    with audit_context(actor=user):
        widget = Widget.objects.create(name="Pass", price=Decimal("5.00"))
        widget.price = Decimal("7.50")
        widget.save()
        pk = widget.pk
        widget.delete()
    created, updated, deleted = entries()
    assert created.action == "testapp.widget.created"
    assert created.changes == {"name": [None, "Pass"], "price": [None, "5.00"], "secret_token": "[masked]"}
    assert (updated.action, updated.changes) == ("testapp.widget.updated", {"price": ["5.00", "7.50"]})
    assert deleted.action == "testapp.widget.deleted"
    assert deleted.changes["price"] == ["7.50", None]
    assert {entry.target_pk for entry in (created, updated, deleted)} == {str(pk)}
    assert {entry.actor_repr for entry in (created, updated, deleted)} == {"ada"}
    assert verify().ok


def test_a_save_costs_no_select_only_the_entry(django_assert_num_queries):
    widget = Widget.objects.create(name="Pass")
    widget = Widget.objects.get(pk=widget.pk)
    widget.name = "Season pass"
    with CaptureQueriesContext(connection) as queries:
        widget.save()
    statements = [query["sql"].split()[0].upper() for query in queries]
    if _claims_with_returning():
        assert "SELECT" not in statements
    else:  # MariaDB: the chain head is read after the UPDATE that locks it; the widget's old row never is
        assert statements.count("SELECT") == 1 and "eyt_audit_chainhead" in queries[statements.index("SELECT")]["sql"]
    if connection.vendor == "postgresql":
        # the UPDATE, then one statement: a savepoint, the head moved on and the entry inserted
        assert len(statements) == 2
        assert statements[0] == "UPDATE"
        assert "INSERT INTO" in queries[1]["sql"] and queries[1]["sql"].startswith("SAVEPOINT")
    else:
        assert statements.count("UPDATE") >= 2
    assert entries(action="testapp.widget.updated")[0].changes == {"name": ["Pass", "Season pass"]}


def test_a_no_op_save_writes_no_entry_and_costs_exactly_the_untracked_query(django_assert_num_queries):
    widget = Widget.objects.create(name="Pass")
    before = AuditEntry.objects.count()
    with django_assert_num_queries(1):
        widget.save()
    assert AuditEntry.objects.count() == before


def test_masked_fields_record_the_change_never_the_values():
    gadget = Gadget.objects.create(name="pad", pin="1234")
    gadget.pin = "9999"
    gadget.save()
    updated = entries(action="testapp.gadget.updated")[0]
    assert updated.changes == {"pin": "[masked]"}
    assert "1234" not in str(entries()) and "9999" not in str([e.changes for e in entries()])


def test_excluded_and_auto_now_fields_are_not_tracked():
    gadget = Gadget.objects.create(name="pad")
    gadget.notes = "excluded"
    gadget.save()
    assert entries(action="testapp.gadget.updated") == []
    assert set(entries(action="testapp.gadget.created")[0].changes) == {"name", "owner", "data", "pin"}


def test_update_fields_limit_what_is_compared_and_remembered():
    widget = Widget.objects.create(name="Pass", price=Decimal("1.00"))
    widget.name = "Renamed"
    widget.price = Decimal("2.00")
    widget.save(update_fields=["name"])
    assert entries(action="testapp.widget.updated")[0].changes == {"name": ["Pass", "Renamed"]}
    widget.save()  # the price change was not saved yet, so it is still a change
    assert entries(action="testapp.widget.updated")[1].changes == {"price": ["1.00", "2.00"]}


def test_json_mutated_in_place_is_seen_as_a_change():
    gadget = Gadget.objects.create(name="pad", data={"level": 1})
    gadget.data["level"] = 2
    gadget.save()
    assert entries(action="testapp.gadget.updated")[0].changes == {"data": [{"level": 1}, {"level": 2}]}


def test_foreign_keys_are_recorded_by_id(user):
    gadget = Gadget.objects.create(name="pad")
    gadget.owner = user
    gadget.save()
    assert entries(action="testapp.gadget.updated")[0].changes == {"owner": [None, user.pk]}


def _claims_with_returning():
    return connection.vendor in ("postgresql", "sqlite")


def test_refresh_from_db_renews_the_remembered_values():
    widget = Widget.objects.create(name="Pass")
    Widget.objects.filter(pk=widget.pk).update(name="Changed elsewhere")
    widget.refresh_from_db()
    widget.save()
    assert entries(action="testapp.widget.updated") == []


def test_a_tracked_save_rolled_back_leaves_no_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        Widget.objects.create(name="Pass")
        raise RuntimeError
    assert not AuditEntry.objects.exists()


def test_queryset_delete_is_tracked_through_signals():
    Widget.objects.create(name="a")
    Widget.objects.create(name="b")
    Widget.objects.all().delete()
    assert len(entries(action="testapp.widget.deleted")) == 2


def test_bad_field_names_are_refused_by_name():
    with pytest.raises(ValueError, match="has no field colour"):
        register(Widget, fields=["name", "colour"])
    with pytest.raises(TypeError, match="list of field names"):
        register(Widget, mask="name")


def test_fields_option_limits_tracking():
    register(Widget, fields=["price"])
    widget = Widget.objects.create(name="Pass", price=Decimal("1.00"))
    widget.name = "Other"
    widget.save()
    assert entries(action="testapp.widget.created")[0].changes == {"price": [None, "1.00"]}
    assert entries(action="testapp.widget.updated") == []


def test_unregister_restores_the_model():
    unregister(Widget)
    assert not is_registered(Widget)
    assert "save_base" not in Widget.__dict__
    Widget.objects.create(name="untracked")
    assert not AuditEntry.objects.exists()


def test_recorded_values_are_in_the_form_the_database_stores(user):
    widget = Widget.objects.create(name="Pass", price=5)
    widget.refresh_from_db()
    widget.price = 6
    widget.save()
    widget.price = 2.5
    widget.save()
    created, first, second = entries(target_pk=str(widget.pk))
    assert created.changes["price"] == [None, "5.00"]
    assert first.changes == {"price": ["5.00", "6.00"]}
    assert second.changes == {"price": ["6.00", "2.50"]}
    gadget = Gadget.objects.create(name="pad", owner_id=str(user.pk))
    assert entries(action="testapp.gadget.created")[0].changes["owner"] == [None, user.pk]
    gadget.owner_id = user.pk
    gadget.save()
    assert entries(action="testapp.gadget.updated") == []
    assert verify().ok


@pytest.mark.parametrize("value", ["5.00", "5", 5, 5.0, Decimal("5.000"), Decimal("5.001")])
def test_a_value_stored_as_the_loaded_one_is_no_change(value, django_assert_num_queries):
    widget = Widget.objects.create(name="Pass", price=Decimal("5.00"))
    widget = Widget.objects.get(pk=widget.pk)
    widget.price = value
    with django_assert_num_queries(1):
        widget.save()
    assert entries(action="testapp.widget.updated") == []


def test_decimals_are_rounded_half_away_from_zero_as_postgresql_stores_them():
    widget = Widget.objects.create(name="Pass", price=Decimal("0.125"))
    widget.price = Decimal("-0.125")
    widget.save()
    assert entries(action="testapp.widget.updated")[0].changes == {"price": ["0.13", "-0.13"]}


def test_a_value_the_field_refuses_is_recorded_as_it_is():
    widget = Widget(name="Pass", price=Decimal("1.00"))
    config = tracked(Widget)
    assert config.snapshot(widget, created=True)["price"] == [None, "1.00"]
    widget.price = "not a number"
    assert config.snapshot(widget, created=True)["price"] == [None, "not a number"]
