"""A small Stripe test-mode simulator shared by the local (database) and memory gateways.

It keeps Stripe-shaped objects in a store, decides outcomes by Stripe's test cards, honours idempotency keys the
way Stripe does (the first answer, success or error, is replayed; a reuse with other parameters is refused) and
emits events in Stripe's event shape. The stores decide where state lives.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict
from typing import Any, Literal, Protocol, cast, get_args

import stripe

from eyt_payments.exceptions import (
    AuthenticationRequired,
    GatewayError,
    GatewayRequestError,
    IdempotencyConflict,
    PaymentDeclined,
)
from eyt_payments.gateways import testcards
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

_ALPHABET = string.ascii_letters + string.digits
PRIVATE = "_sim"  # key of simulator-only data inside stored objects, never exported

#: The name of each request a simulator gateway serves, as ``SimulatorGateway.call`` receives it: the gateway
#: method's name, except ``update_customer`` for ``set_default_payment_method``. mypy holds every call to it.
Operation = Literal[
    "create_customer",
    "update_customer",
    "create_setup_intent",
    "attach_payment_method",
    "detach_payment_method",
    "list_payment_methods",
    "create_intent",
    "retrieve_intent",
    "confirm_intent",
    "capture_intent",
    "cancel_intent",
    "create_refund",
    "retrieve_refund",
    "list_refunds",
    "retrieve_charge",
    "retrieve_balance_transaction",
]
#: Every ``Operation`` name, in the order above.
OPERATIONS: tuple[str, ...] = get_args(Operation)


class SimulatorStore(Protocol):
    """Where a ``SimulatedStripe`` keeps its objects, idempotent answers and events."""

    def load(self, object_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        """The object with ``object_id``, or ``None``; ``for_update`` locks it where the store can."""

    def save(self, obj: dict[str, Any]) -> None:
        """Insert or replace the object, by its ``id``."""

    def objects(self, object_type: str) -> Iterator[dict[str, Any]]:
        """Every stored object of ``object_type``."""

    def replay(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """``(params digest, recorded answer)`` of the request made with idempotency key ``key``, or ``None``."""

    def remember(self, key: str, operation: str, digest: str, response: dict[str, Any]) -> None:
        """Record the answer to the request made with idempotency key ``key``."""

    def emit(self, event: dict[str, Any]) -> None:
        """Record a Stripe-shaped event."""

    def atomic(self) -> AbstractContextManager[Any]:
        """A context in which one simulator operation runs as a unit."""


def new_id(prefix: str) -> str:
    """A random Stripe-style id: ``prefix``, an underscore and 24 letters or digits."""
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(24))}"


def public(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as Stripe would show it: without the simulator's private data."""
    return {key: value for key, value in obj.items() if key != PRIVATE}


def _digest(operation: str, params: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps([operation, params], sort_keys=True, default=str).encode()).hexdigest()


def _error_record(error: GatewayError) -> dict[str, Any]:
    return {
        "error": {
            "type": type(error).__name__,
            "message": str(error),
            "code": error.code,
            "decline_code": getattr(error, "decline_code", None),
        }
    }


def _raise_recorded(record: Mapping[str, Any]) -> None:
    error = record["error"]
    if error["type"] == "PaymentDeclined":
        raise PaymentDeclined(error["message"], decline_code=error["decline_code"], code=error["code"], http_status=402)
    if error["type"] == "AuthenticationRequired":
        raise AuthenticationRequired(error["message"], http_status=402)
    raise GatewayRequestError(error["message"], code=error["code"], http_status=400)


class SimulatedStripe:
    """Stripe test mode in miniature. Every method returns the public Stripe-shaped object."""

    def __init__(self, store: SimulatorStore, *, fee_for: Callable[[int, str], int], livemode: bool = False) -> None:
        self.store = store
        self.fee_for = fee_for
        self.livemode = livemode

    # Plumbing -------------------------------------------------------------------------------------------------

    def idempotent(
        self, operation: str, key: str | None, params: Mapping[str, Any], run: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Run ``run`` once per idempotency key, replaying the first answer (or decline) like Stripe.

        A decline changes state (the intent records the failed attempt, an event is emitted), so it is committed
        with its answer before it is raised."""
        digest = _digest(operation, params)
        failure: GatewayError | None = None
        with self.store.atomic():
            found = self.store.replay(key) if key is not None else None
            if found is not None:
                stored_digest, record = found
                if stored_digest != digest:
                    raise IdempotencyConflict(
                        f"Keys for idempotent requests can only be used with the same parameters ({key!r})."
                    )
                if "error" in record:
                    _raise_recorded(record)
                return cast("dict[str, Any]", record["ok"])
            try:
                record = {"ok": run()}
            except (PaymentDeclined, AuthenticationRequired) as error:
                failure, record = error, _error_record(error)
            if key is not None:
                self.store.remember(key, operation, digest, record)
        if failure is not None:
            raise failure
        return cast("dict[str, Any]", record["ok"])

    def _get(self, object_id: str, object_type: str, *, for_update: bool = False) -> dict[str, Any]:
        obj = self.store.load(object_id, for_update=for_update)
        if obj is None or obj.get("object") != object_type:
            raise GatewayRequestError(f"No such {object_type}: {object_id!r}", code="resource_missing", http_status=404)
        return obj

    def _new(self, object_type: str, prefix: str, **fields: Any) -> dict[str, Any]:
        obj = {"id": new_id(prefix), "object": object_type, "created": int(time.time()), "livemode": self.livemode}
        obj.update(fields)
        return obj

    def _emit(self, event_type: str, obj: Mapping[str, Any], idempotency_key: str | None = None) -> None:
        self.store.emit(
            {
                "id": new_id("evt"),
                "object": "event",
                "api_version": stripe.api_version,
                "created": int(time.time()),
                "livemode": self.livemode,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": idempotency_key},
                "type": event_type,
                "data": {"object": public(obj)},
            }
        )

    # Customers and payment methods ------------------------------------------------------------------------------

    def create_customer(self, *, email: str, name: str, metadata: Mapping[str, str], key: str | None) -> dict[str, Any]:
        """Create a customer without a default payment method; emits ``customer.created``."""
        params = {"email": email, "name": name, "metadata": dict(metadata)}

        def run() -> dict[str, Any]:
            customer = self._new(
                "customer",
                "cus",
                email=email,
                name=name,
                metadata=dict(metadata),
                invoice_settings={"default_payment_method": None},
            )
            self.store.save(customer)
            self._emit("customer.created", customer, key)
            return public(customer)

        return self.idempotent("create_customer", key, params, run)

    def set_default_payment_method(self, customer_id: str, payment_method_id: str) -> dict[str, Any]:
        """Make an attached card the customer's default; ``GatewayRequestError`` if it is not attached to that
        customer. Emits ``customer.updated``."""
        with self.store.atomic():
            customer = self._get(customer_id, "customer", for_update=True)
            method = self._get(payment_method_id, "payment_method")
            if method.get("customer") != customer_id:
                raise GatewayRequestError(
                    f"The payment method {payment_method_id!r} is not attached to {customer_id!r}.",
                    code="payment_method_not_attached",
                    http_status=400,
                )
            customer["invoice_settings"] = {"default_payment_method": payment_method_id}
            self.store.save(customer)
            self._emit("customer.updated", customer)
            return public(customer)

    def create_payment_method(self, number: str, exp_month: int, exp_year: int, cvc: str) -> dict[str, Any]:
        """Tokenise a test card, as Stripe.js would in the browser. Only Stripe's test numbers are accepted."""
        if number in testcards.TEST_PAYMENT_METHODS:
            number = testcards.TEST_PAYMENT_METHODS[number]
        card = testcards.find_test_card(number)
        if card is None:
            raise GatewayRequestError(
                "The simulator accepts Stripe's test card numbers only.",
                code="incorrect_number",
                http_status=402,
                user_message="Use one of Stripe's test card numbers, such as 4242 4242 4242 4242.",
            )
        if not (1 <= int(exp_month) <= 12) or len(str(cvc)) not in (3, 4):
            raise GatewayRequestError("Invalid expiry month or security code.", code="invalid_expiry_month")
        with self.store.atomic():
            method = self._new(
                "payment_method",
                "pm",
                type="card",
                customer=None,
                metadata={},
                billing_details={},
                card={
                    "brand": card.brand,
                    "last4": card.number[-4:],
                    "exp_month": int(exp_month),
                    "exp_year": int(exp_year),
                    "funding": "credit",
                    "country": "US",
                },
                **{PRIVATE: {"number": card.number}},
            )
            self.store.save(method)
            return public(method)

    def _method(self, payment_method_id: str) -> dict[str, Any]:
        if payment_method_id in testcards.TEST_PAYMENT_METHODS:
            return self.store.load(payment_method_id) or self._canonical_method(payment_method_id)
        return self._get(payment_method_id, "payment_method")

    def _canonical_method(self, token: str) -> dict[str, Any]:
        created = self.create_payment_method(testcards.TEST_PAYMENT_METHODS[token], 12, 2034, "123")
        return self._get(created["id"], "payment_method")

    def _card(self, method: Mapping[str, Any]) -> testcards.TestCard:
        card = testcards.find_test_card(method[PRIVATE]["number"])
        if card is None:  # only test cards are ever stored; a hand-edited row is refused like an unknown card
            raise GatewayRequestError("The simulator accepts Stripe's test card numbers only.", code="incorrect_number")
        return card

    def attach_payment_method(self, payment_method_id: str, customer_id: str) -> dict[str, Any]:
        """Attach a card (or a ``pm_card_*`` token) to the customer; a declining test card raises
        ``PaymentDeclined``, a card of another customer ``GatewayRequestError``. Emits ``payment_method.attached``."""
        with self.store.atomic():
            self._get(customer_id, "customer")
            method = self._method(payment_method_id)
            if method.get("customer") not in (None, customer_id):  # as Stripe: a card belongs to one customer
                raise GatewayRequestError(
                    "The payment method you provided has already been attached to a customer.",
                    code="payment_method_already_attached",
                    http_status=400,
                )
            card = self._card(method)
            if card.outcome == testcards.DECLINE:
                raise PaymentDeclined("Your card was declined.", decline_code=card.decline_code, http_status=402)
            method["customer"] = customer_id
            self.store.save(method)
            self._emit("payment_method.attached", method)
            return public(method)

    def detach_payment_method(self, payment_method_id: str) -> dict[str, Any]:
        """Detach a card, clearing the customer's default if it was that card; emits ``payment_method.detached``."""
        with self.store.atomic():
            method = self._get(payment_method_id, "payment_method")
            previous = method.get("customer")
            method["customer"] = None
            self.store.save(method)
            if previous:
                customer = self._get(previous, "customer", for_update=True)
                if customer["invoice_settings"].get("default_payment_method") == payment_method_id:
                    customer["invoice_settings"] = {"default_payment_method": None}
                    self.store.save(customer)
            self._emit("payment_method.detached", method)
            return public(method)

    def list_payment_methods(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's attached cards, newest first."""
        self._get(customer_id, "customer")
        methods = [public(m) for m in self.store.objects("payment_method") if m.get("customer") == customer_id]
        return sorted(methods, key=lambda m: (m["created"], m["id"]), reverse=True)

    def create_setup_intent(self, customer_id: str, *, key: str | None) -> dict[str, Any]:
        """Create an off-session SetupIntent awaiting a payment method; ``confirm_setup_intent`` completes it."""

        def run() -> dict[str, Any]:
            self._get(customer_id, "customer")
            setup = self._new(
                "setup_intent",
                "seti",
                customer=customer_id,
                status="requires_payment_method",
                payment_method=None,
                usage="off_session",
            )
            setup["client_secret"] = f"{setup['id']}_secret_{secrets.token_urlsafe(16)}"
            self.store.save(setup)
            return public(setup)

        return self.idempotent("create_setup_intent", key, {"customer": customer_id}, run)

    def confirm_setup_intent(self, setup_intent_id: str, payment_method_id: str) -> dict[str, Any]:
        """What Stripe.js does when the customer saves a card: attach it and mark the SetupIntent succeeded."""
        with self.store.atomic():
            setup = self._get(setup_intent_id, "setup_intent", for_update=True)
            if setup["status"] != "requires_payment_method":
                raise GatewayRequestError("This SetupIntent was already used.", code="setup_intent_unexpected_state")
            method = self.attach_payment_method(payment_method_id, setup["customer"])
            setup.update(status="succeeded", payment_method=method["id"])
            self.store.save(setup)
            self._emit("setup_intent.succeeded", setup)
            return public(setup)

    # Payment intents -------------------------------------------------------------------------------------------------

    def create_intent(self, request: IntentRequest, *, key: str | None) -> dict[str, Any]:
        """Create a PaymentIntent (``requires_payment_method``, or ``requires_confirmation`` with a card) and confirm
        it when ``request.confirm``; emits ``payment_intent.created``."""
        params = {name: getattr(request, name) for name in request.__dataclass_fields__}
        params["metadata"] = dict(request.metadata)

        def run() -> dict[str, Any]:
            if request.customer:
                self._get(request.customer, "customer")
            method_id = self._method(request.payment_method)["id"] if request.payment_method else None
            intent = self._new(
                "payment_intent",
                "pi",
                amount=request.amount,
                amount_capturable=0,
                amount_received=0,
                currency=request.currency,
                customer=request.customer,
                payment_method=method_id,
                capture_method=request.capture_method,
                confirmation_method="automatic",
                description=request.description or None,
                metadata=dict(request.metadata),
                statement_descriptor_suffix=request.statement_descriptor_suffix or None,
                status="requires_payment_method" if method_id is None else "requires_confirmation",
                latest_charge=None,
                last_payment_error=None,
                next_action=None,
                canceled_at=None,
                cancellation_reason=None,
            )
            intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_urlsafe(16)}"
            self.store.save(intent)
            self._emit("payment_intent.created", intent, key)
            if request.confirm:
                return self._confirm(intent, key)
            return public(intent)

        return self.idempotent("create_intent", key, params, run)

    def retrieve_intent(self, intent_id: str) -> dict[str, Any]:
        """The PaymentIntent; ``GatewayRequestError`` (``resource_missing``) if there is none."""
        return public(self._get(intent_id, "payment_intent"))

    def confirm_intent(self, intent_id: str, *, payment_method: str | None, key: str | None) -> dict[str, Any]:
        """Confirm the intent with its card (or ``payment_method``): the test card charges, asks for 3D Secure, or
        declines with ``PaymentDeclined``."""

        def run() -> dict[str, Any]:
            intent = self._get(intent_id, "payment_intent", for_update=True)
            if payment_method:
                intent["payment_method"] = self._method(payment_method)["id"]
            return self._confirm(intent, key)

        return self.idempotent("confirm_intent", key, {"intent": intent_id, "payment_method": payment_method}, run)

    def _confirm(self, intent: dict[str, Any], key: str | None) -> dict[str, Any]:
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise GatewayRequestError(
                f"This PaymentIntent's status is {intent['status']}; it cannot be confirmed.",
                code="payment_intent_unexpected_state",
            )
        if not intent["payment_method"]:
            raise GatewayRequestError(
                "The PaymentIntent has no payment method.", code="payment_intent_unexpected_state"
            )
        card = self._card(self._method(intent["payment_method"]))
        intent["last_payment_error"] = None
        if card.outcome == testcards.AUTHENTICATE:
            intent.update(status="requires_action", next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {}})
            self.store.save(intent)
            self._emit("payment_intent.requires_action", intent, key)
            return public(intent)
        if card.outcome == testcards.DECLINE:
            self._decline(intent, card.decline_code or "generic_decline", key)
        return self._charge(intent, key)

    def _decline(self, intent: dict[str, Any], decline_code: str, key: str | None) -> None:
        intent.update(
            status="requires_payment_method",
            payment_method=None,
            next_action=None,
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": "Your card was declined.",
            },
        )
        self.store.save(intent)
        self._emit("payment_intent.payment_failed", intent, key)
        raise PaymentDeclined("Your card was declined.", decline_code=decline_code, http_status=402)

    def _charge(self, intent: dict[str, Any], key: str | None) -> dict[str, Any]:
        manual = intent["capture_method"] == "manual"
        fee = self.fee_for(intent["amount"], intent["currency"])
        txn = self._new(
            "balance_transaction",
            "txn",
            amount=intent["amount"],
            fee=fee,
            net=intent["amount"] - fee,
            currency=intent["currency"],
            type="charge",
        )
        charge = self._new(
            "charge",
            "ch",
            amount=intent["amount"],
            amount_captured=0 if manual else intent["amount"],
            amount_refunded=0,
            currency=intent["currency"],
            payment_intent=intent["id"],
            payment_method=intent["payment_method"],
            customer=intent["customer"],
            status="succeeded",
            paid=True,
            captured=not manual,
            refunded=False,
            balance_transaction=None if manual else txn["id"],
        )
        txn["source"] = charge["id"]
        self.store.save(txn)
        self.store.save(charge)
        intent.update(latest_charge=charge["id"], next_action=None)
        if manual:
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self.store.save(intent)
            self._emit("payment_intent.amount_capturable_updated", intent, key)
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
            self.store.save(intent)
            self._emit("charge.succeeded", charge, key)
            self._emit("payment_intent.succeeded", intent, key)
        return public(intent)

    def authenticate_intent(self, intent_id: str, *, success: bool) -> dict[str, Any]:
        """What the customer's bank does on the 3D Secure page: approve (charge) or fail the authentication."""
        with self.store.atomic():
            intent = self._get(intent_id, "payment_intent", for_update=True)
            if intent["status"] != "requires_action":
                raise GatewayRequestError(
                    "This PaymentIntent does not require action.", code="payment_intent_unexpected_state"
                )
            if success:
                return self._charge(intent, None)
            intent.update(
                status="requires_payment_method",
                payment_method=None,
                next_action=None,
                last_payment_error={
                    "type": "card_error",
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                },
            )
            self.store.save(intent)
            self._emit("payment_intent.payment_failed", intent)
            return public(intent)

    def capture_intent(self, intent_id: str, *, amount: int | None, key: str | None) -> dict[str, Any]:
        """Capture an intent in ``requires_capture``: all of it, or ``amount`` minor units up to what was authorised;
        emits ``charge.captured`` and ``payment_intent.succeeded``."""

        def run() -> dict[str, Any]:
            intent = self._get(intent_id, "payment_intent", for_update=True)
            if intent["status"] != "requires_capture":
                raise GatewayRequestError(
                    "This PaymentIntent cannot be captured.", code="payment_intent_unexpected_state"
                )
            captured = intent["amount"] if amount is None else amount
            if not 0 < captured <= intent["amount_capturable"]:
                raise GatewayRequestError(
                    "The amount to capture is larger than what was authorised.", code="amount_too_large"
                )
            charge = self._get(intent["latest_charge"], "charge")
            fee = self.fee_for(captured, intent["currency"])
            txn = self._new(
                "balance_transaction",
                "txn",
                amount=captured,
                fee=fee,
                net=captured - fee,
                currency=intent["currency"],
                type="charge",
                source=charge["id"],
            )
            self.store.save(txn)
            charge.update(captured=True, amount_captured=captured, balance_transaction=txn["id"])
            self.store.save(charge)
            intent.update(status="succeeded", amount_capturable=0, amount_received=captured)
            self.store.save(intent)
            self._emit("charge.captured", charge, key)
            self._emit("payment_intent.succeeded", intent, key)
            return public(intent)

        return self.idempotent("capture_intent", key, {"intent": intent_id, "amount": amount}, run)

    def cancel_intent(self, intent_id: str, *, key: str | None) -> dict[str, Any]:
        """Cancel an intent that has not succeeded, been canceled or started processing; emits
        ``payment_intent.canceled``."""

        def run() -> dict[str, Any]:
            intent = self._get(intent_id, "payment_intent", for_update=True)
            if intent["status"] in ("succeeded", "canceled", "processing"):
                raise GatewayRequestError(
                    f"A PaymentIntent in status {intent['status']} cannot be canceled.",
                    code="payment_intent_unexpected_state",
                )
            intent.update(status="canceled", canceled_at=int(time.time()), next_action=None, amount_capturable=0)
            self.store.save(intent)
            self._emit("payment_intent.canceled", intent, key)
            return public(intent)

        return self.idempotent("cancel_intent", key, {"intent": intent_id}, run)

    # Refunds ---------------------------------------------------------------------------------------------------------

    def create_refund(self, request: RefundRequest, *, key: str | None) -> dict[str, Any]:
        """Refund part or all of a succeeded intent's charge, at most what is unrefunded; emits ``refund.created``
        and ``charge.refunded``."""
        params = {
            "payment_intent": request.payment_intent,
            "amount": request.amount,
            "reason": request.reason,
            "metadata": dict(request.metadata),
        }

        def run() -> dict[str, Any]:
            intent = self._get(request.payment_intent, "payment_intent")
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise GatewayRequestError(
                    "This PaymentIntent has no captured charge to refund.", code="charge_not_refundable"
                )
            charge = self._get(intent["latest_charge"], "charge", for_update=True)
            if request.amount > charge["amount_captured"] - charge["amount_refunded"]:
                raise GatewayRequestError(
                    f"Refund amount ({request.amount}) is greater than unrefunded amount on charge "
                    f"({charge['amount_captured'] - charge['amount_refunded']}).",
                    code="amount_too_large",
                )
            refund = self._new(
                "refund",
                "re",
                amount=request.amount,
                currency=charge["currency"],
                charge=charge["id"],
                payment_intent=intent["id"],
                status="succeeded",
                reason=request.reason or None,
                metadata=dict(request.metadata),
            )
            self.store.save(refund)
            charge["amount_refunded"] += request.amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
            self.store.save(charge)
            self._emit("refund.created", refund, key)
            self._emit("charge.refunded", charge, key)
            return public(refund)

        return self.idempotent("create_refund", key, params, run)

    def retrieve_refund(self, refund_id: str) -> dict[str, Any]:
        """The refund; ``GatewayRequestError`` (``resource_missing``) if there is none."""
        return public(self._get(refund_id, "refund"))

    def list_refunds(self, payment_intent: str) -> list[dict[str, Any]]:
        """Every refund of the intent, newest first."""
        refunds = [public(r) for r in self.store.objects("refund") if r.get("payment_intent") == payment_intent]
        return sorted(refunds, key=lambda r: (r["created"], r["id"]), reverse=True)

    def retrieve_charge(self, charge_id: str) -> dict[str, Any]:
        """The charge; ``GatewayRequestError`` (``resource_missing``) if there is none."""
        return public(self._get(charge_id, "charge"))

    def retrieve_balance_transaction(self, transaction_id: str) -> dict[str, Any]:
        """The balance transaction; ``GatewayRequestError`` (``resource_missing``) if there is none."""
        return public(self._get(transaction_id, "balance_transaction"))


class SimulatorGateway(Gateway):
    """A gateway backed by ``SimulatedStripe``; subclasses choose the store. Always test mode.

    Besides the gateway interface it offers what a browser and a bank do in Stripe test mode, for the demo's
    test-card form and for tests: ``create_payment_method`` (tokenise a test card), ``authenticate_intent``
    (pass or fail 3D Secure) and ``confirm_setup_intent`` (save a card)."""

    emits_events = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        from eyt_payments.fees import estimate_stripe_fee_minor

        self.simulator = SimulatedStripe(self.make_store(), fee_for=estimate_stripe_fee_minor)

    def make_store(self) -> SimulatorStore:
        """The store the simulator keeps its state in; every subclass must implement it."""
        raise NotImplementedError(f"{type(self).__name__}.make_store must return the simulator's store.")

    def call(self, operation: Operation, params: Mapping[str, Any], key: str | None, run: Callable[[], Any]) -> Any:
        """Every request passes here, named by its ``Operation``; the memory gateway records it."""
        return run()

    # Gateway interface -------------------------------------------------------------------------------------------

    def _create_customer(self, *, email: str, name: str, metadata: dict[str, str], idempotency_key: str) -> Any:
        params = {"email": email, "name": name, "metadata": metadata}
        return customer_from(
            self.call(
                "create_customer",
                params,
                idempotency_key,
                lambda: self.simulator.create_customer(email=email, name=name, metadata=metadata, key=idempotency_key),
            )
        )

    def set_default_payment_method(self, customer: str, payment_method: str) -> GatewayCustomer:
        """Set the customer's default card in the simulator (recorded as ``update_customer``)."""
        params = {"customer": customer, "invoice_settings": {"default_payment_method": payment_method}}
        return customer_from(
            self.call(
                "update_customer",
                params,
                None,
                lambda: self.simulator.set_default_payment_method(customer, payment_method),
            )
        )

    def _create_setup_intent(self, customer: str, *, idempotency_key: str) -> GatewaySetupIntent:
        params = {"customer": customer, "usage": "off_session"}
        return setup_intent_from(
            self.call(
                "create_setup_intent",
                params,
                idempotency_key,
                lambda: self.simulator.create_setup_intent(customer, key=idempotency_key),
            )
        )

    def attach_payment_method(self, payment_method: str, customer: str) -> GatewayPaymentMethod:
        """Attach a test card to the customer; a declining test card raises ``PaymentDeclined``."""
        params = {"payment_method": payment_method, "customer": customer}
        return payment_method_from(
            self.call(
                "attach_payment_method",
                params,
                None,
                lambda: self.simulator.attach_payment_method(payment_method, customer),
            )
        )

    def detach_payment_method(self, payment_method: str) -> GatewayPaymentMethod:
        """Detach a card from its customer in the simulator."""
        return payment_method_from(
            self.call(
                "detach_payment_method",
                {"payment_method": payment_method},
                None,
                lambda: self.simulator.detach_payment_method(payment_method),
            )
        )

    def list_payment_methods(self, customer: str) -> list[GatewayPaymentMethod]:
        """The customer's cards in the simulator, newest first."""
        found = self.call(
            "list_payment_methods",
            {"customer": customer, "type": "card"},
            None,
            lambda: self.simulator.list_payment_methods(customer),
        )
        return [payment_method_from(method) for method in found]

    def _create_intent(self, request: IntentRequest, *, idempotency_key: str) -> GatewayIntent:
        return intent_from(
            self.call(
                "create_intent",
                asdict(request),
                idempotency_key,
                lambda: self.simulator.create_intent(request, key=idempotency_key),
            )
        )

    def retrieve_intent(self, intent_id: str) -> GatewayIntent:
        """The PaymentIntent as the simulator has it now."""
        return intent_from(
            self.call("retrieve_intent", {"intent": intent_id}, None, lambda: self.simulator.retrieve_intent(intent_id))
        )

    def _confirm_intent(
        self, intent_id: str, *, payment_method: str | None, return_url: str, idempotency_key: str
    ) -> GatewayIntent:
        params = {"intent": intent_id, "payment_method": payment_method, "return_url": return_url}
        return intent_from(
            self.call(
                "confirm_intent",
                params,
                idempotency_key,
                lambda: self.simulator.confirm_intent(intent_id, payment_method=payment_method, key=idempotency_key),
            )
        )

    def _capture_intent(self, intent_id: str, *, amount: int | None, idempotency_key: str) -> GatewayIntent:
        params = {"intent": intent_id, "amount_to_capture": amount}
        return intent_from(
            self.call(
                "capture_intent",
                params,
                idempotency_key,
                lambda: self.simulator.capture_intent(intent_id, amount=amount, key=idempotency_key),
            )
        )

    def _cancel_intent(self, intent_id: str, *, idempotency_key: str) -> GatewayIntent:
        return intent_from(
            self.call(
                "cancel_intent",
                {"intent": intent_id},
                idempotency_key,
                lambda: self.simulator.cancel_intent(intent_id, key=idempotency_key),
            )
        )

    def _create_refund(self, request: RefundRequest, *, idempotency_key: str) -> GatewayRefund:
        return refund_from(
            self.call(
                "create_refund",
                asdict(request),
                idempotency_key,
                lambda: self.simulator.create_refund(request, key=idempotency_key),
            )
        )

    def retrieve_refund(self, refund_id: str) -> GatewayRefund:
        """The refund as the simulator has it now."""
        return refund_from(
            self.call("retrieve_refund", {"refund": refund_id}, None, lambda: self.simulator.retrieve_refund(refund_id))
        )

    def list_refunds(self, payment_intent: str) -> list[GatewayRefund]:
        """Every refund of the intent in the simulator, newest first."""
        found = self.call(
            "list_refunds",
            {"payment_intent": payment_intent},
            None,
            lambda: self.simulator.list_refunds(payment_intent),
        )
        return [refund_from(refund) for refund in found]

    def retrieve_charge(self, charge_id: str) -> GatewayCharge:
        """The charge as the simulator has it now."""
        return charge_from(
            self.call("retrieve_charge", {"charge": charge_id}, None, lambda: self.simulator.retrieve_charge(charge_id))
        )

    def retrieve_balance_transaction(self, transaction_id: str) -> GatewayBalanceTransaction:
        """The balance transaction as the simulator has it (the fee is the ``EYT_PAYMENTS_STRIPE_FEES`` estimate)."""
        return balance_transaction_from(
            self.call(
                "retrieve_balance_transaction",
                {"balance_transaction": transaction_id},
                None,
                lambda: self.simulator.retrieve_balance_transaction(transaction_id),
            )
        )

    # What the browser and the bank do -------------------------------------------------------------------------------

    def create_payment_method(
        self, number: str, exp_month: int = 12, exp_year: int = 2034, cvc: str = "123"
    ) -> GatewayPaymentMethod:
        """Tokenise one of Stripe's test cards (as Stripe.js would); other numbers are refused."""
        return payment_method_from(self.simulator.create_payment_method(number, exp_month, exp_year, cvc))

    def authenticate_intent(self, intent_id: str, *, success: bool = True) -> GatewayIntent:
        """Complete (or fail) the 3D Secure step of an intent in ``requires_action``."""
        return intent_from(self.simulator.authenticate_intent(intent_id, success=success))

    def confirm_setup_intent(self, setup_intent_id: str, payment_method: str) -> GatewaySetupIntent:
        """Save a card through a SetupIntent, as the Payment Element would."""
        return setup_intent_from(self.simulator.confirm_setup_intent(setup_intent_id, payment_method))
