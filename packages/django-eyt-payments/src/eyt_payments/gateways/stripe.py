"""The Stripe gateway: stripe-python 16's ``StripeClient``, API version pinned, keys from settings.

No global ``stripe.api_key`` is set: each gateway owns its client. Requests time out after
``EYT_PAYMENTS_TIMEOUT`` seconds; network errors, 409, 429 and 5xx answers are retried with backoff up to
``EYT_PAYMENTS_MAX_NETWORK_RETRIES`` times under the same idempotency key, so a retry can never charge twice.

OPTIONS:
- ``api_base``: another API address, for a Stripe-compatible local server such as localstripe.
- ``omit_params``: request parameter names never sent (localstripe rejects ``description``, ``reason``,
  ``automatic_payment_methods`` ...).
- ``http_client``: a ``stripe.HTTPClient`` instance to use instead of the retrying requests client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe as stripe_sdk
from django.core.checks import CheckMessage

from eyt_payments.conf import seed_setting, settings
from eyt_payments.exceptions import (
    AuthenticationRequired,
    GatewayError,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentsConfigurationError,
)
from eyt_payments.gateways.base import (
    Gateway,
    GatewayBalanceTransaction,
    GatewayCharge,
    GatewayCustomer,
    GatewayIntent,
    GatewayPaymentMethod,
    GatewayRefund,
    GatewaySetupIntent,
    IntentRequest,
    RefundRequest,
    balance_transaction_from,
    charge_from,
    customer_from,
    intent_from,
    payment_method_from,
    refund_from,
    setup_intent_from,
)

#: Items a list request asks Stripe for (Stripe's most); the lists are read to their end, page after page.
PAGE_SIZE = 100


class RetryingRequestsClient(stripe_sdk.RequestsClient):
    """stripe-python's requests client, also retrying 429 (rate limited) answers."""

    def _should_retry(
        self,
        response: Any,
        api_connection_error: Any,
        num_retries: int,
        max_network_retries: int | None,
    ) -> bool:
        if response is not None and response[1] == 429 and num_retries < (max_network_retries or 0):
            return True
        return bool(super()._should_retry(response, api_connection_error, num_retries, max_network_retries))


def translate_error(error: stripe_sdk.StripeError) -> GatewayError:
    """A package exception for a Stripe error. Stripe's text goes to ``str()`` (logs), never ``user_message``."""
    status = error.http_status
    detail = f"Stripe {type(error).__name__} (HTTP {status}, request {error.request_id}, code {error.code}): {error}"
    common: dict[str, Any] = {"http_status": status, "request_id": error.request_id}
    if isinstance(error, stripe_sdk.CardError):
        if error.code == "authentication_required":
            return AuthenticationRequired(detail, **common)
        decline_code = getattr(error.error, "decline_code", None) if error.error else None
        return PaymentDeclined(detail, decline_code=decline_code or error.code, **common)
    if isinstance(error, stripe_sdk.IdempotencyError):
        return IdempotencyConflict(detail, **common)
    if isinstance(error, stripe_sdk.APIConnectionError | stripe_sdk.RateLimitError | stripe_sdk.APIError):
        return GatewayUnavailable(detail, **common)
    if status is not None and status >= 500:
        return GatewayUnavailable(detail, **common)
    if isinstance(error, stripe_sdk.AuthenticationError | stripe_sdk.PermissionError):
        return GatewayError(detail, code="gateway_authentication", **common)
    if isinstance(error, stripe_sdk.InvalidRequestError):
        return GatewayRequestError(detail, code=error.code or "invalid_request", **common)
    return GatewayError(detail, **common)


def _dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway(Gateway):
    """Stripe itself (or a Stripe-compatible server at ``api_base``)."""

    option_names = frozenset({"api_base", "omit_params", "http_client"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._client: stripe_sdk.StripeClient | None = None
        self._omit = frozenset(options.get("omit_params") or ())

    @property
    def secret_key(self) -> str:
        """The Stripe secret key from ``EYT_PAYMENTS_SECRET_KEY`` or ``STRIPE_SECRET_KEY``; empty when unset."""
        return seed_setting("SECRET_KEY") or ""

    @property
    def livemode(self) -> bool:
        """True for a live secret or restricted key (``sk_live_``, ``rk_live_``)."""
        return self.secret_key.startswith(("sk_live_", "rk_live_"))

    @property
    def client(self) -> stripe_sdk.StripeClient:
        """This gateway's ``StripeClient``, built on first use; ``PaymentsConfigurationError`` without a secret key."""
        if self._client is None:
            if not self.secret_key:
                raise PaymentsConfigurationError(
                    "The Stripe gateway needs a secret key: set EYT_PAYMENTS_SECRET_KEY or STRIPE_SECRET_KEY."
                )
            api_base = self.options.get("api_base")
            self._client = stripe_sdk.StripeClient(
                self.secret_key,
                stripe_version=settings.EYT_PAYMENTS_API_VERSION or stripe_sdk.api_version,
                base_addresses={"api": api_base} if api_base else None,
                max_network_retries=settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES,
                http_client=self.options.get("http_client")
                or RetryingRequestsClient(timeout=settings.EYT_PAYMENTS_TIMEOUT),
            )
        return self._client

    def check(self) -> list[CheckMessage]:
        """The Stripe key checks of ``stripe_key_messages()``."""
        from eyt_payments.checks import stripe_key_messages

        return stripe_key_messages()

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in params.items() if key not in self._omit}

    def _send(self, call: Any, *args: Any, params: Mapping[str, Any] | None = None, key: str | None = None) -> Any:
        options: dict[str, Any] = {"idempotency_key": key} if key else {}
        try:
            if params is None:
                return call(*args, options=options)
            return call(*args, params=self._params(params), options=options)
        except stripe_sdk.StripeError as error:
            raise translate_error(error) from error

    # Customers and payment methods -----------------------------------------------------------------------------

    def _create_customer(
        self, *, email: str, name: str, metadata: dict[str, str], idempotency_key: str
    ) -> GatewayCustomer:
        params = {"email": email, "name": name, "metadata": metadata}
        return customer_from(_dict(self._send(self.client.v1.customers.create, params=params, key=idempotency_key)))

    def set_default_payment_method(self, customer: str, payment_method: str) -> GatewayCustomer:
        """Set the customer's ``invoice_settings.default_payment_method`` on Stripe."""
        params = {"invoice_settings": {"default_payment_method": payment_method}}
        return customer_from(_dict(self._send(self.client.v1.customers.update, customer, params=params)))

    def _create_setup_intent(self, customer: str, *, idempotency_key: str) -> GatewaySetupIntent:
        params = {"customer": customer, "usage": "off_session", "automatic_payment_methods": {"enabled": True}}
        created = self._send(self.client.v1.setup_intents.create, params=params, key=idempotency_key)
        return setup_intent_from(_dict(created))

    def attach_payment_method(self, payment_method: str, customer: str) -> GatewayPaymentMethod:
        """Attach the payment method to the customer on Stripe."""
        attached = self._send(self.client.v1.payment_methods.attach, payment_method, params={"customer": customer})
        return payment_method_from(_dict(attached))

    def detach_payment_method(self, payment_method: str) -> GatewayPaymentMethod:
        """Detach the payment method from its customer on Stripe."""
        return payment_method_from(_dict(self._send(self.client.v1.payment_methods.detach, payment_method)))

    def list_payment_methods(self, customer: str) -> list[GatewayPaymentMethod]:
        """The customer's cards on Stripe, every page of the list."""
        found = self._list_all(self.client.v1.payment_methods.list, {"customer": customer, "type": "card"})
        return [payment_method_from(_dict(method)) for method in found]

    # Payment intents ----------------------------------------------------------------------------------------------

    def _create_intent(self, request: IntentRequest, *, idempotency_key: str) -> GatewayIntent:
        params: dict[str, Any] = {
            "amount": request.amount,
            "currency": request.currency,
            "capture_method": request.capture_method,
            "metadata": dict(request.metadata),
        }
        optional = {
            "customer": request.customer,
            "payment_method": request.payment_method,
            "description": request.description,
            "statement_descriptor_suffix": request.statement_descriptor_suffix,
            "receipt_email": request.receipt_email,
            "return_url": request.return_url,
        }
        params.update({key: value for key, value in optional.items() if value})
        if request.confirm:
            params["confirm"] = True
        if not request.payment_method:
            params["automatic_payment_methods"] = {"enabled": True}
        created = self._send(self.client.v1.payment_intents.create, params=params, key=idempotency_key)
        return intent_from(_dict(created))

    def retrieve_intent(self, intent_id: str) -> GatewayIntent:
        """The PaymentIntent as Stripe has it now."""
        return intent_from(_dict(self._send(self.client.v1.payment_intents.retrieve, intent_id)))

    def _confirm_intent(
        self, intent_id: str, *, payment_method: str | None, return_url: str, idempotency_key: str
    ) -> GatewayIntent:
        params = {
            key: value for key, value in {"payment_method": payment_method, "return_url": return_url}.items() if value
        }
        confirmed = self._send(self.client.v1.payment_intents.confirm, intent_id, params=params, key=idempotency_key)
        return intent_from(_dict(confirmed))

    def _capture_intent(self, intent_id: str, *, amount: int | None, idempotency_key: str) -> GatewayIntent:
        params = {"amount_to_capture": amount} if amount is not None else {}
        captured = self._send(self.client.v1.payment_intents.capture, intent_id, params=params, key=idempotency_key)
        return intent_from(_dict(captured))

    def _cancel_intent(self, intent_id: str, *, idempotency_key: str) -> GatewayIntent:
        canceled = self._send(self.client.v1.payment_intents.cancel, intent_id, params={}, key=idempotency_key)
        return intent_from(_dict(canceled))

    # Refunds ---------------------------------------------------------------------------------------------------------

    def _create_refund(self, request: RefundRequest, *, idempotency_key: str) -> GatewayRefund:
        params: dict[str, Any] = {
            "payment_intent": request.payment_intent,
            "amount": request.amount,
            "metadata": dict(request.metadata),
        }
        if request.reason:
            params["reason"] = request.reason
        return refund_from(_dict(self._send(self.client.v1.refunds.create, params=params, key=idempotency_key)))

    def retrieve_refund(self, refund_id: str) -> GatewayRefund:
        """The refund as Stripe has it now."""
        return refund_from(_dict(self._send(self.client.v1.refunds.retrieve, refund_id)))

    def list_refunds(self, payment_intent: str) -> list[GatewayRefund]:
        """The intent's refunds, newest first, every page of the list."""
        found = self._list_all(self.client.v1.refunds.list, {"payment_intent": payment_intent})
        return [refund_from(_dict(refund)) for refund in found]

    def _list_all(self, call: Any, params: Mapping[str, Any]) -> list[Any]:
        """Every item of a Stripe list, ``PAGE_SIZE`` a request (``auto_paging_iter`` asks for the next page while
        Stripe says ``has_more``); Stripe's errors are translated on every page."""
        try:
            return list(self._send(call, params={**params, "limit": PAGE_SIZE}).auto_paging_iter())
        except stripe_sdk.StripeError as error:
            raise translate_error(error) from error

    # Reads ------------------------------------------------------------------------------------------------------------

    def retrieve_charge(self, charge_id: str) -> GatewayCharge:
        """The charge as Stripe has it now (its balance transaction as an id, not expanded)."""
        return charge_from(_dict(self._send(self.client.v1.charges.retrieve, charge_id)))

    def retrieve_balance_transaction(self, transaction_id: str) -> GatewayBalanceTransaction:
        """The balance transaction: Stripe's real fee and net, in the settlement currency."""
        found = self._send(self.client.v1.balance_transactions.retrieve, transaction_id)
        return balance_transaction_from(_dict(found))
