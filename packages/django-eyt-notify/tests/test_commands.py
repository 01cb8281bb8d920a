import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from eyt_notify import notify
from eyt_notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def test_dispatch_sends_what_no_task_picked_up(user):
    notify(user, "team.invite", title="x", channels=["memory"])  # not committed: no wake-up ran
    out = StringIO()
    call_command("eyt_notify_dispatch", stdout=out)
    assert "claimed 1, sent 1," in out.getvalue()
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--batch-size", "0"], "--batch-size must be a positive number, not 0"),
        (["--max-batches", "-1"], "--max-batches must be a positive number, not -1"),
        (["--loop", "0"], "--loop must be a positive number, not 0.0"),
        (
            ["--channel", "emial"],
            r"--channel 'emial' is not a configured outbox channel \(choose from: discord, email, memory",
        ),
        (["--channel", "inapp"], "--channel 'inapp' is not a configured outbox channel"),
    ],
)
def test_dispatch_refuses_arguments_that_would_do_nothing(user, arguments, error):
    notify(user, "team.invite", title="x", channels=["memory"])
    with pytest.raises(CommandError, match=error):
        call_command("eyt_notify_dispatch", *arguments, stdout=StringIO())
    assert Delivery.objects.get().status == "pending"


def test_cleanup_applies_retention(make_user, settings):
    settings.EYT_NOTIFY_READ_RETENTION_DAYS = 30
    settings.EYT_NOTIFY_DELIVERY_RETENTION_DAYS = 7
    user = make_user()
    now = timezone.now()
    keep = notify(user, "system.notice", title="unread").notification
    read_recently = notify(user, "system.notice", title="read").notification
    Notification.objects.filter(pk=read_recently.pk).update(read_at=now - dt.timedelta(days=1))
    old_read = notify(user, "system.notice", title="old").notification
    Notification.objects.filter(pk=old_read.pk).update(read_at=now - dt.timedelta(days=31))
    expired = notify(user, "system.notice", title="expired", expires_at=now - dt.timedelta(minutes=1)).notification
    pending = notify(user, "team.invite", title="pending", expires_at=now - dt.timedelta(minutes=1)).notification
    sent = notify(user, "team.invite", title="sent").notification
    sent.deliveries.update(status="sent", created_at=now - dt.timedelta(days=8))

    out = StringIO()
    call_command("eyt_notify_cleanup", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "would delete 1 expired and 1 read notifications, 1 deliveries"
    assert Notification.objects.count() == 6

    call_command("eyt_notify_cleanup", stdout=StringIO())
    assert set(Notification.objects.all()) == {keep, read_recently, pending, sent}  # pending still has to be sent
    assert not sent.deliveries.exists()
    assert expired.pk not in Notification.objects.values_list("pk", flat=True)
