from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from esports.checkout import redirect_to_checkout
from venues.forms import BookVenueForm
from venues.models import Venue, VenueBooking


def venue_list(request: HttpRequest) -> HttpResponse:
    bookings = []
    if request.user.is_authenticated:
        bookings = VenueBooking.objects.filter(booked_by=request.user).select_related("venue")
    return render(
        request, "venues/list.html", {"venues": Venue.objects.all(), "bookings": bookings, "form": BookVenueForm()}
    )


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk)
    form = BookVenueForm(request.POST)
    if not form.is_valid():
        context = {"venues": Venue.objects.all(), "form": form, "failed_venue": venue}
        return render(request, "venues/list.html", context, status=400)
    booking = VenueBooking.objects.create(
        venue=venue, booked_by=request.user, starts_at=form.cleaned_data["starts_at"], hours=form.cleaned_data["hours"]
    )
    return redirect_to_checkout("venue_booking", booking.pk)
