"""Verifying ``Stripe-Signature`` over the raw body, against every current signing secret (secret rotation).

Stripe's scheme (as stripe-python's ``WebhookSignature.verify_header`` checks it): the header is
``t=<unix time>,v1=<hex>[,v1=<hex>...]`` and a ``v1`` is the HMAC-SHA256, keyed with the endpoint's secret, of
``"<t>." + body``. It is computed here over the raw bytes, without decoding the body, and compared in constant time.
Stricter than stripe-python, a timestamp more than ``EYT_PAYMENTS_WEBHOOK_TOLERANCE`` seconds ahead of this
server's clock is refused too, like one that much in the past: a signature must not stay valid until a future date.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import stripe

from eyt_payments.conf import seed_setting, settings


class WebhookRefused(Exception):
    """A webhook request that is not accepted. ``code`` and ``message`` are safe to send back."""

    def __init__(self, code: str, message: str, *, signature_problem: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: True when the signature itself is missing or wrong (reported as ``webhook_signature_invalid``).
        self.signature_problem = signature_problem


def configured_secrets() -> list[str]:
    """``EYT_PAYMENTS_WEBHOOK_SECRET`` (or ``STRIPE_WEBHOOK_SECRET``): one secret, or a list during a roll."""
    value = seed_setting("WEBHOOK_SECRET")
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [secret for secret in value if isinstance(secret, str) and secret]


def simulator_secret() -> str:
    """The secret the local simulator signs with when no webhook secret is configured (derived from SECRET_KEY)."""
    from django.conf import settings as django_settings

    digest = hashlib.sha256(f"eyt_payments.simulator:{django_settings.SECRET_KEY}".encode()).hexdigest()
    return f"whsec_sim_{digest[:32]}"


def webhook_secrets() -> list[str]:
    """Secrets a signature may match: the configured ones, else the simulator's when a simulator is the gateway."""
    secrets = configured_secrets()
    if secrets:
        return secrets
    from eyt_payments.gateways import get_gateway

    return [simulator_secret()] if get_gateway().emits_events else []


def parse_header(header: str) -> tuple[int, list[str]]:
    """``t=<unix>,v1=<hex>[,v1=<hex>...]`` -> (timestamp, v1 signatures); ``WebhookRefused`` if malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        # ASCII digits only ("²" is a digit to isdigit() but not to int()), and a length int() takes (4300 at most)
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 18:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookRefused("signature_malformed", "The Stripe-Signature header is malformed.")
    return timestamp, signatures


def verify(body: bytes, header: str | None, secrets: Sequence[str] | None = None) -> None:
    """Raise ``WebhookRefused`` unless ``header`` signs ``body`` with one of the secrets, with a timestamp at most
    ``EYT_PAYMENTS_WEBHOOK_TOLERANCE`` seconds from now, in the past or in the future."""
    if not header:
        raise WebhookRefused("signature_missing", "The Stripe-Signature header is missing.")
    timestamp, signatures = parse_header(header)
    now, tolerance = time.time(), int(settings.EYT_PAYMENTS_WEBHOOK_TOLERANCE)
    if timestamp < now - tolerance:
        raise WebhookRefused("signature_expired", "The Stripe-Signature timestamp is too old.")
    if timestamp > now + tolerance:
        raise WebhookRefused("signature_from_future", "The Stripe-Signature timestamp is too far in the future.")
    secrets = webhook_secrets() if secrets is None else list(secrets)
    if not secrets:
        raise WebhookRefused("webhook_not_configured", "This endpoint has no webhook secret configured.")
    signed = b"%d." % timestamp + body
    candidates = [signature.encode("utf-8", "replace") for signature in signatures]
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return
    raise WebhookRefused("signature_invalid", "No signature matches the payload.")


def signed_event(
    event: Mapping[str, Any], secret: str | None = None, *, timestamp: int | None = None
) -> tuple[bytes, str]:
    """The raw body and ``Stripe-Signature`` header Stripe would send for ``event`` (a dict in Stripe's event
    shape), signed with ``secret`` (default: the first configured webhook secret) by stripe-python's own signer.
    For tests: ``client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)``."""
    if secret is None:
        secrets = webhook_secrets()
        if not secrets:
            raise WebhookRefused("webhook_not_configured", "No webhook secret is configured to sign with.")
        secret = secrets[0]
    body = json.dumps(event, indent=2, sort_keys=True)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )
    return body.encode(), header
