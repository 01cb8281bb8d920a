"""A dispatch worker in its own process, for the crash test: ``python -m tests.worker_process``.

Settings come from ``tests.settings`` (``DATABASE_URL`` names the test database) plus the channels in the
``EYT_NOTIFY_TEST_CHANNELS`` environment variable (JSON).
"""

import json
import os

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.test import override_settings

    from eyt_notify.dispatch import dispatch

    with override_settings(
        EYT_NOTIFY_CHANNELS=json.loads(os.environ["EYT_NOTIFY_TEST_CHANNELS"]), EYT_NOTIFY_DISPATCH_BATCH_SIZE=10
    ):
        dispatch()
