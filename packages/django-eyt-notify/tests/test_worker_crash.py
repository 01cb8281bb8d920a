"""A worker killed with SIGKILL in the middle of a batch loses nothing: the next dispatch finishes its work."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from eyt_notify import notify
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery, NotificationTemplate
from eyt_testing.settings import tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PACKAGE = Path(__file__).resolve().parent.parent


def channels_for(url):
    return {
        "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
        "discord": {"BACKEND": "eyt_notify.channels.discord.DiscordChannel", "OPTIONS": {"webhook_url": url}},
    }


def start_worker(channels):
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
        "EYT_NOTIFY_TEST_CHANNELS": json.dumps(channels),
    }
    return subprocess.Popen([sys.executable, "-m", "tests.worker_process"], cwd=PACKAGE, env=env)


def test_a_killed_worker_delays_deliveries_but_loses_none(make_user, http_recorder, settings):
    users = [make_user(f"fan{i}") for i in range(20)]
    NotificationTemplate.objects.create(
        notification_type="fan.alert", channel="discord", body="{{ recipient.username }}"
    )
    channels = channels_for(f"{http_recorder.url}/api/webhooks/1/x")
    with override_settings(EYT_NOTIFY_CHANNELS=channels, TASKS=tasks("dummy")):  # no in-process wake-up
        notify(get_user_model().objects.all(), "fan.alert", title="Final")
        assert Delivery.objects.filter(status="pending").count() == 20

        http_recorder.hold_after(5)  # the sixth send hangs: the worker is mid-batch
        worker = start_worker(channels)
        try:
            http_recorder.wait_for(6, timeout=60)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        http_recorder.release()
        assert worker.returncode == -signal.SIGKILL
        statuses = sorted(Delivery.objects.values_list("status", flat=True))
        assert statuses.count("sent") == 5
        assert statuses.count("sending") == 5  # claimed by the dead worker, one of them in flight
        assert statuses.count("pending") == 10

        # The sweeper runs once the dead worker's lease has run out.
        later = timezone.now() + dt.timedelta(seconds=settings.EYT_NOTIFY_LEASE_SECONDS + 1)
        report = dispatch(now=later)

    assert report.sent == 15
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    delivered = {request.json()["content"] for request in http_recorder.requests}
    assert delivered == {user.username for user in users}  # every fan got it, at least once
