"""System checks for django-eyt-notify (ids ``eyt_notify.E00x`` / ``eyt_notify.W00x``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from eyt_notify.conf import settings
from eyt_notify.types import INAPP, registered_types

IMMEDIATE_BACKENDS = (
    "django.tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.immediate.ImmediateBackend",
)
POSITIVE_INTEGERS = (
    "BATCH_SIZE",
    "DISPATCH_BATCH_SIZE",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "RETRY_BASE_DELAY",
    "RETRY_MAX_DELAY",
    "POLL_INTERVAL",
    "UNREAD_COUNT_TIMEOUT",
    "AUTH_CACHE_TIMEOUT",
    "PAGE_SIZE",
    "RECENT_LIMIT",
)


@register()
def check_channels(**kwargs: Any) -> list[CheckMessage]:
    """E001: a channel cannot be built; E003: a backend reports its own misconfiguration; E005: no in-app channel."""
    from eyt_notify.channels import channels

    configured = settings.EYT_NOTIFY_CHANNELS
    if not isinstance(configured, dict):
        return [
            Error(
                "EYT_NOTIFY_CHANNELS must be a dict of {alias: {'BACKEND': ..., 'OPTIONS': {...}}}.",
                id="eyt_notify.E001",
            )
        ]
    messages: list[CheckMessage] = []
    if INAPP not in configured:
        messages.append(
            Error(
                f"EYT_NOTIFY_CHANNELS has no {INAPP!r} channel; in-app notifications are always stored.",
                hint="Add 'inapp': {'BACKEND': 'eyt_notify.channels.inapp.InAppChannel'}.",
                id="eyt_notify.E005",
            )
        )
    for alias in configured:
        try:
            channel = channels.create(alias)
        except (ImproperlyConfigured, ImportError, TypeError) as error:
            messages.append(Error(f"Channel {alias!r} cannot be built: {error}", id="eyt_notify.E001"))
        else:
            messages.extend(channel.check())
    return messages


@register()
def check_types(**kwargs: Any) -> list[CheckMessage]:
    """E002: a registered type names a channel that is not configured."""
    configured = settings.EYT_NOTIFY_CHANNELS if isinstance(settings.EYT_NOTIFY_CHANNELS, dict) else {}
    messages: list[CheckMessage] = []
    for ntype in registered_types():
        missing = [channel for channel in ntype.channels if channel not in configured]
        if missing:
            messages.append(
                Error(
                    f"Notification type {ntype.key!r} uses channels not in EYT_NOTIFY_CHANNELS: {', '.join(missing)}.",
                    hint=f"Configured channels: {', '.join(sorted(configured)) or 'none'}.",
                    id="eyt_notify.E002",
                )
            )
    return messages


@register()
def check_numbers(**kwargs: Any) -> list[CheckMessage]:
    """E004: batch sizes, lease, attempts and delays must be positive whole numbers."""
    messages: list[CheckMessage] = []
    for name in POSITIVE_INTEGERS:
        value = getattr(settings, f"EYT_NOTIFY_{name}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            messages.append(
                Error(f"EYT_NOTIFY_{name} must be a positive whole number, not {value!r}.", id="eyt_notify.E004")
            )
    for name in ("READ_RETENTION_DAYS", "DELIVERY_RETENTION_DAYS"):
        value = getattr(settings, f"EYT_NOTIFY_{name}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            messages.append(
                Error(
                    f"EYT_NOTIFY_{name} must be None or a positive whole number, not {value!r}.", id="eyt_notify.E004"
                )
            )
    return messages


@register()
def check_site_url(**kwargs: Any) -> list[CheckMessage]:
    """W003: links leave the site (email, push, SMS...) but ``EYT_NOTIFY_SITE_URL`` is unset: they stay relative."""
    from eyt_notify.channels import channels

    configured = settings.EYT_NOTIFY_CHANNELS
    if settings.EYT_NOTIFY_SITE_URL or not isinstance(configured, dict):
        return []
    external = []
    for alias in configured:
        try:
            if channels.create(alias).external:
                external.append(alias)
        except (ImproperlyConfigured, ImportError, TypeError):
            continue  # E001 reports it
    if not external:
        return []
    return [
        Warning(
            f"EYT_NOTIFY_SITE_URL is not set, so action URLs sent on {', '.join(external)} stay relative "
            "(a link such as /matches/7/ in an email leads nowhere).",
            hint="Set EYT_NOTIFY_SITE_URL to the site's base URL, e.g. 'https://example.com'.",
            id="eyt_notify.W003",
        )
    ]


@register()
def check_task_backend(**kwargs: Any) -> list[CheckMessage]:
    """W001: the wake-up task runs in the request (immediate backend); W002: the task backend alias is missing."""
    from django.conf import settings as django_settings

    alias = settings.EYT_NOTIFY_TASK_BACKEND
    tasks = getattr(django_settings, "TASKS", {"default": {"BACKEND": IMMEDIATE_BACKENDS[0]}})
    if alias not in tasks:
        return [
            Warning(
                f"EYT_NOTIFY_TASK_BACKEND is {alias!r}, which is not in TASKS; deliveries wait for the sweeper.",
                hint=f"Choose one of: {', '.join(sorted(tasks)) or '(none)'}; run eyt_notify_dispatch periodically.",
                id="eyt_notify.W002",
            )
        ]
    if tasks[alias].get("BACKEND") in IMMEDIATE_BACKENDS:
        return [
            Warning(
                "Notification deliveries are sent inside the request that commits them (immediate task backend).",
                hint="Fine for development. In production use a worker backend (django-tasks-db, django-tasks-rq) "
                "so email, push and SMS never slow down or fail a request.",
                id="eyt_notify.W001",
            )
        ]
    return []


@register()
def check_live(**kwargs: Any) -> list[CheckMessage]:
    """E006: ``EYT_NOTIFY_LIVE`` cannot be built; E007: ``EYT_NOTIFY_CACHE_ALIAS`` is not in ``CACHES``."""
    from django.conf import settings as django_settings

    from eyt_notify.exceptions import InvalidBroker
    from eyt_notify.live import get_broker

    messages: list[CheckMessage] = []
    get_broker.cache_clear()
    try:
        get_broker()
    except (InvalidBroker, ImportError, TypeError, ValueError) as error:
        messages.append(
            Error(
                f"EYT_NOTIFY_LIVE cannot be built: {error}",
                hint="Use None (the bell polls) or {'BACKEND': 'eyt_notify.live.redis.RedisBroker', "
                "'OPTIONS': {'url': 'redis://...'}}; the Redis broker needs: pip install \"django-eyt-notify[live]\".",
                id="eyt_notify.E006",
            )
        )
    alias = settings.EYT_NOTIFY_CACHE_ALIAS
    if alias not in django_settings.CACHES:
        messages.append(
            Error(
                f"EYT_NOTIFY_CACHE_ALIAS is {alias!r}, which is not in CACHES.",
                hint=f"Choose one of: {', '.join(sorted(django_settings.CACHES))}.",
                id="eyt_notify.E007",
            )
        )
    return messages
