"""Signed Stripe events at the current API shape, built from Stripe's own example objects.

``tests/stripe_fixtures/fixtures3.json`` (Stripe's openapi fixtures, MIT; ``EYT_STRIPE_FIXTURES`` points elsewhere)
holds one example of every resource. ``resource`` copies one and changes what a scenario needs, ``event`` wraps it in
the event envelope and ``sign`` signs the exact bytes as Stripe does (HMAC-SHA256 over ``"<t>.<body>"``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import stripe

SECRET = "whsec_test_current"
OLD_SECRET = "whsec_test_previous"
FIXTURES = Path(
    os.environ.get("EYT_STRIPE_FIXTURES", Path(__file__).resolve().parent / "stripe_fixtures" / "fixtures3.json")
)


@functools.cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]  # type: ignore[no-any-return]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def resource(name: str, **changes: Any) -> dict[str, Any]:
    """A deep copy of Stripe's example ``name`` object with ``changes`` applied (and a fresh id unless given)."""
    obj = copy.deepcopy(_resources()[name])
    obj["id"] = new_id(obj["id"].split("_")[0])
    obj.update(changes)
    return obj


def event(event_type: str, obj: dict[str, Any], *, created: int | None = None, **envelope: Any) -> dict[str, Any]:
    """``obj`` in Stripe's event envelope (the shape of the fixtures' example event)."""
    wrapped = copy.deepcopy(_resources()["event"])
    wrapped.update(
        id=new_id("evt"),
        type=event_type,
        created=int(time.time()) if created is None else created,
        livemode=obj.get("livemode", False),
        api_version=stripe.api_version,
        data={"object": obj},
    )
    wrapped.update(envelope)
    return wrapped


def sign(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``body``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed(payload: dict[str, Any], secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, sign(body, secret, timestamp)


def post(client: Any, payload: dict[str, Any], secret: str = SECRET, **kwargs: Any) -> Any:
    """Deliver ``payload`` to the webhook view as Stripe would."""
    body, header = signed(payload, secret)
    return client.post(
        "/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header, **kwargs
    )


# Objects of a payment's life --------------------------------------------------------------------------------------


def intent(payment: Any, status: str, *, created: int = 1_700_000_000, **changes: Any) -> dict[str, Any]:
    values = {
        "id": payment.stripe_payment_intent_id,
        "amount": payment.amount_minor,
        "currency": payment.currency,
        "status": status,
        "created": created,
        "livemode": payment.livemode,
        "metadata": {"eyt_payment_id": str(payment.pk)},
        "last_payment_error": None,
        "next_action": None,
        "canceled_at": None,
        **changes,
    }
    return resource("payment_intent", **values)


def failed_intent(payment: Any, decline_code: str = "insufficient_funds") -> dict[str, Any]:
    error = {"type": "card_error", "code": "card_declined", "decline_code": decline_code}
    return intent(payment, "requires_payment_method", last_payment_error=error)


def charge(payment: Any, **changes: Any) -> dict[str, Any]:
    values = {
        "amount": payment.amount_minor,
        "amount_captured": payment.amount_minor,
        "currency": payment.currency,
        "payment_intent": payment.stripe_payment_intent_id,
        "captured": True,
        "livemode": payment.livemode,
        **changes,
    }
    return resource("charge", **values)


def balance_transaction(amount: int, fee: int, currency: str = "usd", **changes: Any) -> dict[str, Any]:
    return resource("balance_transaction", amount=amount, fee=fee, net=amount - fee, currency=currency, **changes)


def refund(payment: Any, amount: int, status: str = "succeeded", **changes: Any) -> dict[str, Any]:
    values = {
        "amount": amount,
        "currency": payment.currency,
        "payment_intent": payment.stripe_payment_intent_id,
        "charge": payment.stripe_charge_id or None,
        "status": status,
        "livemode": payment.livemode,
        **changes,
    }
    return resource("refund", **values)


def dispute(payment: Any, status: str = "needs_response") -> dict[str, Any]:
    return resource(
        "dispute",
        amount=payment.amount_minor,
        currency=payment.currency,
        charge=payment.stripe_charge_id,
        payment_intent=payment.stripe_payment_intent_id,
        status=status,
        livemode=payment.livemode,
    )
