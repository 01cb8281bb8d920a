"""The JSON endpoints (schema in the README): recent, unread-count, read, mark-all-read, delete."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response
from django.utils.http import url_has_allowed_host_and_scheme

from eyt_notify import counts, inbox
from eyt_notify.conf import settings
from eyt_notify.fast_path import remember_login
from eyt_notify.serializers import serialize
from eyt_notify.session_auth import login_and_cached
from eyt_notify.views.responses import api_view, json_error, json_response, logged_in_user

__all__ = ["delete", "mark_all_read", "mark_read", "recent", "unread_count"]

MAX_RECENT = 50


@api_view("GET", "HEAD", login=False)
def unread_count(request: HttpRequest) -> HttpResponse:
    """``{"unread_count": 3}`` with an ETag; no database query when the count and the login are cached.

    The login check and the count are one cache read (``login_and_cached``) next to the session's own. Behind
    ``UnreadCountFastPath`` (``eyt_notify.asgi`` or ``eyt_notify.wsgi``) this view answers only what the wrapper
    could not, and sets its hint.
    """
    user_id, cached = login_and_cached(request, counts.cache_keys)
    if user_id is None:
        response: HttpResponse = json_error("not_authenticated", 401)
    else:
        count = counts.unread_count(user_id, cached=cached)
        response = get_conditional_response(request, etag=count.etag) or json_response({"unread_count": count.count})
        response["ETag"] = count.etag
    remember_login(request, response, user_id)
    return response


@api_view("GET")
def recent(request: HttpRequest) -> HttpResponse:
    """``{"unread_count": 3, "notifications": [...]}``, newest first; ``?limit=`` up to 50."""
    try:
        limit = int(request.GET.get("limit", settings.EYT_NOTIFY_RECENT_LIMIT))
    except ValueError:
        return json_error("invalid", 400, fields={"limit": ["Enter a whole number."]})
    if not 1 <= limit <= MAX_RECENT:
        return json_error("invalid", 400, fields={"limit": [f"Enter a number from 1 to {MAX_RECENT}."]})
    notifications = [serialize(n) for n in inbox.notifications_of(logged_in_user(request))[:limit]]
    count = counts.unread_count(request.user.pk)
    return json_response({"unread_count": count.count, "notifications": notifications})


@api_view("POST")
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """``{"notification": {...}, "unread_count": 2}``; 404 for a notification that is not the user's."""
    notification = inbox.mark_read(logged_in_user(request), pk)
    if notification is None:
        return json_error("not_found", 404)
    return _answer(request, {"notification": serialize(notification)})


@api_view("POST")
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """``{"marked": 3, "unread_count": 0}``."""
    marked = inbox.mark_all_read(logged_in_user(request))
    return _answer(request, {"marked": marked})


@api_view("POST")
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """``{"deleted": 42, "unread_count": 2}``; 404 for a notification that is not the user's."""
    if not inbox.delete(logged_in_user(request), pk):
        return json_error("not_found", 404)
    return _answer(request, {"deleted": pk})


def _answer(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    """JSON with the new unread count; a plain form post with a safe ``next`` goes back there instead."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return json_response({**data, "unread_count": counts.unread_count(request.user.pk, fresh=True).count})
