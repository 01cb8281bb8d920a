import datetime as dt

import pytest
from django.db import connection

from eyt_notify import notify
from eyt_notify.models import Notification, QuietHours

pytestmark = pytest.mark.django_db


def test_read_and_unread(user):
    first = notify(user, "team.invite", title="one").notification
    notify(user, "team.invite", title="two")
    assert Notification.objects.for_user(user).unread().count() == 2
    first.mark_read()
    assert first.is_read
    assert Notification.objects.unread().count() == 1
    assert Notification.objects.for_user(user).mark_all_read() == 1
    assert Notification.objects.read().count() == 2
    first.mark_unread()
    assert Notification.objects.unread().get() == first


def test_newest_first(user):
    old = notify(user, "team.invite", title="old").notification
    new = notify(user, "team.invite", title="new").notification
    assert list(Notification.objects.all()) == [new, old]


def test_the_unread_badge_has_a_partial_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Notification._meta.db_table)
    assert constraints["eyt_notify_unread"]["columns"] == ["recipient_id"]
    assert constraints["eyt_notify_recipient_created"]["columns"] == ["recipient_id", "created_at"]


def test_quiet_hours_refuse_unknown_time_zones(user):
    quiet = QuietHours(user=user, start=dt.time(22), end=dt.time(7), timezone="Europe/Atlantis")
    with pytest.raises(Exception, match="not an IANA time zone"):
        quiet.full_clean()
    assert str(QuietHours(user=user, start=dt.time(22), end=dt.time(7), timezone="UTC")) == "22:00-07:00 UTC"
