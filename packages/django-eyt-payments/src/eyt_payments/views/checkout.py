"""Checkout: the page, ``POST create-intent/`` (priced on the server), the simulator's test-card payment and
3D Secure page, and the success and cancel pages.

With the Stripe gateway the browser confirms the intent through Stripe.js (the Payment Element); the server
only hears the outcome through the webhook. With a simulator gateway the page shows a test-card form whose
payment the server confirms through ``StripeService``, and the simulator's events reach the same webhook.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from eyt_payments import money, payables
from eyt_payments.conf import seed_setting, settings
from eyt_payments.declines import decline_message
from eyt_payments.exceptions import GatewayError, GatewayRequestError, PaymentValidationError
from eyt_payments.forms import TestCardForm
from eyt_payments.integrations.limits import rate_limited
from eyt_payments.models import Payment
from eyt_payments.services import StripeService
from eyt_payments.state import PaymentStatus
from eyt_payments.views.common import (
    WAITING_STATUSES,
    notify,
    owned_payment,
    payment_urls,
    safe_next,
    simulator,
    uses_simulator,
)
from eyt_payments.views.responses import BadRequest, json_endpoint, no_store, read_payload

logger = logging.getLogger("eyt_payments.views")

_CONFIRMABLE = (PaymentStatus.PENDING, PaymentStatus.FAILED)


@login_required
@require_GET
def checkout(request: HttpRequest) -> HttpResponse:
    """``checkout/?type=...&ref=...``: what is being paid for, priced on the server, and the payment form."""
    payment_type, ref = request.GET.get("type", ""), request.GET.get("ref", "")
    try:
        payable = payables.resolve_payable(payment_type, ref, request.user)
        amount_minor = money.charge_amount_minor(payable.amount, payable.currency)
    except PaymentValidationError as error:
        logger.info("Checkout for %r/%r refused: %s", payment_type, ref, error)
        refused = {"message": error.user_message}
        return render(request, "eyt_payments/checkout_unavailable.html", refused, status=404)
    simulated = uses_simulator()
    public_key = "" if simulated else seed_setting("PUBLIC_KEY")
    if not simulated and not public_key:
        logger.error("The checkout page needs EYT_PAYMENTS_PUBLIC_KEY (or STRIPE_PUBLIC_KEY).")
        unavailable = {"message": _("Payments are not available right now.")}
        return render(request, "eyt_payments/checkout_unavailable.html", unavailable, status=503)
    context: dict[str, Any] = {
        "payment_type": payment_type,
        "ref": ref,
        "description": payable.description,
        "amount_display": money.format_amount(amount_minor, payable.currency),
        "simulated": simulated,
        "card_form": TestCardForm() if simulated else None,
        "checkout_config": {
            "mode": "simulator" if simulated else "stripe",
            "createIntentUrl": reverse("eyt_payments:create_intent"),
            "type": payment_type,
            "ref": ref,
            "publishableKey": public_key,
        },
        "stripe_js_url": settings.EYT_PAYMENTS_STRIPE_JS_URL,
    }
    return no_store(render(request, "eyt_payments/checkout.html", context))


@json_endpoint("POST")
@rate_limited("CREATE_INTENT_RATE", group="eyt_payments.create_intent")
def create_intent(request: HttpRequest) -> HttpResponse:
    """``POST create-intent/`` with ``type`` and ``ref`` (JSON or form): the payment and its client secret.

    The server prices the payable; an ``amount`` or ``currency`` in the body is ignored. Repeating the request
    for the same open payable returns the same payment and intent."""
    payload = read_payload(request)
    payment_type, ref = payload.get("type"), payload.get("ref")
    if payment_type in (None, ""):
        raise BadRequest("missing_type", _("Say what is being paid for (type)."))
    if ref in (None, ""):
        raise BadRequest("missing_ref", _("Say which item is being paid for (ref)."))
    payment, intent = StripeService().create_payable_intent(request.user, payment_type, ref)
    data: dict[str, Any] = {
        "payment_id": str(payment.pk),
        "client_secret": intent.client_secret,
        "status": payment.status,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "amount_display": money.format_amount(payment.amount_minor, payment.currency),
        **payment_urls(request, payment),
    }
    if uses_simulator():
        data["test_card_url"] = reverse("eyt_payments:test_card", args=[payment.pk])
        if payment.status == PaymentStatus.REQUIRES_ACTION:
            data["next_url"] = reverse("eyt_payments:test_authenticate", args=[payment.pk])
    return no_store(JsonResponse(data))


@json_endpoint("POST")
def test_card(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Simulator only: pay ``payment`` with a test card typed into the page (what Stripe.js does with Stripe)."""
    gateway = simulator()
    payment = owned_payment(request, payment_id)
    form = TestCardForm(read_payload(request))
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        raise BadRequest("invalid_card", _("Check the card details."), fields=fields)
    if payment.status not in _CONFIRMABLE:
        return _outcome(request, payment)
    month, year = form.cleaned_data["expiry"]
    try:
        method = gateway.create_payment_method(form.cleaned_data["number"], month, year, form.cleaned_data["cvc"])
    except GatewayRequestError as error:  # not one of Stripe's test cards: the customer's input, not our fault
        raise BadRequest("invalid_card", error.user_message, fields={"number": [error.user_message]}) from None
    try:
        StripeService().confirm_payment(payment, payment_method=method.id)
    except PaymentValidationError:
        payment.refresh_from_db()
        if payment.status in _CONFIRMABLE:
            raise
    return _outcome(request, payment)


def _outcome(request: HttpRequest, payment: Payment) -> HttpResponse:
    """Where the browser goes after a confirmation attempt: the 3D Secure page, or the success page."""
    urls = payment_urls(request, payment)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        next_url = reverse("eyt_payments:test_authenticate", args=[payment.pk])
    else:
        next_url = urls["success_url"]
    return no_store(JsonResponse({"payment_id": str(payment.pk), "status": payment.status, "next_url": next_url}))


@login_required
@require_http_methods(["GET", "POST"])
def test_authenticate(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Simulator only: the bank's 3D Secure page. Approving charges the card, failing leaves the payment failed;
    either way the outcome reaches the payment through the webhook pipeline."""
    gateway = simulator()
    payment = owned_payment(request, payment_id)
    success_url = reverse("eyt_payments:success", args=[payment.pk])
    back = safe_next(request, request.POST.get("back") or request.GET.get("back"), success_url)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return redirect(success_url)
    if request.method == "POST":
        approve = request.POST.get("outcome") == "approve"
        try:
            gateway.authenticate_intent(payment.stripe_payment_intent_id or "", success=approve)
        except GatewayError as error:
            logger.info("Simulated authentication of %s refused: %s", payment.pk, error)
            notify(request, messages.ERROR, error.user_message)
            return redirect(success_url)
        if approve:
            return redirect(success_url)
        notify(request, messages.ERROR, decline_message("payment_intent_authentication_failure"))
        return redirect(back)
    context = {"payment": payment, "back": back, "amount_display": _amount(payment)}
    return no_store(render(request, "eyt_payments/test_authenticate.html", context))


@login_required
@require_GET
def success(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """The state the webhook confirmed; while it has not, the page asks ``status/`` for news."""
    payment = owned_payment(request, payment_id)
    context = {
        "payment": payment,
        "amount_display": _amount(payment),
        "failure_message": _failure_message(payment),
        "waiting": payment.status in WAITING_STATUSES,
        "status_config": {
            "statusUrl": reverse("eyt_payments:status", args=[payment.pk]),
            "interval": float(settings.EYT_PAYMENTS_STATUS_POLL_INTERVAL),
            "waiting": payment.status in WAITING_STATUSES,
        },
    }
    return no_store(render(request, "eyt_payments/success.html", context))


@json_endpoint("GET")
def status(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """``GET <id>/status/``: the payment's current status as JSON, for the success page."""
    payment = owned_payment(request, payment_id)
    return no_store(JsonResponse(status_data(payment)))


def status_data(payment: Payment) -> dict[str, Any]:
    """What ``status/`` answers: the status, its label, whether to keep waiting, and a failure's message."""
    return {
        "payment_id": str(payment.pk),
        "status": payment.status,
        "status_label": str(payment.get_status_display()),
        "waiting": payment.status in WAITING_STATUSES,
        "amount_display": _amount(payment),
        "message": _failure_message(payment),
    }


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponse:
    """The page a customer reaches after leaving checkout; ``POST`` with ``payment`` cancels that open payment."""
    payment_id = request.POST.get("payment") if request.method == "POST" else request.GET.get("payment")
    payment = None
    if payment_id:
        try:
            payment = owned_payment(request, UUID(str(payment_id)))
        except ValueError:
            return render(request, "eyt_payments/cancel.html", {"payment": None}, status=404)
    if request.method == "POST":
        if payment is None:
            return render(request, "eyt_payments/cancel.html", {"payment": None}, status=400)
        try:
            StripeService().cancel_payment(payment)
        except (PaymentValidationError, GatewayError) as error:
            logger.info("Canceling %s refused: %s", payment.pk, error)
            notify(request, messages.ERROR, _("This payment can no longer be canceled."))
            return redirect("eyt_payments:detail", payment.pk)
        notify(request, messages.SUCCESS, _("The payment was canceled. Nothing was charged."))
        return redirect("eyt_payments:history")
    cancelable = payment is not None and payment.is_open
    return render(request, "eyt_payments/cancel.html", {"payment": payment, "cancelable": cancelable})


def _amount(payment: Payment) -> str:
    return money.format_amount(payment.amount_minor, payment.currency)


def _failure_message(payment: Payment) -> str:
    if payment.status != PaymentStatus.FAILED:
        return ""
    return decline_message(payment.failure_code or None)
