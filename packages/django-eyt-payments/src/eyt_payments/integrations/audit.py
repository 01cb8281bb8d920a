"""Money operations into django-eyt-audit's trail, and refused webhooks as security events, when that app is
installed; a no-op (security events: a log line) otherwise."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.http import HttpRequest

logger = logging.getLogger("eyt_payments.security")


def is_enabled() -> bool:
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
