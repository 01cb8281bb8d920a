"""The gateway interface: what StripeService needs from a payment provider.

A gateway speaks Stripe's model (customers, payment methods, PaymentIntents, SetupIntents, refunds) and returns
the small frozen records below instead of provider objects, so the service and host code never depend on
stripe-python's types. Money-moving calls are template methods: ``Gateway`` checks the idempotency key and
normalises the request, then calls the ``_``-prefixed method a backend implements.

Backends: ``stripe.StripeGateway`` (the real thing), ``local.LocalGateway`` (an offline Stripe test-mode
simulator keeping its state in the database), ``memory.MemoryGateway`` (records requests for tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.checks import CheckMessage

from eyt_payments.exceptions import InvalidGateway

MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True)
class GatewayCustomer:
    """A Stripe customer; ``default_payment_method`` is its ``invoice_settings.default_payment_method``."""

    id: str
    livemode: bool = False
    email: str = ""
    default_payment_method: str | None = None


@dataclass(frozen=True)
class GatewayPaymentMethod:
    """A saved payment method, with only the card's brand, last four digits and expiry."""

    id: str
    type: str = "card"
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None
    customer: str | None = None
    livemode: bool = False


@dataclass(frozen=True)
class GatewaySetupIntent:
    """A SetupIntent for saving a card. ``client_secret`` goes to the customer's browser only; never log or store it."""

    id: str
    client_secret: str
    status: str
    customer: str | None = None
    payment_method: str | None = None
    livemode: bool = False


@dataclass(frozen=True)
class GatewayIntent:
    """A PaymentIntent. ``client_secret`` goes to the customer's browser only; never log or store it."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str = field(default="", repr=False)
    customer: str | None = None
    payment_method: str | None = None
    latest_charge: str | None = None
    capture_method: str = "automatic"
    livemode: bool = False
    next_action_type: str | None = None
    error_code: str | None = None
    decline_code: str | None = None
    created: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    #: What was captured (Stripe's ``amount_received``): less than ``amount`` after a partial capture.
    amount_received: int | None = None


@dataclass(frozen=True)
class GatewayRefund:
    """A refund; ``amount`` is in the currency's minor units."""

    id: str
    amount: int
    currency: str
    status: str
    payment_intent: str | None = None
    charge: str | None = None
    livemode: bool = False
    failure_reason: str | None = None
    created: int | None = None
    reason: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayBalanceTransaction:
    """What a charge added to the balance: ``fee`` and ``net`` are in ``currency`` (the settlement currency)."""

    id: str
    amount: int
    fee: int
    net: int
    currency: str


@dataclass(frozen=True)
class GatewayCharge:
    """A charge; every amount is in the currency's minor units."""

    id: str
    amount: int
    currency: str
    amount_captured: int = 0
    amount_refunded: int = 0
    captured: bool = False
    payment_intent: str | None = None
    balance_transaction: str | None = None
    #: The balance transaction when the charge came with it expanded (no API call needed).
    expanded_balance_transaction: GatewayBalanceTransaction | None = None
    #: Refunds listed on the charge (older API versions, or ``expand=["refunds"]``).
    refunds: tuple[GatewayRefund, ...] = ()
    livemode: bool = False
    created: int | None = None


@dataclass(frozen=True)
class IntentRequest:
    """Everything sent to create a PaymentIntent."""

    amount: int
    currency: str
    customer: str | None = None
    payment_method: str | None = None
    confirm: bool = False
    capture_method: str = "automatic"
    description: str = ""
    statement_descriptor_suffix: str = ""
    receipt_email: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    return_url: str = ""


@dataclass(frozen=True)
class RefundRequest:
    """Everything sent to create a refund: ``amount`` in minor units, ``reason`` one of Stripe's or empty."""

    payment_intent: str
    amount: int
    reason: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


def _require_key(operation: str, key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"{operation} moves money and needs an idempotency key of 1 to 255 characters, got {key!r}.")


def stringify_metadata(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """Stripe metadata holds strings only."""
    return {str(key): "" if value is None else str(value) for key, value in (metadata or {}).items()}


class Gateway:
    """Base class of payment gateways. Subclasses implement every ``_``-prefixed method and the customer and
    payment-method calls, and declare the ``OPTIONS`` they accept in ``option_names``."""

    #: Keys accepted in ``EYT_PAYMENTS_GATEWAY["OPTIONS"]``.
    option_names: ClassVar[frozenset[str]] = frozenset()
    #: True when the gateway emits Stripe-shaped events that the webhook pipeline can receive.
    emits_events: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - self.option_names)
        if unknown:
            accepted = ", ".join(sorted(self.option_names)) or "none"
            raise InvalidGateway(
                f"{type(self).__name__} does not accept the option(s) {', '.join(unknown)} (accepted: {accepted})."
            )
        self.options = dict(options)

    @property
    def livemode(self) -> bool:
        """True when this gateway moves real money."""
        return False

    def check(self) -> list[CheckMessage]:
        """System-check messages about this gateway's configuration."""
        return []

    def _abstract(self, name: str) -> NotImplementedError:
        return NotImplementedError(f"{type(self).__name__}.{name} must be implemented by the gateway backend.")

    # Customers and payment methods ----------------------------------------------------------------------------

    def create_customer(
        self, *, email: str, name: str, metadata: Mapping[str, Any], idempotency_key: str
    ) -> GatewayCustomer:
        """Create a customer; ``ValueError`` without a valid idempotency key."""
        _require_key("create_customer", idempotency_key)
        return self._create_customer(
            email=email, name=name, metadata=stringify_metadata(metadata), idempotency_key=idempotency_key
        )

    def _create_customer(
        self, *, email: str, name: str, metadata: dict[str, str], idempotency_key: str
    ) -> GatewayCustomer:
        raise self._abstract("_create_customer")

    def set_default_payment_method(self, customer: str, payment_method: str) -> GatewayCustomer:
        """Set ``invoice_settings.default_payment_method`` of the customer."""
        raise self._abstract("set_default_payment_method")

    def create_setup_intent(self, customer: str, *, idempotency_key: str) -> GatewaySetupIntent:
        """Create an off-session SetupIntent for ``customer`` to save a card; ``ValueError`` without a valid
        idempotency key."""
        _require_key("create_setup_intent", idempotency_key)
        return self._create_setup_intent(customer, idempotency_key=idempotency_key)

    def _create_setup_intent(self, customer: str, *, idempotency_key: str) -> GatewaySetupIntent:
        raise self._abstract("_create_setup_intent")

    def attach_payment_method(self, payment_method: str, customer: str) -> GatewayPaymentMethod:
        """Attach ``payment_method`` to ``customer`` and return it."""
        raise self._abstract("attach_payment_method")

    def detach_payment_method(self, payment_method: str) -> GatewayPaymentMethod:
        """Detach ``payment_method`` from its customer and return it."""
        raise self._abstract("detach_payment_method")

    def list_payment_methods(self, customer: str) -> list[GatewayPaymentMethod]:
        """The customer's saved cards."""
        raise self._abstract("list_payment_methods")

    # Payment intents --------------------------------------------------------------------------------------------

    def create_intent(self, request: IntentRequest, *, idempotency_key: str) -> GatewayIntent:
        """Create (and with ``request.confirm``, confirm) a PaymentIntent."""
        _require_key("create_intent", idempotency_key)
        if request.amount <= 0:
            raise ValueError(f"create_intent needs a positive amount in minor units, got {request.amount}.")
        return self._create_intent(request, idempotency_key=idempotency_key)

    def _create_intent(self, request: IntentRequest, *, idempotency_key: str) -> GatewayIntent:
        raise self._abstract("_create_intent")

    def retrieve_intent(self, intent_id: str) -> GatewayIntent:
        """The PaymentIntent as the provider has it now."""
        raise self._abstract("retrieve_intent")

    def confirm_intent(
        self, intent_id: str, *, payment_method: str | None = None, return_url: str = "", idempotency_key: str
    ) -> GatewayIntent:
        """Confirm the intent, optionally with ``payment_method``; ``ValueError`` without a valid idempotency key,
        ``PaymentDeclined`` on a decline."""
        _require_key("confirm_intent", idempotency_key)
        return self._confirm_intent(
            intent_id, payment_method=payment_method, return_url=return_url, idempotency_key=idempotency_key
        )

    def _confirm_intent(
        self, intent_id: str, *, payment_method: str | None, return_url: str, idempotency_key: str
    ) -> GatewayIntent:
        raise self._abstract("_confirm_intent")

    def capture_intent(self, intent_id: str, *, amount: int | None = None, idempotency_key: str) -> GatewayIntent:
        """Capture an authorised intent: all of it, or ``amount`` minor units; ``ValueError`` without a valid
        idempotency key."""
        _require_key("capture_intent", idempotency_key)
        return self._capture_intent(intent_id, amount=amount, idempotency_key=idempotency_key)

    def _capture_intent(self, intent_id: str, *, amount: int | None, idempotency_key: str) -> GatewayIntent:
        raise self._abstract("_capture_intent")

    def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> GatewayIntent:
        """Cancel an intent that has not succeeded; ``ValueError`` without a valid idempotency key."""
        _require_key("cancel_intent", idempotency_key)
        return self._cancel_intent(intent_id, idempotency_key=idempotency_key)

    def _cancel_intent(self, intent_id: str, *, idempotency_key: str) -> GatewayIntent:
        raise self._abstract("_cancel_intent")

    # Refunds ------------------------------------------------------------------------------------------------------

    def create_refund(self, request: RefundRequest, *, idempotency_key: str) -> GatewayRefund:
        """Refund ``request.amount`` minor units of the intent's charge; ``ValueError`` without a valid idempotency
        key or a positive amount."""
        _require_key("create_refund", idempotency_key)
        if request.amount <= 0:
            raise ValueError(f"create_refund needs a positive amount in minor units, got {request.amount}.")
        return self._create_refund(request, idempotency_key=idempotency_key)

    def _create_refund(self, request: RefundRequest, *, idempotency_key: str) -> GatewayRefund:
        raise self._abstract("_create_refund")

    def retrieve_refund(self, refund_id: str) -> GatewayRefund:
        """The refund as the provider has it now."""
        raise self._abstract("retrieve_refund")

    def list_refunds(self, payment_intent: str) -> list[GatewayRefund]:
        """Every refund of the intent's charges, newest first."""
        raise self._abstract("list_refunds")

    # Reads the webhook worker and reconciliation need ---------------------------------------------------------

    def retrieve_charge(self, charge_id: str) -> GatewayCharge:
        """The charge as the provider has it now."""
        raise self._abstract("retrieve_charge")

    def retrieve_balance_transaction(self, transaction_id: str) -> GatewayBalanceTransaction:
        """The balance transaction of a charge: Stripe's real fee and the net amount."""
        raise self._abstract("retrieve_balance_transaction")


# Converters from Stripe-shaped mappings (stripe-python's ``to_dict()``, the simulators' objects). -------------------


def _id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("id")
    return value or None


def customer_from(data: Mapping[str, Any]) -> GatewayCustomer:
    """A ``GatewayCustomer`` from a Stripe-shaped customer mapping."""
    settings = data.get("invoice_settings") or {}
    return GatewayCustomer(
        id=data["id"],
        livemode=bool(data.get("livemode")),
        email=data.get("email") or "",
        default_payment_method=_id(settings.get("default_payment_method")),
    )


def payment_method_from(data: Mapping[str, Any]) -> GatewayPaymentMethod:
    """A ``GatewayPaymentMethod`` from a Stripe-shaped payment method mapping."""
    card = data.get("card") or {}
    return GatewayPaymentMethod(
        id=data["id"],
        type=data.get("type") or "card",
        brand=card.get("brand") or "",
        last4=card.get("last4") or "",
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
        customer=_id(data.get("customer")),
        livemode=bool(data.get("livemode")),
    )


def setup_intent_from(data: Mapping[str, Any]) -> GatewaySetupIntent:
    """A ``GatewaySetupIntent`` from a Stripe-shaped SetupIntent mapping."""
    return GatewaySetupIntent(
        id=data["id"],
        client_secret=data.get("client_secret") or "",
        status=data["status"],
        customer=_id(data.get("customer")),
        payment_method=_id(data.get("payment_method")),
        livemode=bool(data.get("livemode")),
    )


def intent_from(data: Mapping[str, Any]) -> GatewayIntent:
    """A ``GatewayIntent`` from a Stripe-shaped PaymentIntent mapping, with ``last_payment_error``'s codes and
    ``next_action``'s type."""
    error = data.get("last_payment_error") or {}
    next_action = data.get("next_action") or {}
    return GatewayIntent(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        currency=data["currency"],
        client_secret=data.get("client_secret") or "",
        customer=_id(data.get("customer")),
        payment_method=_id(data.get("payment_method")),
        latest_charge=_id(data.get("latest_charge")),
        capture_method=data.get("capture_method") or "automatic",
        livemode=bool(data.get("livemode")),
        next_action_type=next_action.get("type"),
        error_code=error.get("code"),
        decline_code=error.get("decline_code"),
        created=data.get("created"),
        metadata=dict(data.get("metadata") or {}),
        amount_received=None if data.get("amount_received") is None else int(data["amount_received"]),
    )


def refund_from(data: Mapping[str, Any]) -> GatewayRefund:
    """A ``GatewayRefund`` from a Stripe-shaped refund mapping; a refund without a status counts as ``succeeded``."""
    return GatewayRefund(
        id=data["id"],
        amount=int(data["amount"]),
        currency=data["currency"],
        status=data.get("status") or "succeeded",
        payment_intent=_id(data.get("payment_intent")),
        charge=_id(data.get("charge")),
        livemode=bool(data.get("livemode")),
        failure_reason=data.get("failure_reason"),
        created=data.get("created"),
        reason=data.get("reason"),
        metadata=dict(data.get("metadata") or {}),
    )


def balance_transaction_from(data: Mapping[str, Any]) -> GatewayBalanceTransaction:
    """A ``GatewayBalanceTransaction`` from a Stripe-shaped balance transaction mapping."""
    return GatewayBalanceTransaction(
        id=data["id"],
        amount=int(data["amount"]),
        fee=int(data["fee"]),
        net=int(data["net"]),
        currency=data["currency"],
    )


def charge_from(data: Mapping[str, Any]) -> GatewayCharge:
    """A ``GatewayCharge`` from a Stripe-shaped charge mapping, with its balance transaction and listed refunds when
    expanded."""
    txn = data.get("balance_transaction")
    refunds = data.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, Mapping) else None
    return GatewayCharge(
        id=data["id"],
        amount=int(data["amount"]),
        currency=data["currency"],
        amount_captured=int(data.get("amount_captured") or 0),
        amount_refunded=int(data.get("amount_refunded") or 0),
        captured=bool(data.get("captured")),
        payment_intent=_id(data.get("payment_intent")),
        balance_transaction=_id(txn),
        expanded_balance_transaction=balance_transaction_from(txn) if isinstance(txn, Mapping) else None,
        refunds=tuple(refund_from(refund) for refund in listed or ()),
        livemode=bool(data.get("livemode")),
        created=data.get("created"),
    )
