from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coaching import billing
from coaching.forms import BookSessionForm
from coaching.models import Coach, CoachingSession
from esports.checkout import redirect_to_checkout
from eyt_payments.exceptions import PaymentValidationError, RefundNotAllowed


def coaching_home(request: HttpRequest) -> HttpResponse:
    sessions = []
    if request.user.is_authenticated:
        sessions = CoachingSession.objects.filter(player=request.user).select_related("coach__user")
    context = {
        "coaches": Coach.objects.select_related("user"),
        "sessions": sessions,
        "form": BookSessionForm(),
    }
    return render(request, "coaching/home.html", context)


@login_required
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    form = BookSessionForm(request.POST)
    if not form.is_valid():
        return render(
            request, "coaching/home.html", {"coaches": Coach.objects.select_related("user"), "form": form}, status=400
        )
    session = CoachingSession.objects.create(
        coach=form.cleaned_data["coach"],
        player=request.user,
        starts_at=form.cleaned_data["starts_at"],
        minutes=form.cleaned_data["minutes"],
    )
    return redirect_to_checkout("coaching_session", session.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(CoachingSession, pk=pk, player=request.user)
    try:
        billing.cancel_session(session, request.user)
    except (RefundNotAllowed, PaymentValidationError) as error:
        messages.error(request, error.user_message)
    else:
        messages.success(request, "Session cancelled and refunded.")
    return redirect("coaching:home")
