import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from eyt_notify import notify
from eyt_notify.models import Notification, NotificationTemplate, QuietHours

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


def test_the_database_keeps_an_idempotency_key_to_one_notification_per_recipient(user, make_user):
    """Concurrent notify() calls rely on it (on MariaDB through the plain unique index of migration 0002); rows
    without a key repeat freely."""
    row = {"notification_type": "team.invite", "category": "teams", "title": "x"}
    Notification.objects.create(recipient=user, idempotency_key="match-7", **row)
    Notification.objects.create(recipient=make_user(), idempotency_key="match-7", **row)
    Notification.objects.bulk_create([Notification(recipient=user, **row), Notification(recipient=user, **row)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, idempotency_key="match-7", **row)
    assert Notification.objects.filter(recipient=user).count() == 3


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


def test_a_template_row_that_could_never_render_is_refused_field_by_field():
    row = NotificationTemplate(
        notification_type="x.unreg",
        channel="fax",
        language="de_AT",
        subject="Broken {% if %}",
        body="Fine {{ x }}",
        html_body="<p>{% endfor %}</p>",
    )
    with pytest.raises(ValidationError) as raised:
        row.full_clean()
    errors = raised.value.message_dict
    assert sorted(errors) == ["channel", "html_body", "language", "notification_type", "subject"]
    assert errors["notification_type"][0].startswith("Unknown notification type 'x.unreg'")
    assert errors["channel"][0].startswith("The channel 'fax' is not configured in EYT_NOTIFY_CHANNELS")
    assert errors["language"][0].startswith("'de_at' is not a language code")
    assert errors["subject"][0].startswith("Template syntax error: ")
    assert "endfor" in errors["html_body"][0]


def test_a_good_template_row_passes_with_its_language_normalised():
    row = NotificationTemplate(notification_type="team.invite", channel="memory", language="de-AT", subject="{{ x }}")
    row.full_clean()
    assert row.language == "de-at"  # as translation.get_language() spells it, so the lookup finds it
    NotificationTemplate(notification_type="team.invite", channel="inapp", body="{{ x }}").full_clean()


def test_the_admin_form_refuses_a_broken_template(rf):
    form_class = admin.site.get_model_admin(NotificationTemplate).get_form(rf.get("/"))
    data = {"notification_type": "team.invite", "channel": "email", "language": "", "subject": "Broken {% if %}"}
    form = form_class(data={**data, "body": "", "html_body": ""})
    assert not form.is_valid()
    assert list(form.errors) == ["subject"]
    assert not NotificationTemplate.objects.exists()
