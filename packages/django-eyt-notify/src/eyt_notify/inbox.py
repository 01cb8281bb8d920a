"""A user's own notifications: the queries and changes behind the pages and endpoints.

Every lookup is scoped to the user, so another user's notification is simply not found. Changes drop the cached
unread count and tell open pages after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from eyt_notify.events import DELETED, changed_on_commit
from eyt_notify.models import Notification, NotificationQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = ["delete", "get_notification", "mark_all_read", "mark_read", "notifications_of", "search"]


def notifications_of(user: AbstractBaseUser) -> NotificationQuerySet:
    """The user's unexpired notifications, newest first, with the actor loaded in the same query."""
    return Notification.objects.for_user(user).unexpired().select_related("actor").order_by("-created_at", "-id")


def search(queryset: NotificationQuerySet, text: str) -> NotificationQuerySet:
    """Notifications whose title or message contains ``text`` (case-insensitive)."""
    return queryset.filter(Q(title__icontains=text) | Q(message__icontains=text)) if text else queryset


def get_notification(user: AbstractBaseUser, pk: Any) -> Notification | None:
    """The user's notification ``pk``, or ``None`` if there is none (or it is someone else's)."""
    try:
        return notifications_of(user).get(pk=int(pk))
    except (Notification.DoesNotExist, ValueError, TypeError):
        return None


def mark_read(user: AbstractBaseUser, pk: Any) -> Notification | None:
    notification = get_notification(user, pk)
    if notification is not None:
        notification.mark_read()
    return notification


def mark_all_read(user: AbstractBaseUser) -> int:
    """Mark the user's unread notifications read; returns how many: those the unread count showed (expired ones,
    never shown nor counted, are left to the cleanup)."""
    return Notification.objects.for_user(user).unexpired().mark_all_read()


def delete(user: AbstractBaseUser, pk: Any) -> bool:
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        return False
    with transaction.atomic():
        deleted, _ = Notification.objects.for_user(user).filter(pk=pk).delete()
        if deleted:
            changed_on_commit([user.pk], DELETED, ids=[pk])
    return bool(deleted)
