"""The HTML pages: the notification list, a notification's detail and the preferences form."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from eyt_notify import inbox
from eyt_notify.conf import settings
from eyt_notify.forms import FilterForm, PreferencesForm, QuietHoursForm
from eyt_notify.live import get_broker
from eyt_notify.models import QuietHours
from eyt_notify.preferences import set_preference
from eyt_notify.serializers import safe_url
from eyt_notify.views.push import push_public_key
from eyt_notify.views.responses import logged_in_user

__all__ = ["notification_detail", "notification_list", "preferences"]


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """Filters ``state``, ``type``, ``priority``, search ``q`` in title and message, ``page``."""
    form = FilterForm(request.GET)
    if not form.is_valid():
        return render(request, "eyt_notify/list.html", {"form": form, "page_obj": None}, status=400)
    queryset = inbox.notifications_of(logged_in_user(request))
    state, ntype, priority = form.cleaned_data["state"], form.cleaned_data["type"], form.cleaned_data["priority"]
    if state == "unread":
        queryset = queryset.unread()
    elif state == "read":
        queryset = queryset.read()
    if ntype:
        queryset = queryset.filter(notification_type=ntype)
    if priority:
        queryset = queryset.filter(priority=priority)
    queryset = inbox.search(queryset, form.cleaned_data["q"])
    page = Paginator(queryset, settings.EYT_NOTIFY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "eyt_notify/list.html", {"form": form, "page_obj": page, "query": query.urlencode()})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def notification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows one of the user's notifications and marks it read; someone else's is a 404."""
    notification = inbox.mark_read(logged_in_user(request), pk)
    if notification is None:
        raise Http404(_("No such notification."))
    return render(
        request,
        "eyt_notify/detail.html",
        {"notification": notification, "action_url": safe_url(notification.action_url)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Channels per type (required ones locked), quiet hours in the user's time zone, and web push opt-in."""
    user = logged_in_user(request)
    quiet_hours = QuietHours.objects.filter(user_id=user.pk).first()
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(user, data)
    quiet_form = QuietHoursForm(data, existing=quiet_hours, default_timezone=django_settings.TIME_ZONE or "UTC")
    if request.method == "POST" and form.is_valid() and quiet_form.is_valid():
        with transaction.atomic():
            for ntype, channel, enabled in form.changes():
                set_preference(user, channel, enabled, notification_type=ntype.key)
            quiet_form.save(user)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("eyt_notify:preferences")
    context = {
        "form": form,
        "quiet_form": quiet_form,
        "push_public_key": push_public_key(),
        "live": get_broker() is not None,
    }
    return render(request, "eyt_notify/preferences.html", context, status=400 if request.method == "POST" else 200)
