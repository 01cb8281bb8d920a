"""A logging filter that stamps every record with the request context, so log lines and audit entries of one
request share its id::

    LOGGING = {
        ...,
        "filters": {"request_context": {"()": "eyt_audit.log.RequestContextFilter"}},
        "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s request=%(request_id)s "
                                          "ip=%(client_ip)s %(message)s"}},
        "handlers": {"console": {..., "filters": ["request_context"], "formatter": "line"}},
    }
"""

from __future__ import annotations

import json
import logging

from eyt_audit.context import current
from eyt_audit.middleware import client_ip

__all__ = ["UNKNOWN", "RequestContextFilter", "quoted"]

#: What a log line shows for a missing value.
UNKNOWN = "-"


def quoted(value: str | None) -> str:
    """``value`` as a JSON string for a log line (so a ``-`` typed in stays ``"-"``), or ``-`` when missing."""
    return json.dumps(value) if value else UNKNOWN


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``client_ip`` from the current audit context (``-`` outside any context).

    Django logs a request's 4xx and 5xx responses (``django.request``) after the middleware has returned; those
    records carry the request, whose id the middleware kept on it. The filter never reads the user or the
    session: a log call must not query the database."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        request = getattr(record, "request", None)
        if context is not None:
            request_id, ip = context.request_id, context.ip_address
        elif request is not None and hasattr(request, "audit_request_id"):
            request_id, ip = request.audit_request_id, client_ip(request)
        else:
            request_id, ip = "", None
        record.request_id = request_id or UNKNOWN
        record.client_ip = ip or UNKNOWN
        return True
