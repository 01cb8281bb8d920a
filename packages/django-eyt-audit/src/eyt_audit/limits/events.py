"""The one seam through which the limits report security events.

``report()`` has the signature of ``eyt_audit.security_event()``: it logs to the ``eyt_audit.security`` logger
and sends ``security_event_reported``. The ``SecurityEvent`` trail subscribes to that signal (or ``report()``
forwards to ``security_event()``), so wiring the trail is a one-line change here or one ``connect()`` there.
A failing receiver is logged and never stops the login or the request that reported the event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from eyt_audit.canonical import clean, clean_text
from eyt_audit.limits.signals import security_event_reported

__all__ = ["LIMITS_UNAVAILABLE", "LOCKOUT", "LOGIN_FAILED", "LOGIN_REFUSED", "RATE_LIMITED", "UNLOCK", "report"]

logger = logging.getLogger("eyt_audit.security")

#: A password check failed.
LOGIN_FAILED = "login_failed"
#: An attempt was refused before its password was checked (locked account, IP or pair, or counters down).
LOGIN_REFUSED = "login_refused"
#: A failure reached the limit: the account (or IP, or pair) is now locked.
LOCKOUT = "lockout"
#: Someone lifted a lock (``eyt_audit_unlock`` or ``lockout.unlock()``).
UNLOCK = "unlock"
#: A request was refused with 429 by a rate limit.
RATE_LIMITED = "rate_limited"
#: The counter cache could not be reached; the metadata says whether the decision failed open or closed.
LIMITS_UNAVAILABLE = "limits_unavailable"

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
#: Longest username kept: an email address's 254 characters, so the stored name of an ``email`` login still
#: names its lock (a cut name would not).
USERNAME_LENGTH = 254


def report(
    event_type: str,
    *,
    severity: str = "warning",
    username: str | None = None,
    request: HttpRequest | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Log a security event and send ``security_event_reported``. Never raises because of a receiver."""
    username = clean_text(username)[:USERNAME_LENGTH] if username is not None else None
    data: dict[str, Any] = clean(dict(metadata or {}))
    _log(event_type, severity, username, request, data)
    responses = security_event_reported.send_robust(
        sender=report, event_type=event_type, severity=severity, username=username, request=request, metadata=data
    )
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "security event receiver %r failed on %s",
                getattr(receiver, "__qualname__", receiver),
                event_type,
                exc_info=(type(response), response, response.__traceback__),
            )


def _log(
    event_type: str, severity: str, username: str | None, request: HttpRequest | None, data: dict[str, Any]
) -> None:
    from eyt_audit.log import UNKNOWN, quoted
    from eyt_audit.middleware import client_ip

    ip = client_ip(request) if request is not None else None
    path = clean_text(request.path)[:200] if request is not None else None
    logger.log(
        LEVELS.get(severity, logging.WARNING),
        "security event %s username=%s ip=%s path=%s metadata=%s",
        clean_text(event_type),
        quoted(username),
        ip or UNKNOWN,
        quoted(path),
        json.dumps(data, sort_keys=True),
        extra={"event_type": event_type, "severity": severity},
    )
