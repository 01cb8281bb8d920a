"""Settings of django-eyt-payments, each read when it is used so ``override_settings`` works.

Every name below is a Django setting with the ``EYT_PAYMENTS_`` prefix; the README documents each one.
The original platform's ``STRIPE_PUBLIC_KEY``, ``STRIPE_SECRET_KEY`` and ``STRIPE_WEBHOOK_SECRET`` are the
defaults of ``PUBLIC_KEY``, ``SECRET_KEY`` and ``WEBHOOK_SECRET`` when ours are unset.
"""

from __future__ import annotations

from typing import Any

from appconf import AppConf
from django.conf import settings as django_settings

#: Django's settings. Typed loosely: the prefixed names are added by django-appconf when this module loads.
settings: Any = django_settings

__all__ = ["EytPaymentsConf", "seed_setting", "seed_setting_name", "settings"]


class EytPaymentsConf(AppConf):
    #: The payment gateway: ``{"BACKEND": dotted path, "OPTIONS": {...}}``. The default is the offline simulator.
    GATEWAY: dict[str, Any] = {"BACKEND": "eyt_payments.gateways.local.LocalGateway", "OPTIONS": {}}
    #: Stripe publishable key; ``None`` uses ``STRIPE_PUBLIC_KEY``.
    PUBLIC_KEY: str | None = None
    #: Stripe secret (or restricted) key; ``None`` uses ``STRIPE_SECRET_KEY``.
    SECRET_KEY: str | None = None
    #: Webhook signing secret(s); ``None`` uses ``STRIPE_WEBHOOK_SECRET``.
    WEBHOOK_SECRET: str | list[str] | None = None
    #: Stripe API version sent with every request; ``None`` is the version stripe-python pins.
    API_VERSION: str | None = None
    #: Seconds before a Stripe request times out.
    TIMEOUT: float = 30.0
    #: Retries of a Stripe request after a network error, 409, 429 or 5xx, always under the same idempotency key.
    MAX_NETWORK_RETRIES: int = 2
    #: Currency used when a caller names none.
    DEFAULT_CURRENCY = "usd"
    #: Currencies this site accepts; ``None`` accepts every currency Stripe supports.
    CURRENCIES: list[str] | None = None
    #: ``{payment_type or "default": {currency: (min, max)}}`` in major units; ``None`` leaves a side open.
    AMOUNT_LIMITS: dict[str, dict[str, tuple[Any, Any]]] = {}
    #: Estimated Stripe pricing: ``{currency or "default": {"percent": "2.9", "fixed": "0.30"}}``.
    STRIPE_FEES: dict[str, dict[str, Any]] = {
        "default": {"percent": "2.9", "fixed": "0"},
        "usd": {"percent": "2.9", "fixed": "0.30"},
        "eur": {"percent": "1.5", "fixed": "0.25"},
        "gbp": {"percent": "1.5", "fixed": "0.20"},
        "jpy": {"percent": "3.6", "fixed": "0"},
    }
    #: Platform fee per payment type: ``{payment_type or "default": {"percent": "5", "fixed": {"usd": "0.50"}}}``.
    PLATFORM_FEES: dict[str, dict[str, Any]] = {}
    #: ``"automatic"`` captures on confirmation; ``"manual"`` authorises and waits for ``capture_payment``.
    CAPTURE_METHOD = "automatic"
    #: Dotted path of the policy adapter (a subclass of ``eyt_payments.hooks.DefaultPaymentsAdapter``).
    ADAPTER = "eyt_payments.hooks.DefaultPaymentsAdapter"
    #: Days after a payment succeeded during which the default adapter allows a refund.
    REFUND_WINDOW_DAYS = 180
    #: Seconds a webhook signature's timestamp may be old, or ahead of this server's clock (Stripe's default: 300).
    WEBHOOK_TOLERANCE = 300
    #: Largest webhook body accepted, in bytes; larger requests are refused before they are read.
    WEBHOOK_MAX_BODY_BYTES = 512 * 1024
    #: Attempts to process an event before it is dead-lettered.
    WEBHOOK_MAX_ATTEMPTS = 8
    #: Seconds before the first retry of a failed event; doubled after each attempt, at most six hours.
    WEBHOOK_RETRY_DELAY = 30
    #: Seconds after ``event.created`` during which an event about an object this database does not know (yet)
    #: is retried; afterwards it is marked ignored.
    WEBHOOK_WAIT_FOR_OBJECT = 3600
    #: Enqueue a processing task after each accepted event; ``False`` leaves events to the command (cron).
    WEBHOOK_ENQUEUE = True
    #: Hours during which a final payment is still compared with the provider by ``eyt_payments_reconcile``.
    RECONCILE_RECENT_HOURS = 72
    #: Rate of ``POST create-intent/`` per user (per IP when anonymous) when django-eyt-audit is installed,
    #: as ``"<count>/<period>"`` (``"20/m"``); ``None`` turns the limit off.
    CREATE_INTENT_RATE: str | None = "20/m"
    #: Payments per page of the history page.
    HISTORY_PAGE_SIZE = 20
    #: Seconds between two status checks of the success page while the payment waits for its webhook.
    STATUS_POLL_INTERVAL = 2.0
    #: Where the pages load Stripe.js from (Stripe requires js.stripe.com; never self-host it).
    STRIPE_JS_URL = "https://js.stripe.com/v3/"

    class Meta:
        prefix = "eyt_payments"


_SEED_DEFAULTS: dict[str, tuple[str, Any]] = {
    "PUBLIC_KEY": ("STRIPE_PUBLIC_KEY", ""),
    "SECRET_KEY": ("STRIPE_SECRET_KEY", ""),
    "WEBHOOK_SECRET": ("STRIPE_WEBHOOK_SECRET", ""),
}


def seed_setting(name: str) -> Any:
    """Our setting if set, else the original platform's setting of that name, else the built-in default."""
    value = getattr(settings, f"EYT_PAYMENTS_{name}")
    if value is not None:
        return value
    seed_name, default = _SEED_DEFAULTS[name]
    return getattr(settings, seed_name, default)


def seed_setting_name(name: str) -> str:
    """The name of the setting ``seed_setting(name)`` reads: ours if set, else the original platform's."""
    return f"EYT_PAYMENTS_{name}" if getattr(settings, f"EYT_PAYMENTS_{name}") is not None else _SEED_DEFAULTS[name][0]
