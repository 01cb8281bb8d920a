"""JSON responses and guards shared by the endpoints: every error has a code and a message safe to show."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = ["api_view", "json_error", "json_response", "logged_in_user"]

View = Callable[..., HttpResponse]

MESSAGES = {
    "not_authenticated": "Log in to see your notifications.",
    "not_found": "No such notification.",
    "method_not_allowed": "This endpoint does not accept that method.",
    "csrf_failed": "The request was not accepted: reload the page and try again.",
    "invalid": "The request was not valid.",
    "live_updates_off": "Live updates are not configured; poll unread-count/ instead.",
    "too_many_streams": "Too many pages are open with live updates; poll unread-count/ instead.",
    "live_updates_unavailable": "Live updates are unavailable right now; poll unread-count/ instead.",
    "push_not_configured": "Web push is not configured on this site.",
}


def json_response(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    add_never_cache_headers(response)
    return response


def json_error(code: str, status: int, *, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    """``{"error": {"code": ..., "message": ...}}``; ``fields`` names what was wrong with each input."""
    error: dict[str, Any] = {"code": code, "message": _(MESSAGES[code])}
    if fields:
        error["fields"] = fields
    return json_response({"error": error}, status=status)


def logged_in_user(request: HttpRequest) -> AbstractBaseUser:
    """``request.user`` in a view behind ``@login_required`` or ``api_view``, where it is never anonymous."""
    return cast("AbstractBaseUser", request.user)


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check (token, origin, referer), answered in JSON; runs even without the middleware."""
    rejected = CsrfViewMiddleware(lambda request: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]
    return json_error("csrf_failed", 403) if rejected is not None else None


def api_view(*methods: str, login: bool = True) -> Callable[[View], View]:
    """Allow ``methods`` only, require a logged-in user (401 in JSON) and CSRF on POST; never cached."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                refused = json_error("method_not_allowed", 405)
                refused["Allow"] = ", ".join(methods)
                return refused
            if request.method == "POST" and (failure := _csrf_failure(request)) is not None:
                return failure
            if login and not request.user.is_authenticated:
                return json_error("not_authenticated", 401)
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return csrf_exempt(wrapper)  # checked above, so a CSRF failure answers in JSON

    return decorate
