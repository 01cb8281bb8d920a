from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esports.checkout import redirect_to_checkout
from eyt_payments.exceptions import PaymentValidationError, RefundNotAllowed
from eyt_payments.money import format_amount
from tournaments import billing
from tournaments.models import Registration, Tournament


def tournament_list(request: HttpRequest) -> HttpResponse:
    tournaments = Tournament.objects.filter(starts_at__gt=timezone.now()).select_related("organiser")
    return render(request, "tournaments/list.html", {"tournaments": tournaments})


def tournament_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tournament = get_object_or_404(Tournament.objects.select_related("organiser"), pk=pk)
    registration = None
    if request.user.is_authenticated:
        registration = tournament.registrations.filter(player=request.user).first()
    context = {
        "tournament": tournament,
        "registration": registration,
        "seats_left": tournament.capacity - tournament.seats_taken(),
        "refund_percent": billing.refund_percent(tournament),
    }
    return render(request, "tournaments/detail.html", context)


@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    tournament = get_object_or_404(Tournament, pk=pk)
    try:
        billing.price_entry(str(tournament.pk), request.user)
    except PaymentValidationError as error:
        messages.error(request, error.user_message)
        return redirect(tournament)
    return redirect_to_checkout("tournament_fee", tournament.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(Registration, tournament_id=pk, player=request.user)
    try:
        refund = billing.cancel_registration(registration, request.user)
    except (RefundNotAllowed, PaymentValidationError) as error:
        messages.error(request, error.user_message)
    else:
        refunded = format_amount(refund.amount_minor, refund.currency) if refund else "nothing (free entry)"
        messages.success(request, f"Registration cancelled. Refunded: {refunded}.")
    return redirect(registration.tournament)
