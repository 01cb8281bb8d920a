import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eyt_notify import notify
from eyt_notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db
NOTIFICATIONS = "/admin/eyt_notify/notification/"
DELIVERIES = "/admin/eyt_notify/delivery/"


@pytest.fixture
def sent(user):
    first = notify(user, "match.starting", title="Kick-off", channels=["inapp"]).notification
    second = notify(user, "team.invite", title="Join us", channels=["inapp"]).notification
    return first, second


def statements(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"].upper() for query in queries]


@pytest.mark.parametrize(
    "url",
    [
        NOTIFICATIONS,
        NOTIFICATIONS + "?_facets=True",
        NOTIFICATIONS + "?notification_type=team.invite",
        NOTIFICATIONS + "?o=3",
        DELIVERIES,
        DELIVERIES + "?_facets=True",
        DELIVERIES + "?channel=inapp",
        DELIVERIES + "?o=2",
    ],
)
def test_the_lists_never_count_scan_or_sort_every_row(admin_client, sent, url):
    """Millions of notifications and deliveries: counts stop at 10,001, the type, category and channel filters list
    the registered types' values (no DISTINCT over the table), no facet counts, and newest first by the key."""
    response, sql = statements(admin_client, url)
    assert all("LIMIT 10001" in statement for statement in sql if "COUNT(" in statement)
    assert not [statement for statement in sql if "DISTINCT" in statement]
    orders = [
        statement.split("ORDER BY")[1] for statement in sql if "COUNT(" not in statement and "ORDER BY" in statement
    ]
    newest_first = f"{connection.ops.quote_name('id').upper()} DESC"
    assert orders and all(order.split(" LIMIT")[0].endswith(newest_first) for order in orders)
    assert not [order for order in orders if "CREATED_AT" in order or "TITLE" in order or "CHANNEL" in order]


def test_the_filters_list_the_registered_types(admin_client, sent):
    first, second = sent
    response, _sql = statements(admin_client, NOTIFICATIONS + "?notification_type=team.invite")
    assert list(response.context["cl"].result_list) == [second]
    assert b"?notification_type=match.starting" in response.content
    assert b"?category=matches" in response.content
    response, _sql = statements(admin_client, DELIVERIES + "?channel=inapp")
    assert list(response.context["cl"].result_list) == list(Delivery.objects.order_by("-pk"))
    assert b"?channel=memory" in response.content


def test_the_notification_list_is_newest_first(admin_client, sent):
    response, _sql = statements(admin_client, NOTIFICATIONS)
    assert list(response.context["cl"].result_list) == list(Notification.objects.order_by("-pk"))
