"""Web push opt-in: the VAPID public key, subscribe and unsubscribe endpoints, and the service worker script."""

from __future__ import annotations

import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from eyt_notify.forms import PushSubscriptionForm
from eyt_notify.models import PushSubscription
from eyt_notify.views.responses import api_view, json_error, json_response, logged_in_user

__all__ = ["public_key", "push_public_key", "service_worker", "subscribe", "unsubscribe"]

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "eyt_notify" / "sw.js"


def push_public_key() -> str | None:
    """The application server key of the first configured web push channel, or ``None`` without one."""
    from eyt_notify.channels import channels

    for alias in channels:
        key = getattr(channels[alias], "application_server_key", None)
        if key:
            return str(key)
    return None


@api_view("GET")
def public_key(request: HttpRequest) -> HttpResponse:
    """``{"public_key": "<base64url>"}``; 404 ``push_not_configured`` without a web push channel."""
    key = push_public_key()
    if key is None:
        return json_error("push_not_configured", 404)
    return json_response({"public_key": key})


def _body(request: HttpRequest) -> dict[str, object] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return data if isinstance(data, dict) else None


@api_view("POST")
def subscribe(request: HttpRequest) -> HttpResponse:
    """Body: the browser's ``PushSubscription.toJSON()``. Answers ``{"subscribed": true}``, 201 when new."""
    if push_public_key() is None:
        return json_error("push_not_configured", 404)
    data = _body(request)
    if data is None:
        return json_error("invalid", 400, fields={"__all__": ["Send the subscription as a JSON object."]})
    keys = data.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    form = PushSubscriptionForm(
        {"endpoint": data.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
    )
    if not form.is_valid():
        fields = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
        return json_error("invalid", 400, fields=fields)
    existed = PushSubscription.objects.filter(endpoint=form.cleaned_data["endpoint"]).exists()
    form.save(logged_in_user(request), request.headers.get("User-Agent", ""))
    return json_response({"subscribed": True}, status=200 if existed else 201)


@api_view("POST")
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """Body: ``{"endpoint": "..."}``. Removes that subscription of the user: ``{"unsubscribed": 1}`` (0 if none)."""
    data = _body(request)
    endpoint = data.get("endpoint") if data is not None else None
    if not isinstance(endpoint, str) or not endpoint:
        return json_error("invalid", 400, fields={"endpoint": ["Send the subscription's endpoint."]})
    deleted, _ = PushSubscription.objects.filter(user_id=logged_in_user(request).pk, endpoint=endpoint).delete()
    return json_response({"unsubscribed": deleted})


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushes; served under the notifications URL so its scope covers it."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = request.path.rsplit("/", 1)[0] + "/"
    return response
