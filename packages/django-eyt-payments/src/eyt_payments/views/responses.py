"""JSON plumbing of the pages' endpoints: one error shape, safe messages, login and CSRF answered in JSON.

Every JSON error is ``{"error": {"code": "...", "message": "..."}}``; the message is written for the customer
(an exception's ``user_message``), never an exception's own text, which goes to the log only.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from eyt_payments.exceptions import (
    AuthenticationRequired,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentsConfigurationError,
    PaymentsError,
    PaymentValidationError,
    RefundNotAllowed,
    UnknownPayable,
    UnknownPaymentType,
)

logger = logging.getLogger("eyt_payments.views")

JsonView = Callable[..., HttpResponse]
R = TypeVar("R", bound=HttpResponseBase)

#: HTTP status of each error family (the first match wins).
ERROR_STATUSES: tuple[tuple[type[PaymentsError], int], ...] = (
    (UnknownPaymentType, 404),
    (UnknownPayable, 404),
    (PaymentValidationError, 400),
    (RefundNotAllowed, 403),
    (PaymentDeclined, 402),
    (AuthenticationRequired, 402),
    (IdempotencyConflict, 409),
    (GatewayUnavailable, 503),
    (GatewayRequestError, 502),
    (PaymentsConfigurationError, 503),
)


class BadRequest(Exception):
    """A request body or parameter the endpoint cannot use; ``code`` and ``message`` are safe to send."""

    def __init__(self, code: str, message: str, *, status: int = 400, fields: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, dict(fields or {})


def error_response(code: str, message: str, status: int, *, fields: Mapping[str, Any] | None = None) -> JsonResponse:
    """``{"error": {"code", "message"[, "fields"]}}`` with ``status``; never cached."""
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = dict(fields)
    return no_store(JsonResponse({"error": error}, status=status))


def method_not_allowed(allowed: Iterable[str]) -> JsonResponse:
    """405 in the JSON error shape, with the ``Allow`` header."""
    response = error_response("method_not_allowed", _("This method is not allowed here."), 405)
    response["Allow"] = ", ".join(sorted(allowed))
    return response


def payments_error_response(error: PaymentsError) -> JsonResponse:
    """The JSON answer for a package error: its code and user message, never ``str(error)``."""
    status = next((status for kind, status in ERROR_STATUSES if isinstance(error, kind)), 400)
    log = logger.error if status >= 500 else logger.info
    log("%s refused: %s (%s)", type(error).__name__, error, error.code)
    return error_response(error.code, error.user_message, status)


def no_store(response: R) -> R:
    """``response`` marked never to be cached (it holds one customer's data)."""
    response["Cache-Control"] = "no-store"
    return response


def read_payload(request: HttpRequest) -> dict[str, Any]:
    """The body as a dict: a JSON object (``application/json``) or form fields (last value of each)."""
    try:
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"null")
            except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
                raise BadRequest("malformed_json", _("The request body is not valid JSON.")) from None
            if not isinstance(data, dict):
                raise BadRequest("malformed_json", _("The request body must be a JSON object."))
            return data
        return {key: request.POST.get(key) for key in request.POST}
    except RequestDataTooBig:
        raise BadRequest("body_too_large", _("The request body is too large."), status=413) from None


def _login_required_json(view: JsonView) -> JsonView:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return error_response("login_required", _("Please sign in to continue."), 401)
        return view(request, *args, **kwargs)

    return wrapper


class _JsonCsrfMiddleware(CsrfViewMiddleware):
    """Django's CSRF check, answering a refusal in the endpoints' JSON error shape."""

    def process_view(self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any) -> Any:
        refusal = super().process_view(request, callback, callback_args, callback_kwargs)
        if refusal is None:
            return None
        return error_response(
            "csrf_failed", _("Your session could not be verified. Reload the page and try again."), 403
        )


_json_csrf_protect = decorator_from_middleware(_JsonCsrfMiddleware)


def json_endpoint(*methods: str) -> Callable[[JsonView], JsonView]:
    """A JSON endpoint: only ``methods`` (405 otherwise), login required (401), CSRF checked on unsafe methods
    (403, by Django's own CSRF middleware logic), and every refusal in the JSON error shape."""
    allowed = frozenset(methods)

    def decorator(view: JsonView) -> JsonView:
        @functools.wraps(view)
        def handled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except BadRequest as bad:
                return error_response(bad.code, bad.message, bad.status, fields=bad.fields)
            except Http404:
                return error_response("not_found", _("Not found."), 404)
            except PaymentsError as error:
                return payments_error_response(error)

        protected = _json_csrf_protect(_login_required_json(handled))

        @functools.wraps(view)
        def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return method_not_allowed(allowed)
            return cast(HttpResponse, protected(request, *args, **kwargs))

        # The project's CsrfViewMiddleware skips this view; ``protected`` runs the same check and answers in JSON.
        return csrf_exempt(endpoint)

    return decorator
