"""``AuditContextMiddleware``: binds the audit context for each request and echoes its request id."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

from eyt_audit.conf import settings
from eyt_audit.context import AuditContext, bind

__all__ = ["AuditContextMiddleware", "client_ip", "parse_ip", "request_id"]

#: Set on a request whose refusal has been recorded as a security event already (e.g. by the CSRF failure view).
SECURITY_EVENT_ATTRIBUTE = "eyt_audit_security_event"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:=/+-]{1,64}")
USER_AGENT_LENGTH = 255


class AuditContextMiddleware:
    """Capture actor, client IP, request id, user agent and a session fingerprint for the request's entries.

    The actor and session are read lazily, so requests that record nothing cost no extra query. Every 403 response
    passing through (``PermissionDenied`` raised anywhere inside, or a view's own 403) is recorded as a
    ``permission_denied`` security event unless ``EYT_AUDIT_RECORD_PERMISSION_DENIED`` is off. Works under WSGI
    and ASGI.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if iscoroutinefunction(self.get_response):
            return self.__acall__(request)
        context = context_for(request)
        with bind(context):
            response = self.get_response(request)
            if _is_unrecorded_denial(request, response):
                record_denial(request, response)
        return echo_request_id(response, context)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        context = context_for(request)
        with bind(context):
            response = await self.get_response(request)
            if _is_unrecorded_denial(request, response):
                await sync_to_async(record_denial)(request, response)
        return echo_request_id(response, context)


def _is_unrecorded_denial(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        response.status_code == 403
        and not hasattr(request, SECURITY_EVENT_ATTRIBUTE)
        and settings.EYT_AUDIT_RECORD_PERMISSION_DENIED
    )


def record_denial(request: HttpRequest, response: HttpResponseBase) -> None:
    """Record a ``permission_denied`` security event for a 403 ``response`` to ``request``."""
    from eyt_audit.security import security_event

    security_event("permission_denied", request=request)
    setattr(request, SECURITY_EVENT_ATTRIBUTE, "permission_denied")


def context_for(request: HttpRequest) -> AuditContext:
    """The audit context of ``request`` (IP, request id, user agent; the actor is read lazily)."""
    context = AuditContext(
        ip_address=client_ip(request),
        request_id=request_id(request),
        user_agent=clean_header(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH],
        request=request,
    )
    request.audit_request_id = context.request_id  # type: ignore[attr-defined]
    return context


def echo_request_id(response: HttpResponseBase, context: AuditContext) -> HttpResponseBase:
    """Set ``EYT_AUDIT_RESPONSE_REQUEST_ID_HEADER`` on ``response`` (nothing when it is ``None``)."""
    header = settings.EYT_AUDIT_RESPONSE_REQUEST_ID_HEADER
    if header:
        response.headers[header] = context.request_id
    return response


def request_id(request: HttpRequest) -> str:
    """The incoming id from the trusted header when one is configured and well-formed, else a new one."""
    header = settings.EYT_AUDIT_REQUEST_ID_HEADER
    if header:
        incoming = str(request.META.get(header, "")).strip()
        if REQUEST_ID_PATTERN.fullmatch(incoming):
            return incoming
    return uuid.uuid4().hex


def client_ip(request: HttpRequest) -> str | None:
    """The client address: ``REMOTE_ADDR`` unless trusted proxies are configured, then read from the right of
    the forwarded-for chain, so an address the client wrote itself never wins."""
    remote = parse_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.EYT_AUDIT_TRUSTED_PROXIES
    if not proxies or remote is None:
        return remote
    forwarded = request.META.get(settings.EYT_AUDIT_FORWARDED_FOR_HEADER, "")
    hops = [parse_ip(part) for part in forwarded.split(",")] if forwarded else []
    chain = [*hops, remote]
    if isinstance(proxies, int):
        return chain[-1 - proxies] if len(chain) > proxies else remote
    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
    for address in reversed(chain):
        if address is None:  # an unreadable hop: nothing left of it can be trusted
            return None
        if not any(ipaddress.ip_address(address) in network for network in networks):
            return address
    return chain[0]


def parse_ip(value: str) -> str | None:
    """A normalised IP address from ``value``, which may carry a port (``1.2.3.4:80``, ``[::1]:80``) or an IPv6
    zone; ``None`` when it is not an address."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    value = value.partition("%")[0]
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def clean_header(value: str) -> str:
    """``value`` with control characters (CR, LF, DEL...) replaced by spaces."""
    return "".join(" " if ch < " " or ch == "\x7f" else ch for ch in value)
