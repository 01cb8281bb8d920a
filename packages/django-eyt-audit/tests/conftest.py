from contextlib import contextmanager

import pytest
from django.db import connection

from eyt_audit import register, security_store
from eyt_audit.limits.signals import security_event_reported
from eyt_audit.models import AuditEntry
from eyt_audit.security import forward_limits_event
from eyt_audit.tracking import unregister
from tests.testapp.models import Gadget, Widget


@pytest.fixture(autouse=True)
def _security_event_storage(request):
    """Security events are stored on a connection of the package's own. A test without database access does not
    store the limits' events (pytest-django blocks the database, so storing could only log that it failed); every
    other test closes that connection at its end, so the test database can be dropped."""
    if request.node.get_closest_marker("django_db") is None and "_django_db_helper" not in request.fixturenames:
        security_event_reported.disconnect(forward_limits_event, dispatch_uid="eyt_audit.security_events")
        yield
        security_event_reported.connect(forward_limits_event, dispatch_uid="eyt_audit.security_events")
        return
    yield
    security_store.close_all()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="ada", password="pw-ada")


@pytest.fixture
def tracked_models():
    register(Widget)
    register(Gadget, exclude=["notes"], mask=["pin"])
    yield
    unregister(Widget)
    unregister(Gadget)


@contextmanager
def tampering():
    """Raw SQL on the entries table as an attacker with database access would run it (the PostgreSQL trigger
    is switched off for the block, as the table owner can)."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER eyt_audit_append_only")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER eyt_audit_append_only")


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("sequence"))
