"""``security_event()``: record a failed login, a lockout, a 403, a bad webhook signature... for alerting and
forensics, stamped with the request context and stored outside the caller's transaction.

Each event is logged on the ``eyt_audit.security`` logger, stored as a ``SecurityEvent`` (identical events within
``EYT_AUDIT_SECURITY_AGGREGATE_SECONDS`` add to one row's count, usernames compared as the lockout normalises them)
and announced by ``security_event_recorded``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import router
from django.http import HttpRequest
from django.utils import timezone
from django.utils.asyncio import async_unsafe

from eyt_audit import security_store
from eyt_audit.canonical import clean, clean_text, mask_secrets
from eyt_audit.conf import settings
from eyt_audit.context import Actor, actor_of, audit_context, current
from eyt_audit.limits.events import USERNAME_LENGTH
from eyt_audit.limits.keys import normalize_username
from eyt_audit.log import UNKNOWN, quoted
from eyt_audit.middleware import USER_AGENT_LENGTH, client_ip
from eyt_audit.models import SecurityEvent

__all__ = ["build_event", "forward_limits_event", "record_login", "security_event", "store"]

logger = logging.getLogger("eyt_audit.security")
failure_logger = logging.getLogger("eyt_audit")

TYPE_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
SEVERITIES = frozenset(SecurityEvent.Severity.values)
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


@async_unsafe
def security_event(
    event_type: str,
    *,
    severity: str = "warning",
    username: str | None = None,
    request: HttpRequest | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> SecurityEvent | None:
    """Log and store a security event, and return its row (``count`` says how many such events its window holds).

    ``event_type`` is one of ``SecurityEvent.Type`` or a host's own lower-case name (``"shop.coupon_abuse"``);
    ``severity`` one of debug, info, warning, error, critical; ``username`` the attempted username, when there is
    no authenticated actor. ``request`` defaults to the request of the current audit context. Raises
    ``ValueError`` on a bad type or severity. The event is written on a connection of its own, so the caller's
    rollback cannot erase it; a failure to store it is logged on the ``eyt_audit`` logger and ``None`` returned.
    On SQLite inside a transaction the row is written when that transaction ends, and ``None`` is returned.
    Synchronous: from an async view ``await sync_to_async(security_event)(...)``; called on an event loop it raises
    ``SynchronousOnlyOperation`` rather than dropping the event as a storage failure.
    """
    validate(event_type, severity)
    try:
        row = build_event(event_type, severity=severity, username=username, request=request, metadata=metadata)
    except Exception as error:
        _failed(event_type, error)
        return None
    _log(row)
    return store(row)


def validate(event_type: str, severity: str) -> None:
    """Raise ``ValueError`` for an event type that is not a lower-case name, or an unknown severity."""
    if not isinstance(event_type, str) or not TYPE_PATTERN.fullmatch(event_type):
        raise ValueError(
            f"event_type must be a lower-case name of at most 64 characters such as 'login_failed', not {event_type!r}"
        )
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(LEVELS)}, not {severity!r}")


def build_event(
    event_type: str,
    *,
    severity: str = "warning",
    username: str | None = None,
    request: HttpRequest | None = None,
    metadata: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The values of a ``SecurityEvent`` (all but ``count``), stamped with the request or the current context."""
    context = current()
    if request is None and context is not None:
        request = context.request
    actor: Actor | None = None
    if context is not None and context.actor is not None:  # named by audit_context()
        actor = context.actor
    elif request is not None:
        actor = actor_of(getattr(request, "user", None))
    now = now or timezone.now()
    row: dict[str, Any] = {
        "event_type": event_type,
        "severity": severity,
        "actor_pk": actor.pk[:64] if actor else "",
        "actor_repr": clean_text(actor.repr)[:255] if actor else "",
        "username": clean_text(username).strip()[:USERNAME_LENGTH] if username else "",
        "ip_address": client_ip(request) if request is not None else (context.ip_address if context else None),
        "path": clean_text(request.path)[:255] if request is not None else "",
        "method": clean_text(request.method or "")[:10] if request is not None else "",
        "request_id": clean_text(_request_id(request, context))[:64],
        "user_agent": clean_text(_user_agent(request, context))[:USER_AGENT_LENGTH],
        "metadata": mask_secrets(clean(dict(metadata or {})), settings.EYT_AUDIT_SECRET_FIELDS),
        "first_seen": now,
        "last_seen": now,
    }
    row["key"], row["window_start"] = _window(row, now)
    return row


def store(row: dict[str, Any]) -> SecurityEvent | None:
    """Store an event built by ``build_event()``; failures are logged, never raised."""
    try:
        return security_store.save(row, settings.EYT_AUDIT_SECURITY_DATABASE or router.db_for_write(SecurityEvent))
    except Exception as error:
        _failed(row["event_type"], error)
        return None


def forward_limits_event(
    sender: Any,
    *,
    event_type: str,
    severity: str,
    username: str | None,
    request: HttpRequest | None,
    metadata: Mapping[str, Any],
    **kwargs: Any,
) -> None:
    """Receiver of the limits' ``security_event_reported``: stores their lockouts, unlocks, login failures and
    rate-limit hits as ``SecurityEvent`` rows (the limits have logged them already)."""
    try:
        validate(event_type, severity)
        row = build_event(event_type, severity=severity, username=username, request=request, metadata=metadata)
    except Exception as error:
        _failed(str(event_type), error)
        return
    store(row)


def record_login(sender: Any, *, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receiver of Django's ``user_logged_in``: a ``login_succeeded`` event (severity info) naming the user."""
    with audit_context(actor=user):  # request.user may not be set yet
        security_event("login_succeeded", severity="info", username=user.get_username(), request=request)


def _request_id(request: HttpRequest | None, context: Any) -> str:
    if request is not None and getattr(request, "audit_request_id", None):
        return str(request.audit_request_id)  # type: ignore[attr-defined]
    return context.request_id if context is not None else ""


def _user_agent(request: HttpRequest | None, context: Any) -> str:
    if request is not None:
        return str(request.META.get("HTTP_USER_AGENT", ""))
    return context.user_agent if context is not None else ""


def _window(row: dict[str, Any], now: dt.datetime) -> tuple[str, dt.datetime]:
    """The aggregation key (a digest of type, username, IP, path and actor) and the start of the window. The
    username is normalised as the lockout counts it, so ``Bob`` and ``bob`` add to one row (which keeps the first
    spelling)."""
    seconds = settings.EYT_AUDIT_SECURITY_AGGREGATE_SECONDS
    if not seconds:
        return uuid.uuid4().hex, now
    username = normalize_username(row["username"])
    parts: list[Any] = [row["event_type"], username, row["ip_address"], row["path"], row["actor_pk"]]
    elapsed = int(_aware(now).timestamp())
    start = dt.datetime.fromtimestamp(elapsed - elapsed % seconds, dt.UTC)
    if now.tzinfo is None:  # USE_TZ off: local wall-clock starts repeat when clocks go back, the window number not
        parts.append(elapsed // seconds)
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest(), timezone.make_naive(start)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest(), start


def _aware(now: dt.datetime) -> dt.datetime:
    """``now``, a naive one (``USE_TZ`` off) read as ``TIME_ZONE``'s wall clock (its ``fold`` picks the hour that
    repeats when the clocks go back)."""
    return now if now.tzinfo is not None else timezone.make_aware(now)


def _log(row: dict[str, Any]) -> None:
    """One line per event; a missing value shows as ``-``, as in ``RequestContextFilter``'s fields."""
    logger.log(
        LEVELS[row["severity"]],
        "security event %s username=%s actor=%s ip=%s path=%s request_id=%s metadata=%s",
        row["event_type"],
        quoted(row["username"]),
        quoted(row["actor_pk"]),
        row["ip_address"] or UNKNOWN,
        quoted(row["path"]),
        row["request_id"] or UNKNOWN,
        json.dumps(row["metadata"], sort_keys=True),
        extra={"event_type": row["event_type"], "severity": row["severity"]},
    )


def _failed(event_type: str, error: Exception) -> None:
    failure_logger.error(
        "eyt_audit: could not store the %s security event: %r", clean_text(event_type), error, exc_info=error
    )
