from decimal import Decimal

import pytest
from django.db.models import F

from eyt_audit import bulk
from eyt_audit.verification import verify
from tests.conftest import entries
from tests.testapp.models import Widget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tracked_models")]


def test_bulk_create_records_one_entry_per_object():
    created = bulk.bulk_create([Widget(name="a"), Widget(name="b")])
    recorded = entries(action="testapp.widget.created")
    assert [entry.target_pk for entry in recorded] == [str(widget.pk) for widget in created]
    assert recorded[1].changes["name"] == [None, "b"]
    assert verify().ok


def test_bulk_update_records_only_objects_that_changed():
    a, b = bulk.bulk_create([Widget(name="a", price=Decimal("0.00")), Widget(name="b", price=Decimal("0.00"))])
    a.price = Decimal("3.00")
    assert bulk.bulk_update([a, b], ["price"]) == 2
    updated = entries(action="testapp.widget.updated")
    assert [(entry.target_pk, entry.changes) for entry in updated] == [(str(a.pk), {"price": ["0.00", "3.00"]})]


def test_queryset_update_records_the_values_expressions_produced():
    a, b = bulk.bulk_create([Widget(name="a", price=Decimal("5.00")), Widget(name="b", price=Decimal("0.00"))])
    assert bulk.update(Widget.objects.filter(name="a"), price=F("price") - 1) == 1
    (updated,) = entries(action="testapp.widget.updated")
    assert (updated.target_pk, updated.changes) == (str(a.pk), {"price": ["5.00", "4.00"]})
    assert verify().ok


def test_plain_bulk_writes_are_not_seen_which_is_why_the_bulk_path_exists():
    Widget.objects.bulk_create([Widget(name="a")])
    Widget.objects.update(name="b")
    assert entries() == []


def test_bulk_values_are_recorded_in_the_form_the_database_stores():
    a, b = bulk.bulk_create([Widget(name="a", price=0), Widget(name="b", price=Decimal("1.00"))])
    assert entries(action="testapp.widget.created")[0].changes["price"] == [None, "0.00"]
    a.price, b.price = 3, "1.00"
    bulk.bulk_update([a, b], ["price"])
    updated = entries(action="testapp.widget.updated")
    assert [(entry.target_pk, entry.changes) for entry in updated] == [(str(a.pk), {"price": ["0.00", "3.00"]})]
