"""The durable inbox: a verified event is inserted once (a duplicate is a no-op), then a worker is woken.

``receive`` is everything the webhook request does: verify, parse, one ``INSERT ... ON CONFLICT DO NOTHING``
and, after commit, a wake-up task. No Stripe API call and no handler. The row keeps the request's audit context
(a snapshot), which the worker restores, so the processing is recorded under the request id that delivered it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from eyt_payments.conf import settings
from eyt_payments.integrations import audit
from eyt_payments.models import WebhookEvent
from eyt_payments.webhooks.signature import WebhookRefused, verify

logger = logging.getLogger("eyt_payments.webhooks")


def parse_event(body: bytes) -> dict[str, Any]:
    """The event envelope in ``body``; ``WebhookRefused`` if it is not a Stripe event."""
    try:
        payload = json.loads(body)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise WebhookRefused("body_malformed", "The body is not valid JSON.", signature_problem=False) from error
    data = payload.get("data") if isinstance(payload, dict) else None
    valid = (
        isinstance(data, dict)
        and isinstance(data.get("object"), dict)
        and isinstance(payload.get("id"), str)
        and 0 < len(payload["id"]) <= 255
        and isinstance(payload.get("type"), str)
        and 0 < len(payload["type"]) <= 100
        and isinstance(payload.get("created"), int)
        and not isinstance(payload.get("created"), bool)
    )
    if not valid:
        raise WebhookRefused("event_malformed", "The body is not a Stripe event.", signature_problem=False)
    return payload  # type: ignore[no-any-return]


def receive(body: bytes, header: str | None) -> str:
    """Verify and store one delivery; returns the event id. Raises ``WebhookRefused`` and stores nothing if the
    body is too large, the signature does not verify or the body is not a Stripe event."""
    if len(body) > settings.EYT_PAYMENTS_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRefused("body_too_large", "The body is too large.", signature_problem=False)
    verify(body, header)
    payload = parse_event(body)
    store(payload, body.decode("utf-8"))
    return str(payload["id"])


def store(payload: dict[str, Any], body: str) -> None:
    """Insert the event with the current audit context unless its id is already in the inbox, and wake a worker
    once committed."""
    data_object = payload["data"]["object"]
    object_id = data_object.get("id")
    event = WebhookEvent(
        id=payload["id"],
        type=payload["type"],
        livemode=bool(payload.get("livemode")),
        api_version=str(payload.get("api_version") or "")[:32],
        created=datetime.fromtimestamp(payload["created"], tz=UTC),
        object_id=object_id[:255] if isinstance(object_id, str) else "",
        body=body,
        audit_context=audit.snapshot(),
    )
    WebhookEvent.objects.bulk_create([event], ignore_conflicts=True)
    if settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE:
        transaction.on_commit(lambda: wake(event.id))


def wake(event_id: str) -> None:
    """Enqueue the processing task. A broken task backend loses nothing: the command picks the event up."""
    from eyt_payments.tasks import process_webhook_event

    try:
        process_webhook_event.enqueue(event_id)
    except Exception:
        logger.exception("Could not enqueue processing of Stripe event %s; it stays pending", event_id)
