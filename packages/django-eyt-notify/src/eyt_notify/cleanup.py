"""Retention: remove expired notifications, old read ones and old finished delivery rows, in bounded chunks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from eyt_notify.conf import settings
from eyt_notify.models import Delivery, DeliveryStatus, Notification

__all__ = ["CleanupReport", "cleanup"]

CHUNK = 1000


@dataclass
class CleanupReport:
    """Rows ``cleanup()`` deleted (or would delete, with ``dry_run``), by kind."""

    expired: int = 0
    read: int = 0
    deliveries: int = 0


def cleanup(now: dt.datetime | None = None, *, dry_run: bool = False) -> CleanupReport:
    """Delete per ``EYT_NOTIFY_READ_RETENTION_DAYS`` and ``EYT_NOTIFY_DELIVERY_RETENTION_DAYS``; expired always go.

    A notification with a delivery still open (pending, failed or sending) is kept until that delivery finishes.
    """
    now = now or timezone.now()
    open_deliveries = Delivery.objects.filter(
        notification=models.OuterRef("pk"),
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING],
    )
    removable = Notification.objects.exclude(models.Exists(open_deliveries))
    report = CleanupReport()
    report.expired = _delete(removable.filter(expires_at__lte=now), dry_run)
    days = settings.EYT_NOTIFY_READ_RETENTION_DAYS
    if days is not None:
        report.read = _delete(removable.filter(read_at__lte=now - dt.timedelta(days=days)), dry_run)
    days = settings.EYT_NOTIFY_DELIVERY_RETENTION_DAYS
    if days is not None:
        finished = Delivery.objects.filter(
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD],
            created_at__lte=now - dt.timedelta(days=days),
        )
        report.deliveries = _delete(finished, dry_run)
    return report


def _delete(queryset: models.QuerySet[models.Model], dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    total = 0
    while ids := list(queryset.values_list("pk", flat=True)[:CHUNK]):
        queryset.model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)
    return total
