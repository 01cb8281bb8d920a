from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from coaching.models import CoachingSession
from eyt_notify.models import Notification

pytestmark = pytest.mark.django_db


def test_price_follows_the_rate_and_the_length(coach, player):
    session = CoachingSession(coach=coach, player=player, starts_at=timezone.now(), minutes=90)
    assert session.price == Decimal("60.00")


def test_reminders_go_once_to_sessions_within_the_window(coach, player, capsys):
    soon = CoachingSession.objects.create(
        coach=coach, player=player, starts_at=timezone.now() + timedelta(hours=3), status="booked"
    )
    CoachingSession.objects.create(
        coach=coach, player=player, starts_at=timezone.now() + timedelta(days=3), status="booked"
    )
    CoachingSession.objects.create(coach=coach, player=player, starts_at=timezone.now() + timedelta(hours=2))  # unpaid
    call_command("send_reminders")
    call_command("send_reminders")
    reminders = Notification.objects.filter(notification_type="coaching.reminder")
    assert [(n.recipient, n.target) for n in reminders] == [(player, soon)]
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None
    assert "1 reminders sent." in capsys.readouterr().out
