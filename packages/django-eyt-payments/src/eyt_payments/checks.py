"""System checks for django-eyt-payments (ids ``eyt_payments.E00x`` / ``eyt_payments.W00x``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import stripe
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from eyt_payments import money
from eyt_payments.conf import seed_setting, settings
from eyt_payments.exceptions import PaymentsConfigurationError

SIMULATED_GATEWAYS = ("eyt_payments.gateways.local.LocalGateway", "eyt_payments.gateways.memory.MemoryGateway")


@register()
def check_gateway(**kwargs: Any) -> list[CheckMessage]:
    from eyt_payments.gateways import load_gateway

    try:
        gateway = load_gateway(settings.EYT_PAYMENTS_GATEWAY)
    except PaymentsConfigurationError as error:
        return [Error(str(error), id="eyt_payments.E001")]
    messages = gateway.check()
    from django.conf import settings as django_settings

    if settings.EYT_PAYMENTS_GATEWAY["BACKEND"] in SIMULATED_GATEWAYS and not django_settings.DEBUG:
        messages.append(
            Warning(
                "EYT_PAYMENTS_GATEWAY is a simulator while DEBUG is off: no real money can be taken.",
                hint='Use {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"} in production.',
                id="eyt_payments.W001",
            )
        )
    return messages


def _mode(key: str) -> str | None:
    for mode in ("live", "test"):
        if key.startswith((f"sk_{mode}_", f"rk_{mode}_", f"pk_{mode}_")):
            return mode
    return None


def stripe_key_messages() -> list[CheckMessage]:
    """Checks of the Stripe keys, run when the Stripe gateway is configured."""
    secret, public, webhook = (seed_setting(name) for name in ("SECRET_KEY", "PUBLIC_KEY", "WEBHOOK_SECRET"))
    messages: list[CheckMessage] = []
    if not secret:
        messages.append(
            Error(
                "The Stripe gateway is configured without a secret key.",
                hint="Set EYT_PAYMENTS_SECRET_KEY (or STRIPE_SECRET_KEY) from your secret store.",
                id="eyt_payments.E002",
            )
        )
    elif not secret.startswith(("sk_", "rk_")):
        messages.append(Error("The Stripe secret key must start with sk_ or rk_.", id="eyt_payments.E003"))
    if public and not public.startswith("pk_"):
        messages.append(Error("The Stripe publishable key must start with pk_.", id="eyt_payments.E003"))
    if secret and public and _mode(secret) and _mode(public) and _mode(secret) != _mode(public):
        messages.append(
            Error(
                f"The Stripe keys are of different modes: the secret key is {_mode(secret)}, "
                f"the publishable key {_mode(public)}.",
                hint="Use the secret and publishable keys of one mode (both test or both live).",
                id="eyt_payments.E003",
            )
        )
    if not webhook:
        messages.append(
            Warning(
                "No Stripe webhook secret is set: webhook events cannot be verified.",
                hint="Set EYT_PAYMENTS_WEBHOOK_SECRET (or STRIPE_WEBHOOK_SECRET) to the endpoint's signing secret.",
                id="eyt_payments.W002",
            )
        )
    version = settings.EYT_PAYMENTS_API_VERSION
    if version and version != stripe.api_version:
        messages.append(
            Warning(
                f"EYT_PAYMENTS_API_VERSION is {version!r} but stripe-python {stripe.VERSION} is built for "
                f"{stripe.api_version!r}.",
                hint="Leave EYT_PAYMENTS_API_VERSION unset unless you must stay on an older API version.",
                id="eyt_payments.W003",
            )
        )
    return messages


@register()
def check_currencies(**kwargs: Any) -> list[CheckMessage]:
    default = settings.EYT_PAYMENTS_DEFAULT_CURRENCY
    accepted = settings.EYT_PAYMENTS_CURRENCIES
    problems = []
    for code in [default, *(accepted or [])]:
        if not isinstance(code, str) or code.lower() not in money.CURRENCIES:
            problems.append(f"{code!r} is not a currency Stripe supports")
    if accepted is not None and isinstance(default, str) and default.lower() not in {str(c).lower() for c in accepted}:
        problems.append(f"the default currency {default!r} is not in EYT_PAYMENTS_CURRENCIES")
    return [Error(f"Currency settings: {problem}.", id="eyt_payments.E004") for problem in problems]


@register()
def check_amount_and_fee_tables(**kwargs: Any) -> list[CheckMessage]:
    from eyt_payments import fees, payables

    errors: list[CheckMessage] = []
    limits = settings.EYT_PAYMENTS_AMOUNT_LIMITS
    try:
        if not isinstance(limits, Mapping):
            raise PaymentsConfigurationError(f"EYT_PAYMENTS_AMOUNT_LIMITS must be a dict, not {limits!r}.")
        for payment_type, by_currency in limits.items():
            for currency, pair in dict(by_currency).items():
                if not isinstance(pair, tuple | list) or len(pair) != 2:
                    raise PaymentsConfigurationError(
                        f"EYT_PAYMENTS_AMOUNT_LIMITS[{payment_type!r}][{currency!r}] must be (min, max), not {pair!r}."
                    )
                low, high = payables.amount_limits(payment_type, currency)
                if low is not None and high is not None and low > high:
                    raise PaymentsConfigurationError(
                        f"EYT_PAYMENTS_AMOUNT_LIMITS[{payment_type!r}][{currency!r}]: the minimum is above the maximum."
                    )
        for currency in settings.EYT_PAYMENTS_STRIPE_FEES:
            fees.estimate_stripe_fee_minor(10_000, "usd" if currency == "default" else currency)
        for payment_type, entry in settings.EYT_PAYMENTS_PLATFORM_FEES.items():
            for currency in dict(entry.get("fixed") or {}) or {"usd": 0}:
                fees.platform_fee_minor(10_000, currency, payment_type)
    except (PaymentsConfigurationError, ValueError, TypeError, AttributeError) as error:
        errors.append(Error(str(error), id="eyt_payments.E005"))
    return errors


@register(Tags.compatibility)
def check_adapter(**kwargs: Any) -> list[CheckMessage]:
    from eyt_payments.hooks import load_adapter

    try:
        load_adapter(settings.EYT_PAYMENTS_ADAPTER)
    except PaymentsConfigurationError as error:
        return [Error(str(error), id="eyt_payments.E006")]
    return []


@register()
def check_webhook_settings(**kwargs: Any) -> list[CheckMessage]:
    """E007: the webhook secret(s) and the webhook/worker numbers must have usable shapes."""
    problems = []
    secret = seed_setting("WEBHOOK_SECRET")
    if secret and not (
        isinstance(secret, str) or (isinstance(secret, list | tuple) and all(isinstance(s, str) and s for s in secret))
    ):
        problems.append("EYT_PAYMENTS_WEBHOOK_SECRET must be a string or a list of non-empty strings")
    for name, minimum in (
        ("WEBHOOK_TOLERANCE", 1),
        ("WEBHOOK_MAX_BODY_BYTES", 1024),
        ("WEBHOOK_MAX_ATTEMPTS", 1),
        ("WEBHOOK_RETRY_DELAY", 0),
        ("WEBHOOK_WAIT_FOR_OBJECT", 0),
        ("RECONCILE_RECENT_HOURS", 0),
    ):
        value = getattr(settings, f"EYT_PAYMENTS_{name}")
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            problems.append(f"EYT_PAYMENTS_{name} must be an integer of at least {minimum}, not {value!r}")
    return [Error(f"Webhook settings: {problem}.", id="eyt_payments.E007") for problem in problems]


RATE_PATTERN = re.compile(r"\s*[1-9]\d*\s*/\s*\d*\s*[smhd]\s*", re.ASCII)


@register()
def check_rates(**kwargs: Any) -> list[CheckMessage]:
    """E008: a rate limit must read like ``20/m`` (count per s, m, h or d, optionally ``5/30s``), or be empty."""
    rate = settings.EYT_PAYMENTS_CREATE_INTENT_RATE
    if not rate or (isinstance(rate, str) and RATE_PATTERN.fullmatch(rate)):
        return []
    return [
        Error(
            f"EYT_PAYMENTS_CREATE_INTENT_RATE must be a rate such as '20/m' or '100/h', not {rate!r}.",
            hint="Use None or '' to leave create-intent unlimited.",
            id="eyt_payments.E008",
        )
    ]
