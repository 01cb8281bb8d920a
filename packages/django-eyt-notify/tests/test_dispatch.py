import datetime as dt
import logging
import random

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from eyt_notify import notify, signals
from eyt_notify.channels import locmem
from eyt_notify.dispatch import dispatch, retry_delay
from eyt_notify.models import Delivery, Notification, NotificationTemplate, QuietHours

pytestmark = pytest.mark.django_db

FLAKY = {
    "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
    "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"},
    "memory": {"BACKEND": "tests.flaky.FlakyChannel"},
}


def one_delivery(user, **kwargs):
    notify(user, "team.invite", title="Join", **kwargs)
    return Delivery.objects.get()


def test_dispatch_sends_due_deliveries_and_records_the_outcome(user):
    delivery = one_delivery(user)
    report = dispatch()
    delivery.refresh_from_db()
    assert (report.claimed, report.sent) == (1, 1)
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("sent", 1, None)
    assert delivery.sent_at is not None
    assert delivery.provider_message_id == "locmem-1"
    assert locmem.outbox[0].message.subject == "Join"
    assert dispatch().claimed == 0  # nothing is sent twice


def test_deliveries_not_yet_due_wait(user):
    delivery = one_delivery(user)
    Delivery.objects.update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    assert dispatch().claimed == 0
    assert dispatch(now=timezone.now() + dt.timedelta(minutes=6)).sent == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def dispatch_logs(caplog):
    """(level, with traceback) of each record the worker logged."""
    return [(r.levelname, r.exc_info is not None) for r in caplog.records if r.name == "eyt_notify.dispatch"]


@override_settings(EYT_NOTIFY_CHANNELS=FLAKY, EYT_NOTIFY_MAX_ATTEMPTS=3)
def test_failures_are_retried_with_backoff_then_dead(user, caplog):
    from tests.flaky import FlakyChannel

    FlakyChannel.failures = 10
    delivery = one_delivery(user)
    failed = []
    signals.delivery_failed.connect(receiver := lambda **kw: failed.append(kw["final"]))
    try:
        now = timezone.now()
        with caplog.at_level(logging.WARNING, logger="eyt_notify.dispatch"):
            for _ in range(3):
                dispatch(now=now)
                delivery.refresh_from_db()
                assert delivery.next_attempt_at > now or delivery.status == "dead"
                now = delivery.next_attempt_at
    finally:
        signals.delivery_failed.disconnect(receiver)
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert delivery.last_error == "DeliveryError: provider unavailable"
    assert failed == [False, False, True]
    # Retries are a warning without traceback; only the failure that ends the delivery is an error with one.
    assert dispatch_logs(caplog) == [("WARNING", False), ("WARNING", False), ("ERROR", True)]


def test_a_type_no_longer_registered_is_dead_at_once_and_logged_once(user, caplog):
    notification = Notification.objects.create(recipient=user, notification_type="x.unreg", category="x", title="x")
    delivery = Delivery.objects.create(notification=notification, channel="memory")
    with caplog.at_level(logging.WARNING, logger="eyt_notify.dispatch"):
        report = dispatch()
    delivery.refresh_from_db()
    assert (report.dead, delivery.status, delivery.attempts) == (1, "dead", 1)
    assert delivery.last_error.startswith("The notification type 'x.unreg' is not registered")
    assert dispatch_logs(caplog) == [("ERROR", True)]
    assert locmem.outbox == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"subject": "Broken {% if %}"}, "NotificationTemplate team.invite/memory/* (subject)"),
        ({"body": '{% include "eyt_notify/nowhere.txt" %}'}, "eyt_notify/nowhere.txt"),
    ],
)
def test_a_template_that_cannot_render_is_dead_at_once(user, fields, error):
    NotificationTemplate.objects.create(notification_type="team.invite", channel="memory", **fields)
    delivery = one_delivery(user)
    report = dispatch()
    delivery.refresh_from_db()
    assert (report.dead, delivery.status, delivery.attempts) == (1, "dead", 1)
    assert delivery.last_error.startswith("Cannot render 'team.invite' for 'memory': ")
    assert error in delivery.last_error
    assert locmem.outbox == []


def test_an_expired_notification_is_skipped_not_sent_nor_retried(user):
    delivery = one_delivery(user, expires_at=timezone.now() + dt.timedelta(hours=1))
    Notification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    report = dispatch()
    delivery.refresh_from_db()
    assert (report.skipped, report.sent) == (1, 0)
    assert delivery.status == "skipped"
    assert delivery.last_error.startswith("Not sent: the notification expired at ")
    assert locmem.outbox == []
    assert dispatch(now=timezone.now() + dt.timedelta(days=1)).claimed == 0


@override_settings(EYT_NOTIFY_CHANNELS=FLAKY)
def test_a_transient_failure_then_success(user):
    from tests.flaky import FlakyChannel

    FlakyChannel.failures = 1
    delivery = one_delivery(user)
    dispatch()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    dispatch(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_retry_delay_doubles_with_jitter_and_honours_retry_after(settings):
    settings.EYT_NOTIFY_RETRY_BASE_DELAY = 10
    settings.EYT_NOTIFY_RETRY_MAX_DELAY = 60
    rng = random.Random(4)
    assert 5 <= retry_delay(1, rng=rng) <= 10
    assert 20 <= retry_delay(3, rng=rng) <= 40
    assert 30 <= retry_delay(9, rng=rng) <= 60  # capped
    assert len({retry_delay(2, rng=rng) for _ in range(5)}) == 5  # jittered
    assert retry_delay(1, retry_after=2.5) == 2.5


def test_users_without_an_address_are_skipped(make_user):
    nobody = make_user(email="")
    notify(nobody, "payment.receipt", title="Receipt")
    dispatch()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("skipped", "The recipient has no email address.")
    assert mail.outbox == []


def test_an_expired_lease_is_taken_again_and_exhausted_attempts_end_dead(make_user, settings):
    settings.EYT_NOTIFY_MAX_ATTEMPTS = 2
    alice, bob = make_user(), make_user()
    notify([alice, bob], "team.invite", title="x")
    stale = timezone.now() - dt.timedelta(seconds=1)
    Delivery.objects.filter(notification__recipient=alice).update(status="sending", claimed_until=stale, attempts=1)
    Delivery.objects.filter(notification__recipient=bob).update(status="sending", claimed_until=stale, attempts=2)
    report = dispatch()
    assert (report.claimed, report.sent, report.dead) == (2, 1, 1)
    assert dict(Delivery.objects.values_list("notification__recipient_id", "status")) == {
        alice.pk: "sent",
        bob.pk: "dead",
    }


def test_a_live_lease_is_left_alone(user):
    one_delivery(user)
    Delivery.objects.update(status="sending", claimed_until=timezone.now() + dt.timedelta(minutes=1))
    assert dispatch().claimed == 0


def test_quiet_hours_defer_without_spending_an_attempt(user):
    QuietHours.objects.create(user=user, start=dt.time(22), end=dt.time(7), timezone="Europe/Berlin")
    delivery = one_delivery(user)
    night = dt.datetime(2026, 6, 10, 21, 30, tzinfo=dt.UTC)  # 23:30 in Berlin
    Delivery.objects.update(next_attempt_at=night)
    report = dispatch(now=night)
    delivery.refresh_from_db()
    assert (report.deferred, report.sent) == (1, 0)
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at == dt.datetime(2026, 6, 11, 5, 0, tzinfo=dt.UTC)  # 07:00 in Berlin
    assert locmem.outbox == []
    assert dispatch(now=delivery.next_attempt_at).sent == 1  # deferred, never dropped


@override_settings(USE_TZ=False, TIME_ZONE="Europe/Berlin")
def test_quiet_hours_with_use_tz_off_end_at_the_users_wall_clock_on_the_night_the_clocks_change(user):
    # New York falls back on 2026-11-01: a 22:00-07:00 window ends at 07:00 EST, 13:00 in Berlin
    QuietHours.objects.create(user=user, start=dt.time(22), end=dt.time(7), timezone="America/New_York")
    delivery = one_delivery(user)
    night = dt.datetime(2026, 11, 1, 4, 30)  # Berlin's wall clock; 23:30 EDT on Oct 31 in New York
    Delivery.objects.update(next_attempt_at=night)
    assert dispatch(now=night).deferred == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at == dt.datetime(2026, 11, 1, 13, 0)
    assert dispatch(now=dt.datetime(2026, 11, 1, 12, 59, 59)).claimed == 0
    assert dispatch(now=delivery.next_attempt_at).sent == 1


def test_urgent_notifications_bypass_quiet_hours(user):
    QuietHours.objects.create(user=user, start=dt.time(0), end=dt.time(23, 59), timezone="UTC")
    one_delivery(user, priority="urgent")
    assert dispatch().sent == 1


def test_disabled_quiet_hours_do_not_defer(user):
    QuietHours.objects.create(user=user, start=dt.time(0), end=dt.time(23, 59), timezone="UTC", enabled=False)
    one_delivery(user)
    assert dispatch().sent == 1


def test_delivery_succeeded_is_sent(user):
    one_delivery(user)
    seen = []
    signals.delivery_succeeded.connect(receiver := lambda **kw: seen.append(kw["provider_message_id"]))
    try:
        dispatch()
    finally:
        signals.delivery_succeeded.disconnect(receiver)
    assert seen == ["locmem-1"]


def test_a_channel_removed_from_settings_is_retried_not_lost(user, settings):
    delivery = one_delivery(user)
    settings.EYT_NOTIFY_CHANNELS = {"inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"}}
    dispatch()
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "not configured" in delivery.last_error


def test_dispatch_can_be_limited_to_one_channel(make_user):
    notify(make_user(), "match.starting", title="x", channels=["email", "memory"])
    assert dispatch(channel="memory").sent == 1
    assert sorted(Delivery.objects.values_list("channel", "status")) == [("email", "pending"), ("memory", "sent")]
