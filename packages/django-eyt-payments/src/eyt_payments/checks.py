"""System checks for django-eyt-payments (ids ``eyt_payments.E00x`` / ``eyt_payments.W00x``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import stripe
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from eyt_payments import fees, money, payables
from eyt_payments.conf import seed_setting, seed_setting_name, settings
from eyt_payments.exceptions import PaymentsConfigurationError
from eyt_payments.webhooks.signature import configured_secrets

#: What each Stripe key or secret setting (a ``seed_setting`` name) is called in messages, and how it starts.
KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "SECRET_KEY": ("secret key", ("sk_", "rk_")),
    "PUBLIC_KEY": ("publishable key", ("pk_",)),
    "WEBHOOK_SECRET": ("webhook signing secret", ("whsec_",)),
}


@register()
def check_gateway(**kwargs: Any) -> list[CheckMessage]:
    """E001: ``EYT_PAYMENTS_GATEWAY`` must build a gateway; then the gateway's own ``check()`` messages, and
    W001/W005 when it is a simulator."""
    from eyt_payments.gateways import load_gateway
    from eyt_payments.gateways.simulation import SimulatorGateway

    try:
        gateway = load_gateway(settings.EYT_PAYMENTS_GATEWAY)
    except PaymentsConfigurationError as error:
        return [Error(str(error), id="eyt_payments.E001")]
    messages = gateway.check()
    if isinstance(gateway, SimulatorGateway):
        messages.extend(simulator_messages())
    return messages


def simulator_messages() -> list[CheckMessage]:
    """W001 and W005: a simulator gateway where real money or live keys are expected."""
    from django.conf import settings as django_settings

    messages: list[CheckMessage] = []
    if not django_settings.DEBUG:
        messages.append(
            Warning(
                "EYT_PAYMENTS_GATEWAY is a simulator while DEBUG is off: no real money can be taken.",
                hint='Use {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"} in production.',
                id="eyt_payments.W001",
            )
        )
    live = [seed_setting_name(name) for name in ("SECRET_KEY", "PUBLIC_KEY") if _mode(seed_setting(name)) == "live"]
    if live:
        messages.append(
            Warning(
                f"EYT_PAYMENTS_GATEWAY is a simulator, which never uses the live Stripe key(s) in {', '.join(live)}.",
                hint='Use {"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"} to take real payments, '
                "or keep live keys out of this environment.",
                id="eyt_payments.W005",
            )
        )
    return messages


def _mode(key: Any) -> str | None:
    if not isinstance(key, str):
        return None
    for mode in ("live", "test"):
        if key.strip().startswith((f"sk_{mode}_", f"rk_{mode}_", f"pk_{mode}_")):
            return mode
    return None


def _key_error(name: str, value: Any) -> Error | None:
    """E003 when the non-empty key or secret ``value`` of ``seed_setting(name)`` cannot be one Stripe issued."""
    what, prefixes = KEYS[name]
    label = f"The Stripe {what} ({seed_setting_name(name)})"
    if not isinstance(value, str):
        return Error(f"{label} must be a string, not {type(value).__name__}.", id="eyt_payments.E003")
    if value != value.strip():
        return Error(
            f"{label} has surrounding whitespace (a pasted newline?).",
            hint="Strip the value where it is read (an environment variable, a secret file).",
            id="eyt_payments.E003",
        )
    if not value.startswith(prefixes):
        hint = "Use the endpoint's signing secret from the Stripe dashboard or `stripe listen`, not an API key."
        return Error(
            f"{label} must start with {' or '.join(prefixes)}.",
            hint=hint if name == "WEBHOOK_SECRET" else None,
            id="eyt_payments.E003",
        )
    return None


def stripe_key_messages() -> list[CheckMessage]:
    """Checks of the Stripe keys, run when the Stripe gateway is configured."""
    secret, public, webhook = (seed_setting(name) for name in KEYS)
    messages: list[CheckMessage] = []
    if not secret:
        messages.append(
            Error(
                "The Stripe gateway is configured without a secret key.",
                hint="Set EYT_PAYMENTS_SECRET_KEY (or STRIPE_SECRET_KEY) from your secret store.",
                id="eyt_payments.E002",
            )
        )
    if not public:
        messages.append(
            Warning(
                "The Stripe gateway is configured without a publishable key: the checkout page answers 503 and "
                "cards cannot be saved.",
                hint="Set EYT_PAYMENTS_PUBLIC_KEY (or STRIPE_PUBLIC_KEY) to the pk_ key of the secret key's account.",
                id="eyt_payments.W004",
            )
        )
    keys = [("SECRET_KEY", secret), ("PUBLIC_KEY", public), *(("WEBHOOK_SECRET", s) for s in configured_secrets())]
    errors = [_key_error(name, value) for name, value in keys if value]
    messages.extend(error for error in errors if error is not None)
    if _mode(secret) and _mode(public) and _mode(secret) != _mode(public):
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
    """E004: the default currency and ``EYT_PAYMENTS_CURRENCIES`` must be currencies Stripe supports, the default
    among the accepted ones."""
    default = settings.EYT_PAYMENTS_DEFAULT_CURRENCY
    accepted = settings.EYT_PAYMENTS_CURRENCIES
    problems = []
    for code in [default, *(accepted or [])]:
        if not isinstance(code, str) or code.lower() not in money.CURRENCIES:
            problems.append(f"{code!r} is not a currency Stripe supports")
    if accepted is not None and isinstance(default, str) and default.lower() not in {str(c).lower() for c in accepted}:
        problems.append(f"the default currency {default!r} is not in EYT_PAYMENTS_CURRENCIES")
    return [Error(f"Currency settings: {problem}.", id="eyt_payments.E004") for problem in problems]


#: The documented shape of each table E005 checks.
TABLE_SHAPES = {
    "EYT_PAYMENTS_AMOUNT_LIMITS": '{payment_type or "default": {currency: (min, max)}}',
    "EYT_PAYMENTS_STRIPE_FEES": '{currency or "default": {"percent": "2.9", "fixed": "0.30"}}',
    "EYT_PAYMENTS_PLATFORM_FEES": '{payment_type or "default": {"percent": "5", "fixed": {"usd": "0.50"}}}',
}
FEE_KEYS = frozenset({"percent", "fixed"})

EntryProblems = Callable[[str, Any, Mapping[Any, Any]], list[str]]


@register()
def check_amount_and_fee_tables(**kwargs: Any) -> list[CheckMessage]:
    """E005: the amount-limit and fee tables must have their documented shapes (every problem is reported)."""
    problems = [
        *_table_problems("EYT_PAYMENTS_AMOUNT_LIMITS", _limit_problems),
        *_table_problems("EYT_PAYMENTS_STRIPE_FEES", _stripe_fee_problems),
        *_table_problems("EYT_PAYMENTS_PLATFORM_FEES", _platform_fee_problems),
    ]
    return [Error(problem, id="eyt_payments.E005") for problem in problems]


def _table_problems(name: str, entry_problems: EntryProblems) -> list[str]:
    """Problems of the two-level table ``name``: its shape, then ``entry_problems`` of each of its dicts."""
    table, shape = getattr(settings, name), TABLE_SHAPES[name]
    if not isinstance(table, Mapping):
        return [f"{name} must be a dict shaped {shape}, not {table!r}."]
    problems = []
    for key, entry in table.items():
        if isinstance(entry, Mapping):
            problems.extend(entry_problems(f"{name}[{key!r}]", key, entry))
        else:
            problems.append(f"{name}[{key!r}] must be a dict, as in {shape}, not {entry!r}.")
    return problems


def _raised(check: Callable[..., object], *args: Any) -> list[str]:
    """The message of the ``PaymentsConfigurationError`` that ``check(*args)`` raises (it names the setting)."""
    try:
        check(*args)
    except PaymentsConfigurationError as error:
        return [str(error)]
    return []


def _is_currency(code: Any) -> bool:
    return isinstance(code, str) and code in money.CURRENCIES


def _fee_problems(setting: str, entry: Mapping[Any, Any]) -> list[str]:
    unknown = [key for key in entry if key not in FEE_KEYS]
    problems = [f'{setting} has unknown keys {unknown}: only "percent" and "fixed" are read.'] if unknown else []
    return problems + _raised(fees.fee_number, entry.get("percent", 0), setting)


def _limit_problems(setting: str, payment_type: Any, by_currency: Mapping[Any, Any]) -> list[str]:
    problems = []
    for currency, pair in by_currency.items():
        if not _is_currency(currency):
            problems.append(
                f"{setting} has the key {currency!r}, which is not a lowercase currency code Stripe supports."
            )
        elif not isinstance(pair, tuple | list) or len(pair) != 2:
            problems.append(f"{setting}[{currency!r}] must be a (min, max) pair, each an amount or None, not {pair!r}.")
        else:
            problems.extend(_limit_pair_problems(f"{setting}[{currency!r}]", payment_type, currency))
    return problems


def _limit_pair_problems(setting: str, payment_type: Any, currency: str) -> list[str]:
    try:
        low, high = payables.amount_limits(payment_type, currency)
    except PaymentsConfigurationError as error:
        return [str(error)]
    if low is not None and high is not None and low > high:
        return [f"{setting}: the minimum is above the maximum."]
    return []


def _stripe_fee_problems(setting: str, currency: Any, entry: Mapping[Any, Any]) -> list[str]:
    if currency != "default" and not _is_currency(currency):
        return [f'{setting}: the key must be "default" or a lowercase currency code Stripe supports.']
    fixed = entry.get("fixed", 0)
    if currency == "default":  # its fixed fee is never charged (it has no currency): only its number is checked
        return _fee_problems(setting, entry) + _raised(fees.fee_number, fixed, setting)
    return _fee_problems(setting, entry) + _raised(fees.fixed_fee_minor, fixed, currency, setting)


def _platform_fee_problems(setting: str, payment_type: Any, entry: Mapping[Any, Any]) -> list[str]:
    problems = _fee_problems(setting, entry)
    fixed = entry.get("fixed") or {}
    if not isinstance(fixed, Mapping):
        return [*problems, f'{setting}["fixed"] must map currencies to amounts, e.g. {{"usd": "0.50"}}, not {fixed!r}.']
    for currency, amount in fixed.items():
        if _is_currency(currency):
            problems.extend(_raised(fees.fixed_fee_minor, amount, currency, setting))
        else:
            problems.append(
                f'{setting}["fixed"] has the key {currency!r}, which is not a lowercase currency code Stripe supports.'
            )
    return problems


@register(Tags.compatibility)
def check_adapter(**kwargs: Any) -> list[CheckMessage]:
    """E006: ``EYT_PAYMENTS_ADAPTER`` must import and subclass ``DefaultPaymentsAdapter``."""
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


@register(Tags.compatibility)
def check_database(**kwargs: Any) -> list[CheckMessage]:
    """E009: MariaDB and MySQL cannot hold the payments tables: they create no unique constraint with a condition."""
    from django.db import connections, router

    from eyt_payments.models import Payment

    return [
        Error(
            f"The database {alias!r} is MariaDB or MySQL, which django-eyt-payments does not support.",
            hint="It cannot create the partial unique constraints that keep a double click from charging twice (one "
            "open payment per payable item, one default card, one pending refund request). Use PostgreSQL, or SQLite "
            "for development.",
            id="eyt_payments.E009",
        )
        for alias in connections
        if connections[alias].vendor == "mysql" and router.allow_migrate_model(alias, Payment)
    ]
