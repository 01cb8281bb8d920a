"""Money operations into django-eyt-audit's trail, refused webhooks as security events, and the audit context
carried from the webhook request into the worker, when that app is installed; a no-op (security events: a log
line) otherwise."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

logger = logging.getLogger("eyt_payments.security")


def is_enabled() -> bool:
    """True when django-eyt-audit (``eyt_audit``) is installed."""
    return apps.is_installed("eyt_audit")


def record(
    action: str,
    target: Model | None = None,
    *,
    actor: Any = None,
    metadata: Mapping[str, Any] | None = None,
    outcome: str = "success",
) -> None:
    """Record ``payments.<action>`` about ``target``; the request context (actor, IP, request id) comes from
    eyt_audit itself. Never pass card data or client secrets in ``metadata``."""
    if not is_enabled():
        return
    from eyt_audit import record as audit_record

    audit_record(f"payments.{action}", target, actor=actor, metadata=dict(metadata or {}), outcome=outcome)


def together() -> AbstractContextManager[Any]:
    """A transaction around a change and the ``record()`` of it, so the entry commits with the change (one commit
    for both) or not at all; without eyt_audit there is nothing to record and the change commits on its own."""
    return transaction.atomic() if is_enabled() else nullcontext()


def snapshot(*, anonymous: bool = False) -> dict[str, Any] | None:
    """The current audit context (actor, client IP, request id, ...) as JSON-safe data to store with work done
    later; ``None`` without eyt_audit or outside any context.

    ``anonymous``: the request is a machine's (Stripe's webhook delivery), not a user's: its session and user,
    which eyt_audit reads lazily, are not looked at (no session or user query, whatever cookie came along); an
    actor bound explicitly (``audit_context(actor=...)``) is kept."""
    if not is_enabled():
        return None
    from eyt_audit import context

    if not anonymous:
        return context.snapshot()
    current = context.current()
    if current is None:
        return None
    return dataclasses.replace(current, request=None).as_dict()


@contextmanager
def restored(data: Mapping[str, Any] | None) -> Iterator[None]:
    """Stamp the entries recorded inside the block with a context taken by ``snapshot()``; without eyt_audit or
    ``data`` the current context (if any) stays."""
    if not data or not is_enabled():
        yield
        return
    from eyt_audit.context import restored as bind

    with bind(data):
        yield


def security_event(
    event_type: str,
    *,
    severity: str = "warning",
    request: HttpRequest | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Report a security event (a refused webhook) to eyt_audit when installed; otherwise log it.

    An eyt_audit without ``security_event`` (older versions) is handled by logging, never by failing."""
    data = dict(metadata or {})
    reporter = None
    if is_enabled():
        import eyt_audit

        reporter = getattr(eyt_audit, "security_event", None)
    if reporter is None:
        logger.warning("Security event %s (%s): %s", event_type, severity, data)
        return
    reporter(event_type, severity=severity, request=request, metadata=data)
