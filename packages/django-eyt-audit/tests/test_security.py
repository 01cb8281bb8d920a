import datetime as dt
import logging
import threading

import pytest
from django.db import connection, transaction
from django.test import RequestFactory, override_settings

from eyt_audit import audit_context, security_event, security_store
from eyt_audit.context import bind
from eyt_audit.limits import events, lockout
from eyt_audit.middleware import context_for
from eyt_audit.models import SecurityEvent
from eyt_audit.security import build_event, store
from eyt_audit.signals import security_event_recorded
from eyt_testing.plugin import SERVERS
from tests import limits_support
from tests.testapp.models import Widget

counters = limits_support.counters

pytestmark = pytest.mark.django_db(transaction=True)

#: A window so long that no test run straddles two of them (they start at multiples of 10**9 s since 1970).
ONE_WINDOW = override_settings(EYT_AUDIT_SECURITY_AGGREGATE_SECONDS=10**9)


@pytest.fixture(autouse=True)
def no_events_yet():
    """Events are committed outside the test's transaction; start from none."""
    SecurityEvent.objects.all().delete()


def login_request(ip="203.0.113.7", **extra):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip, HTTP_USER_AGENT="curl/8\r\nX: y", **extra)


def test_an_event_is_stamped_with_the_request():
    request = login_request()
    with bind(context_for(request)):
        event = security_event("login_failed", username=" Ada\n", request=request, metadata={"attempt": 3})
    stored = SecurityEvent.objects.get()
    assert (event.pk, event.count, stored.count) == (stored.pk, 1, 1)
    assert (stored.event_type, stored.severity, stored.username) == ("login_failed", "warning", "Ada")
    assert (stored.ip_address, stored.path, stored.method) == ("203.0.113.7", "/accounts/login/", "POST")
    assert stored.user_agent == "curl/8  X: y"
    assert stored.request_id == request.audit_request_id
    assert len(stored.request_id) == 32
    assert stored.metadata == {"attempt": 3}
    assert stored.first_seen == stored.last_seen == event.first_seen


def test_the_actor_comes_from_the_request_user_or_the_audit_context(user):
    request = login_request()
    request.user = user
    assert security_event("permission_denied", request=request).actor_pk == str(user.pk)
    with audit_context(actor=user, reason="nightly job"):
        event = security_event("webhook_signature_invalid", metadata={"endpoint": "stripe"})
    assert (event.actor_pk, event.actor_repr, event.ip_address, event.path) == (str(user.pk), "ada", None, "")


def test_secrets_never_reach_the_row_or_the_log(caplog):
    with caplog.at_level(logging.INFO, logger="eyt_audit.security"):
        event = security_event("login_failed", username="ada", metadata={"password": "hunter2", "api_key": "k"})
    assert event.metadata == {"password": "[masked]", "api_key": "[masked]"}
    assert "hunter2" not in caplog.text
    assert '"k"' not in caplog.text


def test_one_log_line_per_event_at_its_severity_without_cr_or_lf(caplog):
    request = login_request()
    with caplog.at_level(logging.INFO, logger="eyt_audit.security"):
        security_event("lockout", severity="critical", username="ada\r\nINFO forged", request=request)
    [record] = caplog.records
    assert (record.name, record.levelno) == ("eyt_audit.security", logging.CRITICAL)
    message = record.getMessage()
    assert "\r" not in message
    assert "\n" not in message
    assert message.startswith('security event lockout username="ada  INFO forged" actor=- ip=203.0.113.7 ')


def test_the_log_line_shows_missing_values_as_a_dash(caplog):
    with caplog.at_level(logging.INFO, logger="eyt_audit.security"):
        security_event("webhook_signature_invalid", username="-")
        events.report(events.UNLOCK, severity="info", metadata={"by": "cli"})
    stored, reported = (record.getMessage() for record in caplog.records)
    assert 'username="-" actor=- ip=- path=- request_id=- ' in stored
    assert "username=- ip=- path=- " in reported


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"event_type": "Login Failed"}, "event_type must be a lower-case name"),
        ({"event_type": ""}, "event_type must be a lower-case name"),
        ({"event_type": "x" * 65}, "event_type must be a lower-case name"),
        ({"event_type": "login_failed", "severity": "loud"}, "severity must be one of debug, info, warning"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(kwargs, error):
    with pytest.raises(ValueError, match=error):
        security_event(**kwargs)
    assert not SecurityEvent.objects.exists()


def test_a_host_may_use_its_own_event_types(client):
    response = client.get("/coupon-abuse/")
    event = SecurityEvent.objects.get(event_type="shop.coupon_abuse")
    assert response.json() == {"id": event.pk}
    assert (event.severity, event.path, event.method) == ("error", "/coupon-abuse/", "GET")
    assert event.request_id == response.headers["X-Request-ID"]


def test_the_signal_says_whether_the_window_is_new():
    received = []

    def receiver(sender, event, created, **kwargs):
        received.append((event.event_type, event.count, created))

    security_event_recorded.connect(receiver, dispatch_uid="eyt-test-recorded")
    try:
        with ONE_WINDOW:
            security_event("rate_limited", request=login_request())
            security_event("rate_limited", request=login_request())
    finally:
        security_event_recorded.disconnect(dispatch_uid="eyt-test-recorded")
    assert received == [("rate_limited", 1, True), ("rate_limited", 2, False)]


def test_a_failure_to_store_is_logged_and_the_caller_goes_on(caplog):
    with override_settings(EYT_AUDIT_SECURITY_DATABASE="nowhere"), caplog.at_level(logging.ERROR, logger="eyt_audit"):
        assert security_event("login_failed", username="ada") is None
    assert "could not store the login_failed security event" in caplog.text
    assert not SecurityEvent.objects.exists()


# --- outside the caller's transaction -----------------------------------------------------------------------------


def failing_work(event_type="login_failed", **kwargs):
    """Work that writes a row, reports a security event, then fails: its atomic block rolls back."""
    with transaction.atomic():
        Widget.objects.create(name="undone")
        security_event(event_type, username="ada", **kwargs)
        raise RuntimeError("the request failed")


def test_an_event_survives_the_rollback_of_the_transaction_that_reported_it():
    with pytest.raises(RuntimeError, match="the request failed"):
        failing_work(request=login_request())
    assert not Widget.objects.exists()
    assert SecurityEvent.objects.get().username == "ada"


def test_an_event_in_a_rolled_back_savepoint_survives_and_the_outer_work_commits():
    with transaction.atomic():
        Widget.objects.create(name="kept")
        with pytest.raises(RuntimeError, match="the request failed"):
            failing_work("permission_denied")
        security_event("lockout", username="ada")
    assert list(Widget.objects.values_list("name", flat=True)) == ["kept"]
    assert sorted(SecurityEvent.objects.values_list("event_type", flat=True)) == ["lockout", "permission_denied"]


def test_events_of_a_committed_transaction_are_stored_once():
    with ONE_WINDOW, transaction.atomic():
        Widget.objects.create(name="w")
        security_event("login_failed", username="ada")
        security_event("login_failed", username="ada")
    assert list(SecurityEvent.objects.values_list("username", "count")) == [("ada", 2)]


@pytest.mark.parametrize("server", SERVERS)
def test_on_a_database_server_the_event_is_committed_before_the_callers_transaction_ends(server):
    seen_inside = []

    def check_inside(sender, event, **kwargs):
        # Read committed: the caller's own connection sees the row only because another connection committed it.
        seen_inside.append(SecurityEvent.objects.filter(pk=event.pk).exists())

    security_event_recorded.connect(check_inside, dispatch_uid="eyt-test-inside")
    try:
        with pytest.raises(RuntimeError, match="the request failed"):
            failing_work()
    finally:
        security_event_recorded.disconnect(dispatch_uid="eyt-test-inside")
    assert seen_inside == [True]
    assert SecurityEvent.objects.get().username == "ada"


def test_on_sqlite_an_event_inside_a_transaction_is_written_when_it_ends():
    if connection.vendor != "sqlite":
        assert security_event("login_failed", username="ada") is not None
        return
    with transaction.atomic():
        Widget.objects.create(name="w")  # this transaction now holds SQLite's one write lock
        assert security_event("login_failed", username="ada") is None
    assert SecurityEvent.objects.get().username == "ada"


# --- aggregation --------------------------------------------------------------------------------------------------


@ONE_WINDOW
def test_a_thousand_failed_logins_for_one_username_from_one_ip_make_one_row():
    request = login_request()
    with bind(context_for(request)):  # in a request, as an attack is: one connection for the whole run
        for _ in range(1000):
            last = security_event("login_failed", username="ada", request=request)
    [row] = SecurityEvent.objects.all()
    assert row.count == last.count == 1000
    assert row.pk == last.pk
    assert row.first_seen <= row.last_seen


@ONE_WINDOW
def test_other_keys_get_rows_of_their_own():
    security_event("login_failed", username="ada", request=login_request())
    security_event("login_failed", username="bob", request=login_request())
    security_event("login_failed", username="ada", request=login_request(ip="198.51.100.1"))
    security_event("lockout", username="ada", request=login_request())
    assert SecurityEvent.objects.count() == 4
    assert set(SecurityEvent.objects.values_list("count", flat=True)) == {1}


@ONE_WINDOW
def test_usernames_aggregate_as_the_lockout_counts_them(counters):
    for username in ("Bob", "bob", " BOB "):
        request = login_request()
        lockout.failed(lockout.reserve(username, request), request)
    assert lockout.status("bob", "203.0.113.7").failures == 3
    [row] = SecurityEvent.objects.filter(event_type="login_failed")
    assert (row.username, row.count) == ("Bob", 3)


def test_each_window_has_a_row_of_its_own():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    times = [start, start + dt.timedelta(seconds=59), start + dt.timedelta(seconds=60)]
    for when in times:
        store(build_event("login_failed", username="ada", now=when))
    rows = list(SecurityEvent.objects.order_by("first_seen").values_list("count", "first_seen", "last_seen"))
    assert rows == [(2, times[0], times[1]), (1, times[2], times[2])]


@override_settings(USE_TZ=False, TIME_ZONE="Europe/Berlin")
def test_use_tz_off_windows_follow_the_clock_when_it_goes_back():
    first = dt.datetime(2026, 10, 25, 2, 30, 10)  # summer time
    same_window = dt.datetime(2026, 10, 25, 2, 30, 50)
    an_hour_later = dt.datetime(2026, 10, 25, 2, 30, 20, fold=1)  # the same wall-clock minute, in winter time
    rows = [build_event("login_failed", username="ada", now=when) for when in (first, same_window, an_hour_later)]
    assert rows[0]["key"] == rows[1]["key"] != rows[2]["key"]
    assert [row["window_start"] for row in rows] == [dt.datetime(2026, 10, 25, 2, 30)] * 3
    assert rows[2]["window_start"].fold == 1


@override_settings(EYT_AUDIT_SECURITY_AGGREGATE_SECONDS=0)
def test_no_window_stores_every_event():
    for _ in range(3):
        security_event("login_failed", username="ada")
    assert list(SecurityEvent.objects.values_list("count", flat=True)) == [1, 1, 1]


@pytest.mark.parametrize("server", SERVERS)
@ONE_WINDOW
def test_concurrent_writers_of_one_event_count_exactly_on_one_row(server):
    threads, per_thread = 4, 250
    barrier = threading.Barrier(threads)
    errors = []

    def attack():
        request = login_request()
        try:
            barrier.wait()
            with bind(context_for(request)):  # as in a request: the thread keeps its connection until the end
                for _ in range(per_thread):
                    security_event("login_failed", username="ada", request=request)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            security_store.close_all()

    workers = [threading.Thread(target=attack) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert list(SecurityEvent.objects.values_list("count", flat=True)) == [threads * per_thread]


# --- the limits report through the same trail ----------------------------------------------------------------------


@ONE_WINDOW
def test_the_limits_events_become_security_events_logged_once(caplog):
    request = login_request()
    with caplog.at_level(logging.INFO, logger="eyt_audit.security"):
        events.report(events.LOGIN_FAILED, username="ada", request=request, metadata={"failures": 1})
        events.report(events.LOGIN_FAILED, username="ada", request=request, metadata={"failures": 2})
        events.report(events.LOCKOUT, severity="error", username="ada", request=request, metadata={"locks": ["user"]})
        events.report(events.UNLOCK, severity="info", username="ada", metadata={"by": "admin"})
    rows = list(SecurityEvent.objects.order_by("id").values_list("event_type", "severity", "count", "metadata"))
    assert rows == [
        ("login_failed", "warning", 2, {"failures": 1}),
        ("lockout", "error", 1, {"locks": ["user"]}),
        ("unlock", "info", 1, {"by": "admin"}),
    ]
    assert len([record for record in caplog.records if record.name == "eyt_audit.security"]) == 4


def test_a_successful_login_is_recorded_with_the_user_as_actor(client, user):
    assert client.login(username="ada", password="pw-ada")
    [event] = SecurityEvent.objects.all()
    assert (event.event_type, event.severity, event.username, event.actor_pk) == (
        "login_succeeded",
        "info",
        "ada",
        str(user.pk),
    )


@pytest.mark.parametrize("server", SERVERS)
def test_outside_a_request_the_connection_is_closed_after_the_write(server):
    """Commands, tasks and tests get no request_finished: nothing may keep a connection to the database open
    (a test database with one cannot be dropped)."""
    security_event("login_failed", username="ada")
    [private] = security_store._local.connections.values()
    assert private.connection is None
    with bind(context_for(login_request())):
        security_event("login_failed", username="ada")
        assert private.connection is not None
