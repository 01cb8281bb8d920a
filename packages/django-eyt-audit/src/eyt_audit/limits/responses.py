"""Refusals: 429 with ``Retry-After`` (503 when the counters are down and the rule fails closed), as JSON for
JSON requests and from the template ``eyt_audit/rate_limited.html`` otherwise."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

__all__ = ["limits_unavailable", "too_many_requests", "wants_json"]

TEMPLATE = "eyt_audit/rate_limited.html"
#: Seconds a client is told to wait when the counters are down and a rule fails closed.
UNAVAILABLE_RETRY_AFTER = 5


def wants_json(request: HttpRequest) -> bool:
    """A JSON body, or an ``Accept`` header that prefers JSON to HTML."""
    if request.content_type == "application/json":
        return True
    if "HTTP_ACCEPT" not in request.META:
        return False
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 refusal: JSON or the ``eyt_audit/rate_limited.html`` page, with ``Retry-After``."""
    message = _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": retry_after}
    return _refusal(request, 429, "rate_limited", message, retry_after)


def limits_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer of a fail-closed limit while the counter cache is down."""
    message = _("This service is busy. Try again in a few seconds.")
    return _refusal(request, 503, "limits_unavailable", message, UNAVAILABLE_RETRY_AFTER)


def _refusal(request: HttpRequest, status: int, code: str, message: str, retry_after: int) -> HttpResponse:
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"code": code, "message": message, "retry_after": retry_after}, status=status)
    else:
        context = {"status": status, "code": code, "message": message, "retry_after": retry_after}
        body: str
        try:
            body = render_to_string(TEMPLATE, context, request=request)
        except TemplateDoesNotExist:  # a project without app templates still gets a readable page
            body = f"<!doctype html><title>{status}</title><p>{escape(message)}</p>"
        response = HttpResponse(body, status=status)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
