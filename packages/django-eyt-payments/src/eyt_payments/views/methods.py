"""Saved payment methods: list, add (SetupIntent + Payment Element, or the simulator's test-card form),
remove and set default. Every method is looked up through the signed-in user's customer: another user's is a 404."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from eyt_payments.conf import seed_setting, settings
from eyt_payments.exceptions import GatewayError, GatewayRequestError, PaymentValidationError
from eyt_payments.forms import TestCardForm
from eyt_payments.models import PaymentMethod
from eyt_payments.services import StripeService
from eyt_payments.views.common import notify, simulator, uses_simulator
from eyt_payments.views.responses import BadRequest, json_endpoint, no_store, read_payload

logger = logging.getLogger("eyt_payments.views")

_PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,250}$")


@login_required
@require_GET
def methods(request: HttpRequest) -> HttpResponse:
    """The user's saved cards, default first, each with remove and make-default buttons."""
    saved = StripeService().list_payment_methods(request.user)
    return no_store(render(request, "eyt_payments/methods.html", {"methods": saved}))


@csrf_exempt  # a POST is CSRF-checked by ``_add`` (json_endpoint), which answers a refusal in JSON
def method_add(request: HttpRequest) -> HttpResponse:
    """``GET``: the add-a-card page. ``POST`` (JSON or form): record the card, answered in JSON."""
    if request.method == "POST":
        return _add(request)
    return _add_page(request)


@login_required
@require_GET
def _add_page(request: HttpRequest) -> HttpResponse:
    simulated = uses_simulator()
    public_key = "" if simulated else seed_setting("PUBLIC_KEY")
    context = {
        "simulated": simulated,
        "card_form": TestCardForm() if simulated else None,
        "unavailable": not simulated and not public_key,
        "method_config": {
            "mode": "simulator" if simulated else "stripe",
            "addUrl": reverse("eyt_payments:method_add"),
            "setupUrl": reverse("eyt_payments:method_setup"),
            "returnUrl": request.build_absolute_uri(reverse("eyt_payments:methods")),
            "publishableKey": public_key,
        },
        "stripe_js_url": settings.EYT_PAYMENTS_STRIPE_JS_URL,
    }
    return no_store(render(request, "eyt_payments/method_add.html", context))


@json_endpoint("POST")
def _add(request: HttpRequest) -> HttpResponse:
    payload = read_payload(request)
    set_default = str(payload.get("set_default", "")).lower() in ("1", "true", "on", "yes")
    service = StripeService()
    if uses_simulator():
        payment_method_id = _tokenise_test_card(request, payload)
    else:
        payment_method_id = str(payload.get("payment_method") or "")
        if not _PAYMENT_METHOD_ID.match(payment_method_id):
            raise BadRequest("invalid_payment_method", _("The card could not be saved. Please try again."))
    method = service.add_payment_method(request.user, payment_method_id, set_default=set_default)
    notify(request, messages.SUCCESS, _("Card ending in %(last4)s saved.") % {"last4": method.last4})
    return no_store(JsonResponse({**_method_data(method), "next_url": reverse("eyt_payments:methods")}))


def _tokenise_test_card(request: HttpRequest, payload: dict[str, Any]) -> str:
    """What the Payment Element does with Stripe: a SetupIntent confirmed with the typed (test) card."""
    gateway = simulator()
    form = TestCardForm(payload)
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        raise BadRequest("invalid_card", _("Check the card details."), fields=fields)
    month, year = form.cleaned_data["expiry"]
    try:
        method = gateway.create_payment_method(form.cleaned_data["number"], month, year, form.cleaned_data["cvc"])
    except GatewayRequestError as error:
        raise BadRequest("invalid_card", error.user_message, fields={"number": [error.user_message]}) from None
    setup = StripeService().start_payment_method_setup(request.user)
    gateway.confirm_setup_intent(setup.id, method.id)
    return method.id


@json_endpoint("POST")
def method_setup(request: HttpRequest) -> HttpResponse:
    """``POST methods/add/setup/``: a SetupIntent's client secret for the Payment Element."""
    setup = StripeService().start_payment_method_setup(request.user)
    return no_store(JsonResponse({"client_secret": setup.client_secret}))


@login_required
@require_POST
def method_remove(request: HttpRequest, method_id: int) -> HttpResponse:
    """Detach the card at the provider and forget it."""
    method = _owned(request, method_id)
    try:
        StripeService().remove_payment_method(request.user, method)
    except (PaymentValidationError, GatewayError) as error:
        logger.info("Removing payment method %s refused: %s", method.pk, error)
        notify(request, messages.ERROR, error.user_message)
    else:
        notify(request, messages.SUCCESS, _("Card ending in %(last4)s removed.") % {"last4": method.last4})
    return redirect("eyt_payments:methods")


@login_required
@require_POST
def method_set_default(request: HttpRequest, method_id: int) -> HttpResponse:
    """Make the card the default, here and on the Stripe customer."""
    method = _owned(request, method_id)
    try:
        StripeService().set_default_payment_method(request.user, method)
    except (PaymentValidationError, GatewayError) as error:
        logger.info("Making payment method %s the default refused: %s", method.pk, error)
        notify(request, messages.ERROR, error.user_message)
    else:
        notify(request, messages.SUCCESS, _("Card ending in %(last4)s is now your default.") % {"last4": method.last4})
    return redirect("eyt_payments:methods")


def _owned(request: HttpRequest, method_id: int) -> PaymentMethod:
    return get_object_or_404(PaymentMethod, pk=method_id, customer__user=request.user)


def _method_data(method: PaymentMethod) -> dict[str, Any]:
    return {
        "id": method.pk,
        "brand": method.brand,
        "last4": method.last4,
        "exp_month": method.exp_month,
        "exp_year": method.exp_year,
        "is_default": method.is_default,
    }
