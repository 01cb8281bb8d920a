"""``{% load eyt_payments %}``: script tags carrying the request's CSP nonce, and money formatting."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from eyt_payments import money

register = template.Library()


def csp_nonce(context: template.Context) -> str | None:
    """The request's CSP nonce: Django 6's (``csp_nonce`` in the context, or its middleware's), django-csp's
    ``request.csp_nonce``, or ``None`` when the project has no CSP nonce."""
    nonce = context.get("csp_nonce")
    request = context.get("request")
    if not nonce and request is not None:
        nonce = getattr(request, "_csp_nonce", None) or getattr(request, "csp_nonce", None)
    return str(nonce) if nonce else None


def _script(context: template.Context, src: str) -> SafeString:
    nonce = csp_nonce(context)
    if nonce:
        return format_html('<script src="{}" defer nonce="{}"></script>', src, nonce)
    return format_html('<script src="{}" defer></script>', src)


@register.simple_tag(takes_context=True)
def payments_script(context: template.Context, path: str) -> SafeString:
    """A deferred ``<script>`` for a static file of the package, with the CSP nonce when there is one."""
    return _script(context, static(path))


@register.simple_tag(takes_context=True)
def stripe_js(context: template.Context, url: str) -> SafeString:
    """Stripe.js from js.stripe.com (deferred, with the CSP nonce when there is one)."""
    return _script(context, url)


@register.filter
def minor_amount(amount_minor: Any, currency: str) -> str:
    """``{{ refund.amount_minor|minor_amount:refund.currency }}`` -> ``"10.50 USD"``."""
    if amount_minor is None:
        return ""
    return money.format_amount(int(amount_minor), currency)
