import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eyt_audit import audit_context, record
from eyt_audit.admin import CappedPaginator
from eyt_audit.models import AuditEntry
from tests.conftest import tampering
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db
URL = "/admin/eyt_audit/auditentry/"


@pytest.fixture
def staff(admin_client, admin_user):
    widget = Widget.objects.create(name="Arena pass")
    with audit_context(actor=admin_user):
        record("payments.refunded", widget, outcome="failure")
    record("payments.intent_created", widget)
    record("notify.preferences_changed")
    return admin_client


def listed(response):
    return [entry.sequence for entry in response.context["cl"].result_list]


def test_the_list_shows_entries_newest_first_without_counting_the_table(staff):
    with CaptureQueriesContext(connection) as queries:
        response = staff.get(URL)
    assert response.status_code == 200
    assert listed(response) == [3, 2, 1]
    assert response.context["cl"].result_count == 3
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]
    assert b"Chain head: #3" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=payments.", [2, 1]),
        ("action=payments.refunded", [1]),
        ("outcome=failure", [1]),
        ("target_type=testapp.widget", [2, 1]),
        ("q=notify.preferences_changed", [3]),
        ("q=2", [2]),
    ],
)
def test_filters_and_exact_search(staff, query, expected):
    assert listed(staff.get(f"{URL}?{query}")) == expected


def test_filter_by_actor(staff, admin_user):
    assert listed(staff.get(f"{URL}?actor={admin_user.pk}")) == [1]


@pytest.mark.parametrize("query", ["", "?_facets=True", "?outcome=failure", "?o=3", "?o=-6", "?o=4.3"])
def test_no_page_reads_or_sorts_every_entry(staff, query):
    """A million entries: the outcome filter lists the model's outcomes (no DISTINCT over the trail), facet counts
    are off, and only indexed columns sort."""
    with CaptureQueriesContext(connection) as queries:
        response = staff.get(URL + query)
    assert response.status_code == 200
    sql = [query["sql"].upper() for query in queries]
    assert not [statement for statement in sql if "DISTINCT" in statement]
    assert all("LIMIT" in statement for statement in sql if "COUNT(" in statement)
    quote = connection.ops.quote_name
    unindexed = (f"{quote('OUTCOME')} ASC", f"{quote('IP_ADDRESS')} DESC", f"{quote('ACTOR_REPR')} ASC")
    assert not [statement for statement in sql if any(order in statement for order in unindexed)]
    assert b"failure" in response.content  # the outcome filter's choices


def test_indexed_columns_still_sort(staff):
    assert listed(staff.get(f"{URL}?o=0")) == [1, 2, 3]


def test_a_filtered_count_stops_at_the_cap(staff, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 1)
    response = staff.get(f"{URL}?action=payments.")
    assert response.context["cl"].result_count == 2  # cap + 1: "more than one"


def test_the_admin_is_read_only(staff):
    assert staff.get(f"{URL}add/").status_code == 403
    assert staff.post(f"{URL}1/delete/").status_code == 403
    page = staff.get(f"{URL}1/change/")
    assert page.status_code == 200
    assert b"intact: matches its content" in page.content
    assert b'name="action"' not in page.content


def test_the_detail_page_shows_a_broken_link(staff):
    with tampering() as cursor:
        cursor.execute("UPDATE eyt_audit_auditentry SET outcome = 'success' WHERE sequence = 1")
    assert b"BROKEN" in staff.get(f"{URL}1/change/").content


def test_the_list_shows_the_last_verification(staff):
    from django.core.management import call_command

    call_command("eyt_audit_verify")
    assert b"intact." in staff.get(URL).content
    assert AuditEntry.objects.filter(action="eyt_audit.verified").count() == 1


# --- security events ----------------------------------------------------------------------------------------------

EVENTS_URL = "/admin/eyt_audit/securityevent/"


@pytest.fixture
def events_staff(admin_client):
    import datetime as dt

    from eyt_audit.models import SecurityEvent

    SecurityEvent.objects.all().delete()
    when = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    rows = [
        ("login_failed", "warning", "ada", "203.0.113.7", 1000),
        ("lockout", "error", "ada", "203.0.113.7", 1),
        ("shop.coupon_abuse", "error", "", "198.51.100.1", 3),
    ]
    for number, (event_type, severity, username, ip, count) in enumerate(rows):
        SecurityEvent.objects.create(
            event_type=event_type,
            severity=severity,
            username=username,
            ip_address=ip,
            count=count,
            first_seen=when,
            last_seen=when,
            key=str(number),
            window_start=when,
            request_id=f"req-{number}",
        )
    return admin_client


def listed_events(response):
    return [(event.event_type, event.count) for event in response.context["cl"].result_list]


def test_security_events_are_listed_newest_first_with_a_capped_count(events_staff):
    with CaptureQueriesContext(connection) as queries:
        response = events_staff.get(EVENTS_URL)
    assert response.status_code == 200
    assert listed_events(response) == [("shop.coupon_abuse", 3), ("lockout", 1), ("login_failed", 1000)]
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts and all("LIMIT 10001" in sql for sql in counts)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?event_type=lockout", [("lockout", 1)]),
        ("?type=shop.coupon_abuse", [("shop.coupon_abuse", 3)]),
        ("?severity__exact=error", [("shop.coupon_abuse", 3), ("lockout", 1)]),
        ("?q=ada", [("lockout", 1), ("login_failed", 1000)]),
        ("?q=198.51.100.1", [("shop.coupon_abuse", 3)]),
        ("?q=req-0", [("login_failed", 1000)]),
        ("?q=nobody", []),
        ("?first_seen__gte=2026-03-02+00%3A00%3A00%2B00%3A00", []),
        (
            "?first_seen__gte=2026-03-01+00%3A00%3A00%2B00%3A00&first_seen__lt=2026-03-02+00%3A00%3A00%2B00%3A00",
            [("shop.coupon_abuse", 3), ("lockout", 1), ("login_failed", 1000)],
        ),
    ],
)
def test_security_event_filters_and_exact_search(events_staff, query, expected):
    response = events_staff.get(EVENTS_URL + query)
    assert response.status_code == 200
    assert listed_events(response) == expected


def test_security_events_show_no_facet_counts(events_staff):
    with CaptureQueriesContext(connection) as queries:
        response = events_staff.get(EVENTS_URL + "?_facets=True")
    assert response.status_code == 200
    assert all("LIMIT 10001" in query["sql"] for query in queries if "COUNT(" in query["sql"].upper())


def test_security_events_are_read_only(events_staff):
    from eyt_audit.models import SecurityEvent

    event = SecurityEvent.objects.get(event_type="lockout")
    assert events_staff.get(EVENTS_URL + "add/").status_code == 403
    assert events_staff.post(f"{EVENTS_URL}{event.pk}/delete/").status_code == 403
    detail = events_staff.get(f"{EVENTS_URL}{event.pk}/change/")
    assert detail.status_code == 200 and b"Save" not in detail.content


def test_the_target_type_filter_reads_an_index():
    assert AuditEntry._meta.get_field("target_type").db_index
