"""The durable inbox: a verified event is inserted once (a duplicate is a no-op), then a worker is woken.

``receive`` is everything the webhook request does: verify, parse, one ``INSERT ... ON CONFLICT DO NOTHING``
and, after commit, a wake-up task. No Stripe API call and no handler. The row keeps the request's audit context
(a snapshot), which the worker restores, so the processing is recorded under the request id that delivered it.

The insert is one statement: outside a transaction it commits by itself (one round trip to the database, where
``bulk_create`` would wrap it in BEGIN and COMMIT), and its SQL, Django's own for this model and database, is
compiled once per database backend.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.db import NotSupportedError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from eyt_payments.conf import settings
from eyt_payments.integrations import audit
from eyt_payments.models import WebhookEvent
from eyt_payments.webhooks.signature import WebhookRefused, verify

logger = logging.getLogger("eyt_payments.webhooks")


def parse_event(body: str | bytes) -> dict[str, Any]:
    """The event envelope in ``body``; ``WebhookRefused`` if it is not a Stripe event."""
    try:
        payload = json.loads(body)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise WebhookRefused("body_malformed", "The body is not valid JSON.", signature_problem=False) from error
    if not _is_event(payload):
        raise WebhookRefused("event_malformed", "The body is not a Stripe event.", signature_problem=False)
    return payload  # type: ignore[no-any-return]


#: The latest ``created`` a datetime holds in every time zone (9999-12-30T23:59:59Z).
_MAX_CREATED = 253402214399


def event_time(created: int) -> datetime:
    """Stripe's ``created`` (Unix seconds) as the database keeps times: aware in UTC, or with ``USE_TZ`` off
    naive in ``TIME_ZONE``, so it compares with stored times and ``timezone.now()``."""
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment if django_settings.USE_TZ else timezone.make_naive(moment)


def _is_event(payload: Any) -> bool:
    """An object with ``data.object``, an ``id`` and ``type`` that fit their columns, and a ``created`` time;
    no NUL character in what becomes a column of its own (PostgreSQL refuses it in text)."""
    if not isinstance(payload, dict):
        return False
    data = payload.get("data")
    if not (isinstance(data, dict) and isinstance(data.get("object"), dict)):
        return False
    created, object_id = payload.get("created"), data["object"].get("id")
    return (
        _is_text(payload.get("id"), 255)
        and _is_text(payload.get("type"), 100)
        and type(created) is int  # not a bool
        and 0 <= created <= _MAX_CREATED
        and not (isinstance(object_id, str) and "\x00" in object_id)
    )


def _is_text(value: Any, length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= length and "\x00" not in value


def receive(body: bytes, header: str | None, *, anonymous: bool = False) -> str:
    """Verify and store one delivery; returns the event id. Raises ``WebhookRefused`` and stores nothing if the
    body is too large, the signature does not verify or the body is not a Stripe event.

    ``anonymous``: the delivery comes from Stripe, not from a user (the webhook view): the audit context is kept
    without looking at the request's session or user (``audit.snapshot``), so receiving never costs a query more.
    """
    if len(body) > settings.EYT_PAYMENTS_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRefused("body_too_large", "The body is too large.", signature_problem=False)
    verify(body, header)
    try:
        text = body.decode("utf-8")  # once: parsed, then stored as it is
    except UnicodeDecodeError as error:
        raise WebhookRefused("body_malformed", "The body is not UTF-8 JSON.", signature_problem=False) from error
    payload = parse_event(text)
    store(payload, text, anonymous=anonymous)
    return str(payload["id"])


def store(payload: dict[str, Any], body: str, *, anonymous: bool = False) -> bool:
    """Insert the event with the current audit context unless its id is already in the inbox, and wake a worker
    once committed (also for a repeated delivery: a retry nudges an event still waiting). True if it was new."""
    data_object = payload["data"]["object"]
    object_id = data_object.get("id")
    event = WebhookEvent(
        id=payload["id"],
        type=payload["type"],
        livemode=bool(payload.get("livemode")),
        api_version=str(payload.get("api_version") or "")[:32],
        created=event_time(payload["created"]),
        object_id=object_id[:255] if isinstance(object_id, str) else "",
        body=body,
        audit_context=audit.snapshot(anonymous=anonymous),
    )
    inserted = insert(event)
    if settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE:
        transaction.on_commit(partial(wake, event.id))
    return inserted


def insert(event: WebhookEvent) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``event`` as one statement; True if the row is new."""
    connection = connections[router.db_for_write(WebhookEvent, instance=event)]
    if not connection.features.supports_ignore_conflicts:  # as bulk_create(ignore_conflicts=True) refuses
        raise NotSupportedError("This database backend does not support ignoring conflicts.")
    fields = WebhookEvent._meta.local_concrete_fields
    params = [field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection), params)
        inserted: bool = cursor.rowcount == 1
    return inserted


_INSERT_SQL: dict[type[BaseDatabaseWrapper], str] = {}


def _insert_sql(connection: BaseDatabaseWrapper) -> str:
    """The SQL ``bulk_create([event], ignore_conflicts=True)`` runs, with placeholders (once per backend)."""
    sql = _INSERT_SQL.get(type(connection))
    if sql is None:
        query = InsertQuery(WebhookEvent, on_conflict=OnConflict.IGNORE)
        query.insert_values(WebhookEvent._meta.local_concrete_fields, [WebhookEvent(created=timezone.now())])
        [(sql, _)] = query.get_compiler(connection=connection).as_sql()
        _INSERT_SQL[type(connection)] = sql
    return sql


def wake(event_id: str) -> None:
    """Enqueue the processing task. A broken task backend loses nothing: the command picks the event up."""
    from eyt_payments.tasks import process_webhook_event

    try:
        process_webhook_event.enqueue(event_id)
    except Exception:
        logger.exception("Could not enqueue processing of Stripe event %s; it stays pending", event_id)
