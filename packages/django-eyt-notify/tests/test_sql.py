"""The PostgreSQL fan-out: the database builds notification and delivery rows in one statement."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eyt_notify import notify
from eyt_notify.models import Delivery, Notification
from eyt_notify.preferences import set_preference

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def statements(queries):
    """The statements of the block, without the savepoint of ``notify()``'s atomic block inside the test's."""
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_queryset_fans_out_in_one_statement_with_preferences_applied(make_user):
    users = [make_user() for _ in range(6)]
    set_preference(users[0], "email", False, category="matches")
    set_preference(users[1], "memory", True, notification_type="match.starting")
    with CaptureQueriesContext(connection) as queries:
        result = notify(
            get_user_model().objects.all(), "match.starting", title="Final", message="", context={"match": "EYT"}
        )
    [statement] = statements(queries)
    assert statement.startswith("WITH ins AS (INSERT INTO")
    assert (result.created, result.deliveries) == (6, 6)
    pairs = set(Delivery.objects.values_list("notification__recipient_id", "channel"))
    assert pairs == {(u.pk, "email") for u in users[1:]} | {(users[1].pk, "memory")}
    n = Notification.objects.get(recipient=users[2])
    assert (n.title, n.priority, n.context, n.read_at) == ("Final", "high", {"match": "EYT"}, None)
    assert Delivery.objects.filter(status="pending").count() == 6


def test_inapp_only_is_a_single_insert_select(make_user):
    for _ in range(4):
        make_user()
    with CaptureQueriesContext(connection) as queries:
        result = notify(get_user_model().objects.all(), "system.notice", title="x", message="")
    [statement] = statements(queries)
    assert statement.startswith("WITH ins AS (INSERT INTO")  # returns the new ids' range, not a row per recipient
    assert "eyt_notify_delivery" not in statement
    assert result.created == 4


def test_a_list_of_users_is_one_statement_per_chunk(make_user, settings):
    settings.EYT_NOTIFY_BATCH_SIZE = 3
    users = [make_user() for _ in range(7)]
    with CaptureQueriesContext(connection) as queries:
        result = notify(users, "match.starting", title="x", message="")
    assert len(statements(queries)) == 3
    assert (result.created, result.deliveries) == (7, 7)


def test_idempotency_key_on_conflict_creates_only_the_missing(make_user):
    users = [make_user() for _ in range(3)]
    notify(users[0], "match.starting", title="x", idempotency_key="k")
    result = notify(get_user_model().objects.all(), "match.starting", title="x", idempotency_key="k")
    assert (result.created, result.deliveries) == (2, 2)
    assert Notification.objects.count() == 3
    assert Delivery.objects.count() == 3
