"""``{% load eyt_notify %}``: ``{% notification_bell %}``, ``{% unread_count %}``, ``{% eyt_notify_script %}`` and the
``display_name`` filter."""

from __future__ import annotations

from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from eyt_notify import counts
from eyt_notify.adapter import get_adapter
from eyt_notify.conf import settings
from eyt_notify.live import get_broker

register = template.Library()


def csp_nonce(context: template.Context) -> str | None:
    """The CSP nonce of the request: Django 6's ``csp_nonce`` (context or middleware), django-csp's
    ``request.csp_nonce``, or a ``csp_nonce`` context variable the project provides."""
    nonce = context.get("csp_nonce")
    request = context.get("request")
    if not nonce and request is not None:
        nonce = getattr(request, "_csp_nonce", None) or getattr(request, "csp_nonce", None)
    return str(nonce) if nonce else None


@register.simple_tag(takes_context=True)
def eyt_notify_script(context: template.Context, path: str) -> SafeString:
    """A deferred ``<script>`` for a static file of the package, with the request's CSP nonce when there is one."""
    nonce = csp_nonce(context)
    if nonce:
        return format_html('<script src="{}" defer nonce="{}"></script>', static(path), nonce)
    return format_html('<script src="{}" defer></script>', static(path))


@register.filter
def display_name(user: Any) -> str:
    """``{{ notification.actor|display_name }}``: the user as the adapter names them to recipients
    (``get_display_name()``), the same name the JSON endpoints give."""
    return get_adapter().get_display_name(user) if user is not None else ""


def _user_id(context: template.Context) -> Any | None:
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user.pk if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    """The logged-in user's unread count (from the cache); 0 when logged out."""
    user_id = _user_id(context)
    return counts.unread_count(user_id).count if user_id is not None else 0


@register.inclusion_tag("eyt_notify/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    """A bell button with the unread badge and a dropdown of recent notifications; nothing when logged out."""
    user_id = _user_id(context)
    if user_id is None:
        return {"show": False}
    request = context.get("request")
    return {
        "show": True,
        "count": counts.unread_count(user_id).count,
        "csrf_token": get_token(request) if request is not None else context.get("csrf_token", ""),
        "stream_url": reverse("eyt_notify:stream") if get_broker() is not None else "",
        "poll_interval": settings.EYT_NOTIFY_POLL_INTERVAL,
        "limit": settings.EYT_NOTIFY_RECENT_LIMIT,
        "csp_nonce": csp_nonce(context),
        "request": request,
    }
