"""``csrf_failure``: a ``CSRF_FAILURE_VIEW`` that records a ``csrf_failure`` security event, then answers with
Django's own CSRF failure page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseForbidden
from django.views.csrf import csrf_failure as django_csrf_failure

from eyt_audit.middleware import SECURITY_EVENT_ATTRIBUTE

__all__ = ["csrf_failure"]


def csrf_failure(request: HttpRequest, reason: str = "", template_name: str = "403_csrf.html") -> HttpResponseForbidden:
    """Record the failure (the reason Django gives, never the tokens) and delegate to Django's default view.

    Enable with ``CSRF_FAILURE_VIEW = "eyt_audit.views.csrf_failure"``.
    """
    from eyt_audit.security import security_event

    security_event("csrf_failure", request=request, metadata={"reason": reason})
    setattr(request, SECURITY_EVENT_ATTRIBUTE, "csrf_failure")
    return django_csrf_failure(request, reason=reason, template_name=template_name)
