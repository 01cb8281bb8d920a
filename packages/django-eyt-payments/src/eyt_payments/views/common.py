"""Small helpers the page views share: the owner's payment, the simulator, messages, safe redirects."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from eyt_payments.gateways import get_gateway
from eyt_payments.gateways.simulation import SimulatorGateway
from eyt_payments.models import Payment
from eyt_payments.state import PaymentStatus

#: Statuses in which the success page keeps asking for news (the webhook has not spoken yet).
WAITING_STATUSES = frozenset({PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING})


def owned_payment(request: HttpRequest, payment_id: Any) -> Payment:
    """The signed-in user's payment; anyone else's (or none) is a 404."""
    return get_object_or_404(Payment, pk=payment_id, user=request.user)


def simulator() -> SimulatorGateway:
    """The configured gateway when it is an offline simulator; 404 for the real Stripe gateway."""
    gateway = get_gateway()
    if not isinstance(gateway, SimulatorGateway):
        raise Http404("The test-card pages exist only with a simulator gateway.")
    return gateway


def uses_simulator() -> bool:
    """True when the configured gateway is an offline simulator rather than Stripe."""
    return isinstance(get_gateway(), SimulatorGateway)


def notify(request: HttpRequest, level: int, message: Any) -> None:
    """A flash message when django.contrib.messages is set up; silently nothing otherwise."""
    messages.add_message(request, level, message, fail_silently=True)


def safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """``candidate`` when it is a local URL of this site, else ``fallback``."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def payment_urls(request: HttpRequest, payment: Payment) -> dict[str, str]:
    """The URLs the pages' scripts need for ``payment`` (``success_url`` absolute: Stripe redirects there)."""
    success = reverse("eyt_payments:success", args=[payment.pk])
    return {
        "success_url": request.build_absolute_uri(success),
        "status_url": reverse("eyt_payments:status", args=[payment.pk]),
        "detail_url": reverse("eyt_payments:detail", args=[payment.pk]),
    }
