"""Background tasks (Django's Tasks framework through ``compat``): the wake-up after commit and the sweeper.

Enqueue ``sweep`` periodically (cron, django-tasks-db's scheduler, Celery beat) or run ``manage.py
eyt_notify_dispatch`` to send what no wake-up picked up: lost task messages, expired leases, retries, quiet hours.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from eyt_notify.compat import task
from eyt_notify.conf import settings
from eyt_notify.dispatch import dispatch

__all__ = ["dispatch_due", "sweep", "wake_up"]

logger = logging.getLogger("eyt_notify.tasks")


@task()
def dispatch_due() -> dict[str, int]:
    """Send every delivery due now. Enqueued after each ``notify()`` that wrote deliveries."""
    return asdict(dispatch())


@task()
def sweep() -> dict[str, int]:
    """The periodic sweeper: the same work, named for schedulers."""
    return asdict(dispatch())


def wake_up() -> None:
    """Enqueue ``dispatch_due`` on ``EYT_NOTIFY_TASK_BACKEND``. A broker failure is logged: the sweeper catches up."""
    try:
        dispatch_due.using(backend=settings.EYT_NOTIFY_TASK_BACKEND).enqueue()
    except Exception:
        logger.exception("Could not enqueue the notification dispatch task; the sweeper will send the deliveries.")
