"""``POST /payments/webhook/``: verify, store, answer. Processing happens in the worker."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from eyt_payments.conf import settings
from eyt_payments.integrations import audit
from eyt_payments.views.responses import method_not_allowed
from eyt_payments.webhooks.inbox import receive
from eyt_payments.webhooks.signature import WebhookRefused

logger = logging.getLogger("eyt_payments.webhooks")


@csrf_exempt
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Accept one Stripe event: 200 once it is in the inbox (also for a repeated delivery), 400 otherwise;
    another method than POST is 405 in the endpoints' JSON error shape."""
    if request.method != "POST":
        return method_not_allowed(["POST"])
    try:
        body = _read_body(request)
        event_id = receive(body, request.headers.get("Stripe-Signature"), anonymous=True)
    except WebhookRefused as refused:
        _report(request, refused)
        return JsonResponse({"error": {"code": refused.code, "message": refused.message}}, status=400)
    return JsonResponse({"received": True, "id": event_id})


def _read_body(request: HttpRequest) -> bytes:
    limit = settings.EYT_PAYMENTS_WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise WebhookRefused("body_too_large", "The body is too large.", signature_problem=False)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise WebhookRefused("body_too_large", "The body is too large.", signature_problem=False)
    return body


def _report(request: HttpRequest, refused: WebhookRefused) -> None:
    event_type = "webhook_signature_invalid" if refused.signature_problem else "webhook_payload_invalid"
    severity = "warning" if refused.code != "webhook_not_configured" else "error"
    audit.security_event(event_type, severity=severity, request=request, metadata={"reason": refused.code})
