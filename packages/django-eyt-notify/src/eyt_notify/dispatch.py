"""The outbox worker: claim due deliveries, send them, record the outcome.

A claim marks rows ``sending`` under a lease (``claimed_until``) and a claim token, inside a short transaction that
uses ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database has it, so concurrent workers never take the same
row. Sending happens outside any transaction, through one ``batch()`` per channel of the claimed rows (the emails
of a batch share one SMTP connection), and each row's outcome is recorded as soon as it is known. A worker that
dies leaves its rows ``sending`` with a lease that expires; the next dispatch takes them again, so a delivery is
late but never lost (at least once). Attempts are counted at claim time, so a row that keeps killing its worker
still ends ``dead``. A notification that has expired by the time its delivery is taken is not sent (``skipped``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from eyt_notify import signals
from eyt_notify.channels import channels
from eyt_notify.conf import settings
from eyt_notify.exceptions import DeliveryError, NoAddress, PermanentDeliveryError
from eyt_notify.models import Delivery, DeliveryStatus, Priority, QuietHours
from eyt_notify.quiet_hours import quiet_until

__all__ = ["DispatchReport", "dispatch", "due_filter", "retry_delay", "send", "send_batch"]

logger = logging.getLogger("eyt_notify.dispatch")
ERROR_LIMIT = 2000


@dataclass
class DispatchReport:
    """What one ``dispatch()`` run did with the deliveries it claimed."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    deferred: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def due_filter(now: dt.datetime) -> Q:
    """Rows a worker may take: due pending or failed rows, and rows whose worker's lease has run out."""
    return Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def dispatch(
    *,
    batch_size: int | None = None,
    max_batches: int | None = None,
    now: dt.datetime | None = None,
    channel: str | None = None,
) -> DispatchReport:
    """Send every due delivery (or up to ``max_batches`` batches); returns what happened.

    ``now`` (default: the clock when the run starts) lets the sweeper and tests act as of a given time.
    """
    report = DispatchReport()
    as_of = now or timezone.now()  # fixed: a row rescheduled during this run waits for the next run
    batches = 0
    while max_batches is None or batches < max_batches:
        claimed = claim(batch_size or settings.EYT_NOTIFY_DISPATCH_BATCH_SIZE, as_of, channel, report)
        if not claimed:
            break
        batches += 1
        send_batch(claimed, report)
    return report


def send_batch(deliveries: Sequence[Delivery], report: DispatchReport) -> None:
    """Send claimed deliveries through one ``batch()`` per channel (one SMTP connection for the emails).

    Each delivery's outcome is recorded as soon as it is known, so a worker that dies mid-batch loses nothing.
    """
    by_channel: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_channel.setdefault(delivery.channel, []).append(delivery)
    for alias, group in by_channel.items():
        with ExitStack() as stack:
            try:
                deliver: Callable[[Delivery], str] | None = stack.enter_context(channels[alias].batch())
            except Exception as error:  # e.g. a channel no longer configured: each delivery then fails alone
                logger.warning("Could not open a batch on channel %r: %s", alias, error)
                deliver = None
            for delivery in group:
                report.add(send(delivery, deliver))


def claim(batch_size: int, now: dt.datetime, channel: str | None, report: DispatchReport) -> list[Delivery]:
    """Reserve up to ``batch_size`` due deliveries for this worker; quiet-hours rows are deferred instead."""
    token = uuid.uuid4()
    lease = max(now, timezone.now()) + dt.timedelta(seconds=settings.EYT_NOTIFY_LEASE_SECONDS)
    using = router.db_for_write(Delivery)
    due = Delivery.objects.using(using).filter(due_filter(now))
    if channel is not None:
        due = due.filter(channel=channel)
    with transaction.atomic(using=using):
        rows = due.order_by("next_attempt_at", "pk")
        features = connections[using].features
        if features.has_select_for_update_skip_locked:  # MariaDB skips locked rows but has no FOR UPDATE OF
            rows = rows.select_for_update(skip_locked=True, of=("self",) if features.has_select_for_update_of else ())
        ids = list(rows.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return []
        # The due filter again: without row locks (SQLite) another worker may have claimed some of them meanwhile.
        due.filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING, claimed_until=lease, claim_token=token, attempts=F("attempts") + 1
        )
    claimed = list(
        Delivery.objects.using(using).filter(claim_token=token).select_related("notification__recipient").order_by("pk")
    )
    report.claimed += len(claimed)
    deferred = _defer_quiet(claimed, now, token)
    report.deferred += len(deferred)
    return [delivery for delivery in claimed if delivery.pk not in deferred]


def _defer_quiet(deliveries: Sequence[Delivery], now: dt.datetime, token: uuid.UUID) -> set[int]:
    """Put back, without spending an attempt, the deliveries whose recipient is in quiet hours (urgent ones bypass)."""
    candidates = [d for d in deliveries if d.notification.priority != Priority.URGENT]
    if not candidates:
        return set()
    windows = {
        q.user_id: q
        for q in QuietHours.objects.filter(user_id__in={d.notification.recipient_id for d in candidates}, enabled=True)
    }
    deferred = set()
    for delivery in candidates:
        window = windows.get(delivery.notification.recipient_id)
        until = window and _quiet_until(window, now)
        if until:
            Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=until,
                attempts=F("attempts") - 1,
                claimed_until=None,
                claim_token=None,
            )
            deferred.add(delivery.pk)
    return deferred


def _quiet_until(window: QuietHours, now: dt.datetime) -> dt.datetime | None:
    """When ``window`` ends, if ``now`` is in it: aware, or with ``USE_TZ`` off (``now`` naive) ``TIME_ZONE``'s wall
    clock, as the database stores times then."""
    naive = timezone.is_naive(now)
    until = quiet_until(window.start, window.end, window.timezone, timezone.make_aware(now) if naive else now)
    return timezone.make_naive(until) if until and naive else until


def send(delivery: Delivery, deliver: Callable[[Delivery], str] | None = None) -> str:
    """Send one claimed delivery and record the outcome; returns ``sent``, ``retried``, ``dead`` or ``skipped``.

    ``deliver`` is the function of an open channel ``batch()``; by default the channel's ``deliver()``. A failure
    that will be retried is logged as a warning without traceback; one that ends the delivery (dead) as an error
    with its traceback.
    """
    expires_at = delivery.notification.expires_at
    if expires_at is not None and expires_at <= timezone.now():
        return _finish(
            delivery, DeliveryStatus.SKIPPED, error=f"Not sent: the notification expired at {expires_at.isoformat()}."
        )
    if delivery.attempts > settings.EYT_NOTIFY_MAX_ATTEMPTS:
        reason = "Attempts exhausted (the last worker stopped mid-send)."
        logger.error("Delivery %s on %s is dead: %s", delivery.pk, delivery.channel, reason)
        return _finish(delivery, DeliveryStatus.DEAD, error=reason)
    try:
        provider_id = (deliver or channels[delivery.channel].deliver)(delivery)
    except NoAddress as error:
        return _finish(delivery, DeliveryStatus.SKIPPED, error=str(error))
    except PermanentDeliveryError as error:
        logger.error("Delivery %s on %s is dead: %s", delivery.pk, delivery.channel, error, exc_info=True)
        return _finish(delivery, DeliveryStatus.DEAD, error=str(error))
    except Exception as error:
        if delivery.attempts >= settings.EYT_NOTIFY_MAX_ATTEMPTS:
            logger.error(
                "Delivery %s on %s is dead after %s attempts: %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                error,
                exc_info=True,
            )
            return _finish(delivery, DeliveryStatus.DEAD, error=_describe(error))
        logger.warning(
            "Delivery %s on %s failed (attempt %s, will retry): %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            error,
        )
        retry_after = error.retry_after if isinstance(error, DeliveryError) else None
        next_at = timezone.now() + dt.timedelta(seconds=retry_delay(delivery.attempts, retry_after))
        return _finish(delivery, DeliveryStatus.FAILED, error=_describe(error), next_attempt_at=next_at)
    return _finish(delivery, DeliveryStatus.SENT, provider_message_id=provider_id)


def retry_delay(attempts: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt: the provider's ``retry_after`` if given, else exponential with jitter.

    After attempt ``n`` the delay is drawn from [d/2, d] with d = base * 2**(n-1), capped at the maximum.
    """
    if retry_after is not None:
        return max(float(retry_after), 1.0)
    ceiling = min(settings.EYT_NOTIFY_RETRY_BASE_DELAY * 2 ** max(attempts - 1, 0), settings.EYT_NOTIFY_RETRY_MAX_DELAY)
    return (rng or random).uniform(ceiling / 2, ceiling)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LIMIT]


_OUTCOMES = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.FAILED: "retried",
    DeliveryStatus.DEAD: "dead",
    DeliveryStatus.SKIPPED: "skipped",
}


def _finish(delivery: Delivery, status: DeliveryStatus, *, error: str = "", **fields: Any) -> str:
    now = timezone.now()
    values: dict[str, Any] = {"status": status, "claimed_until": None, "claim_token": None, **fields}
    if status == DeliveryStatus.SENT:
        values["sent_at"] = now
    if error:
        values["last_error"] = error[:ERROR_LIMIT]
    # Only the holder of the claim may record: if the lease ran out and another worker took the row, it decides.
    if Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(**values):
        for name, value in values.items():
            setattr(delivery, name, value)
        if status == DeliveryStatus.SENT:
            signals.delivery_succeeded.send(
                Delivery, delivery=delivery, provider_message_id=values.get("provider_message_id", "")
            )
        elif status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
            signals.delivery_failed.send(Delivery, delivery=delivery, error=error, final=status == DeliveryStatus.DEAD)
    return _OUTCOMES[status]
