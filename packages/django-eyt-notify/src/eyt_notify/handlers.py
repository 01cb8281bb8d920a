"""Receivers: keep cached backends in step with settings, and counts and open pages in step with changes."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.dispatch import receiver

from eyt_notify.conf import settings
from eyt_notify.signals import notification_created


@receiver(setting_changed)
def reset_backends(*, setting: str, **kwargs: Any) -> None:
    """Drop the built channels or adapter when their setting changes (``override_settings``)."""
    if setting == "EYT_NOTIFY_CHANNELS":
        from eyt_notify.channels import channels

        channels.reset()
    elif setting == "EYT_NOTIFY_ADAPTER":
        from eyt_notify.adapter import get_adapter

        get_adapter.cache_clear()
    elif setting == "EYT_NOTIFY_LIVE":
        from eyt_notify.live import get_broker

        get_broker.cache_clear()


@receiver(notification_created, dispatch_uid="eyt_notify.announce_created")
def announce_created(*, recipient_ids: Any, notification: Any = None, **kwargs: Any) -> None:
    """Sent after commit: drop the recipients' cached counts, then tell their open pages."""
    from eyt_notify.events import CREATED, changed

    if notification is not None:
        changed([notification.recipient_id], CREATED, ids=[notification.pk], notification=notification)
    elif isinstance(recipient_ids, QuerySet):  # a fan-out: read in chunks (a server-side cursor on PostgreSQL)
        changed(recipient_ids.iterator(chunk_size=settings.EYT_NOTIFY_BATCH_SIZE), CREATED)
    else:
        changed(recipient_ids, CREATED)


def forget_user_auth(*, instance: Any, **kwargs: Any) -> None:
    """Connected to the user model's post_save and post_delete: a changed password or status applies at once."""
    from eyt_notify.session_auth import forget_user

    forget_user(instance.pk)
