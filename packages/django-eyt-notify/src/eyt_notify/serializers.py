"""The JSON shape of a notification, shared by the endpoints, the live events and the bell's script.

The schema is part of the public API (see the README): fields are only ever added, never renamed or removed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone

from eyt_notify.adapter import get_adapter

if TYPE_CHECKING:
    from eyt_notify.models import Notification

__all__ = ["SCHEMA_VERSION", "safe_url", "serialize", "utc_iso"]

SCHEMA_VERSION = 1
_SAFE_SCHEMES = ("http", "https", "")


def safe_url(url: str) -> str:
    """``url`` when it is relative or http(s); ``""`` for ``javascript:``, ``data:`` and other schemes."""
    url = (url or "").strip()
    if not url or any(ord(character) < 32 for character in url):
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in _SAFE_SCHEMES else ""


def serialize(notification: Notification) -> dict[str, Any]:
    """One notification as JSON-safe data. Needs ``actor`` selected with the row to avoid a query per item."""
    actor = notification.actor if notification.actor_id is not None else None
    return {
        "id": notification.pk,
        "type": notification.notification_type,
        "category": notification.category,
        "title": notification.title,
        "message": notification.message,
        "priority": notification.priority,
        "url": reverse("eyt_notify:detail", args=[notification.pk]),
        "action_url": safe_url(notification.action_url),
        "is_read": notification.read_at is not None,
        "created_at": utc_iso(notification.created_at),
        "read_at": utc_iso(notification.read_at) if notification.read_at else None,
        "actor": {"id": actor.pk, "name": get_adapter().get_display_name(actor)} if actor is not None else None,
        "data": notification.data,
    }


def utc_iso(value: dt.datetime) -> str:
    """``value`` in ISO 8601 in UTC; a naive one (``USE_TZ`` off) is read as ``TIME_ZONE``'s wall clock."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC).isoformat()
