"""One payment: its detail page (refunds, fees, refund requests) and the refund request form."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from eyt_payments import money, state
from eyt_payments.exceptions import PaymentsError
from eyt_payments.forms import RefundRequestForm
from eyt_payments.hooks import get_adapter
from eyt_payments.models import Payment, RefundRequest
from eyt_payments.refund_requests import request_refund
from eyt_payments.views.common import notify, owned_payment
from eyt_payments.views.responses import no_store

logger = logging.getLogger("eyt_payments.views")


@login_required
@require_GET
def detail(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """A payment with its refunds, fees and refund requests."""
    payment = owned_payment(request, payment_id)
    context = {
        "payment": payment,
        "amount_display": _fmt(payment, payment.amount_minor),
        "refunded_display": _fmt(payment, payment.amount_refunded_minor),
        "refunds": payment.refunds.all(),
        "refund_requests": payment.refund_requests.all(),
        "fees": _fees(payment),
        "can_request_refund": can_request_refund(payment),
    }
    return no_store(render(request, "eyt_payments/detail.html", context))


def can_request_refund(payment: Payment) -> bool:
    """Refundable status, money left, the refund window open, and no request already waiting."""
    return refund_refusal(payment) is None


def refund_refusal(payment: Payment) -> str | None:
    """Why the payer cannot ask for a refund of ``payment`` now, in words for them; ``None`` when they can."""
    if payment.status not in state.REFUNDABLE_STATUSES or payment.refundable_minor <= 0:
        return str(_("This payment cannot be refunded (any more)."))
    deadline = get_adapter().refund_deadline(payment)
    if deadline is not None and timezone.now() > deadline:
        return str(_("This payment cannot be refunded (any more)."))
    if payment.refund_requests.filter(status=RefundRequest.Status.PENDING).exists():
        return str(_("A refund request for this payment is already waiting for an answer."))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Ask for a refund: refunded at once when the adapter's ``may_refund`` allows it, else a request for staff."""
    payment = owned_payment(request, payment_id)
    refusal = refund_refusal(payment)
    if refusal is not None:
        notify(request, messages.ERROR, refusal)
        return redirect("eyt_payments:detail", payment.pk)
    form = RefundRequestForm(request.POST if request.method == "POST" else None, payment=payment)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = request_refund(
                    request.user, payment, form.cleaned_data["amount"], form.cleaned_data["reason"]
                )
            except PaymentsError as error:
                logger.info("Refund of %s refused: %s", payment.pk, error)
                form.add_error(None, error.user_message)
            else:
                if outcome.refund is not None:
                    shown = _fmt(payment, outcome.refund.amount_minor)
                    notify(request, messages.SUCCESS, _("%(amount)s refunded.") % {"amount": shown})
                else:
                    notify(request, messages.SUCCESS, _("Your refund request was sent. We will review it soon."))
                return redirect("eyt_payments:detail", payment.pk)
        status = 400
    context = {"payment": payment, "form": form, "refundable_display": _fmt(payment, payment.refundable_minor)}
    return no_store(render(request, "eyt_payments/refund.html", context, status=status))


def _fmt(payment: Payment, amount_minor: int) -> str:
    return money.format_amount(amount_minor, payment.currency)


def _fees(payment: Payment) -> dict[str, Any]:
    actual = payment.actual_stripe_fee_minor
    if actual is None:
        stripe_fee = _fmt(payment, payment.estimated_stripe_fee_minor) if payment.estimated_stripe_fee_minor else None
    else:  # Stripe's real fee and net are in the settlement currency
        stripe_fee = money.format_amount(actual, payment.fee_currency) if actual else None
    net = payment.stripe_net_minor
    return {
        "stripe_fee": stripe_fee or _zero(payment),
        "stripe_fee_is_estimate": actual is None,
        "platform_fee": _fmt(payment, payment.platform_fee_minor) if payment.platform_fee_minor else _zero(payment),
        "net": None if net is None else money.format_amount(net, payment.fee_currency),
    }


def _zero(payment: Payment) -> str:
    return f"{money.from_minor(0, payment.currency)} {payment.currency.upper()}"
