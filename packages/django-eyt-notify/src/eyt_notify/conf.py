"""Settings of django-eyt-notify, each read when it is used so ``override_settings`` works.

Every name below is a Django setting with the ``EYT_NOTIFY_`` prefix; the README documents each one.
"""

from __future__ import annotations

from typing import Any

from appconf import AppConf
from django.conf import settings as django_settings

#: Django's settings. Typed loosely: the prefixed names are added by django-appconf when this module loads.
settings: Any = django_settings

__all__ = ["DEFAULT_CHANNELS", "EytNotifyConf", "settings"]

DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {
    "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
    "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"},
}


class EytNotifyConf(AppConf):
    #: Channel backends by alias, shaped like Django's TASKS: ``{"alias": {"BACKEND": path, "OPTIONS": {...}}}``.
    CHANNELS: dict[str, dict[str, Any]] = DEFAULT_CHANNELS
    #: Dotted path of the adapter class (addresses, language, policy hooks).
    ADAPTER = "eyt_notify.adapter.NotifyAdapter"
    #: Rows per INSERT when recipients are an iterable (a queryset is inserted by the database in one statement).
    BATCH_SIZE = 1000
    #: Deliveries a worker claims at a time.
    DISPATCH_BATCH_SIZE = 100
    #: Seconds a claimed delivery stays reserved for its worker; after that the sweeper may take it again.
    LEASE_SECONDS = 300
    #: Attempts before a delivery is marked dead.
    MAX_ATTEMPTS = 8
    #: First retry delay in seconds; doubles per attempt, with jitter, up to ``RETRY_MAX_DELAY``.
    RETRY_BASE_DELAY = 30
    #: Longest retry delay in seconds.
    RETRY_MAX_DELAY = 6 * 3600
    #: Alias of the Django task backend that runs the wake-up task.
    TASK_BACKEND = "default"
    #: Days a read notification is kept by ``eyt_notify_cleanup``; ``None`` keeps them.
    READ_RETENTION_DAYS: int | None = 90
    #: Days a finished (sent, skipped or dead) delivery row is kept by ``eyt_notify_cleanup``.
    DELIVERY_RETENTION_DAYS: int | None = 30
    #: Absolute base URL (``https://example.com``) that turns relative action URLs into links in emails and pushes.
    SITE_URL: str | None = None

    #: Live updates broker: ``{"BACKEND": "eyt_notify.live.redis.RedisBroker", "OPTIONS": {...}}``; ``None`` polls.
    LIVE: dict[str, Any] | None = None
    #: Seconds between polls of ``unread-count/`` by the bell when there are no live updates.
    POLL_INTERVAL = 30
    #: Alias in ``CACHES`` of the unread counts and the cached session auth hashes.
    CACHE_ALIAS = "default"
    #: Longest time an unread count stays cached (changes drop it at once).
    UNREAD_COUNT_TIMEOUT = 86400
    #: Answer ``unread-count/`` from cached session auth hashes, without loading the user (see session_auth.py).
    FAST_AUTH = True
    #: Longest time a cached session auth hash is trusted (saves of the user drop it at once).
    AUTH_CACHE_TIMEOUT = 300
    #: Notifications per page of the notification centre.
    PAGE_SIZE = 20
    #: Notifications in the bell's dropdown and the default of ``recent/?limit=``.
    RECENT_LIMIT = 10

    class Meta:
        prefix = "eyt_notify"
