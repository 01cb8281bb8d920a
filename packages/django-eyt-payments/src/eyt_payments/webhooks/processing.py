"""The worker side of the inbox: claim a due event, run its handler, record the outcome.

``process_event`` claims the event row with ``SELECT ... FOR UPDATE SKIP LOCKED`` (where the database has it) and
keeps it locked while the handler runs in a savepoint, so concurrent workers and duplicate wake-ups never run one
event twice. A failing handler is rolled back alone: the event row records the attempt, the error and the next
attempt time (doubling backoff) and, after ``EYT_PAYMENTS_WEBHOOK_MAX_ATTEMPTS``, becomes ``dead``.
Signals, hooks and audit entries registered by handlers run only when the whole transaction commits, under the
audit context stored with the event (the delivering request's id, actor and address).
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from eyt_payments.conf import settings
from eyt_payments.integrations import audit
from eyt_payments.models import WebhookEvent
from eyt_payments.webhooks import handlers

logger = logging.getLogger("eyt_payments.webhooks")

Status = WebhookEvent.Status
DUE_STATUSES = (Status.PENDING, Status.FAILED)
MAX_RETRY_DELAY = timedelta(hours=6)


def due_events(limit: int = 100) -> list[str]:
    """Ids of pending and failed events whose next attempt is due, oldest event first."""
    rows = WebhookEvent.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())
    return list(rows.order_by("created", "received_at").values_list("pk", flat=True)[:limit])


def process_due(limit: int = 100) -> Counter[str]:
    """Process up to ``limit`` due events; returns how many ended in each status (claimed elsewhere: not counted)."""
    results: Counter[str] = Counter()
    for event_id in due_events(limit):
        status = process_event(event_id)
        if status is not None:
            results[status] += 1
    return results


def process_event(event_id: str, *, replay: bool = False) -> str | None:
    """Process one event if it is due (any stored event with ``replay=True``); returns its new status, or
    ``None`` when it is not due or another worker holds it.

    The audit context the event arrived in is bound until after the commit, so the entries recorded by the
    handler and by the signals, hooks and notifications that follow the commit carry its request id."""
    with ExitStack() as stack:
        with transaction.atomic():
            event = _claim(event_id, replay=replay)
            if event is None:
                return None
            stack.enter_context(audit.restored(event.audit_context))
            _run(event)
        return event.status


def _claim(event_id: str, *, replay: bool) -> WebhookEvent | None:
    rows = WebhookEvent.objects.filter(pk=event_id)
    if replay:
        return rows.select_for_update().first()
    rows = rows.filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())
    return rows.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked).first()


def _run(event: WebhookEvent) -> None:
    event.attempts += 1
    try:
        with transaction.atomic():
            outcome = handlers.handle(handlers.StripeEvent.from_payload(event.payload))
    except handlers.WaitForObject as waiting:
        _failed(event, f"waiting: {waiting}")
    except Exception as error:
        logger.exception("Stripe event %s (%s) failed on attempt %s", event.pk, event.type, event.attempts)
        _failed(event, f"{type(error).__name__}: {error}")
    else:
        event.status, event.note = outcome.status, outcome.note
        event.last_error = ""
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "note", "last_error", "attempts", "processed_at"])


def retry_delay(attempts: int) -> timedelta:
    """Seconds before the next attempt after ``attempts`` failures: doubling from the base, at most six hours."""
    base = timedelta(seconds=settings.EYT_PAYMENTS_WEBHOOK_RETRY_DELAY)
    factor: int = 2 ** max(attempts - 1, 0)  # int ** int is typed Any: a negative exponent gives a float
    return min(base * factor, MAX_RETRY_DELAY)


def _failed(event: WebhookEvent, error: str) -> None:
    event.last_error = error[:2000]
    if event.attempts >= settings.EYT_PAYMENTS_WEBHOOK_MAX_ATTEMPTS:
        event.status = Status.DEAD
        logger.error("Stripe event %s (%s) is dead after %s attempts: %s", event.pk, event.type, event.attempts, error)
    else:
        event.status = Status.FAILED
        event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
    event.save(update_fields=["status", "last_error", "attempts", "next_attempt_at"])


def replay(event_ids: list[str]) -> dict[str, str | None]:
    """Run stored events again on purpose (handlers are idempotent); returns each event's new status."""
    return {event_id: process_event(event_id, replay=True) for event_id in event_ids}
