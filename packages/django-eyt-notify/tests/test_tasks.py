import logging

import pytest
from django.test import override_settings

from eyt_notify import notify
from eyt_notify.models import Delivery
from eyt_notify.tasks import dispatch_due, sweep, wake_up
from eyt_testing.settings import tasks

pytestmark = pytest.mark.django_db


def test_the_wake_up_task_runs_after_commit_and_sends(user, committed):
    with committed() as callbacks:
        notify(user, "team.invite", title="x")
        assert Delivery.objects.get().status == "pending"
    assert len(callbacks) == 2
    assert Delivery.objects.get().status == "sent"


def test_with_a_queue_backend_the_task_is_enqueued_not_run(user, committed):
    with override_settings(TASKS=tasks("dummy")):
        with committed():
            notify(user, "team.invite", title="x")
        from eyt_notify.compat import task_backends

        [result] = task_backends["default"].results
        assert result.task.name == dispatch_due.name
    assert Delivery.objects.get().status == "pending"  # the sweeper or a worker sends it later
    assert sweep.call() == {"claimed": 1, "sent": 1, "retried": 0, "dead": 0, "skipped": 0, "deferred": 0}


def test_a_broken_task_backend_is_logged_and_nothing_is_lost(user, caplog, settings):
    settings.EYT_NOTIFY_TASK_BACKEND = "missing"
    notify(user, "team.invite", title="x")
    with caplog.at_level(logging.ERROR, logger="eyt_notify.tasks"):
        wake_up()
    assert "the sweeper will send the deliveries" in caplog.text
    assert Delivery.objects.get().status == "pending"
