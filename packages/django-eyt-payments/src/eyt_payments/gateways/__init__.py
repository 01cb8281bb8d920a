"""The configured payment gateway: ``get_gateway()`` builds ``EYT_PAYMENTS_GATEWAY`` once and caches it.

The cache is cleared when a payments or Stripe setting changes (``override_settings`` works in tests).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from django.utils.module_loading import import_string

from eyt_payments.exceptions import InvalidGateway
from eyt_payments.gateways.base import Gateway

__all__ = ["Gateway", "get_gateway", "load_gateway", "reset_gateway"]

_lock = threading.Lock()
_gateway: Gateway | None = None


def load_gateway(config: Any) -> Gateway:
    """Build a gateway from ``{"BACKEND": dotted path, "OPTIONS": {...}}``; ``InvalidGateway`` says what is wrong."""
    if not isinstance(config, Mapping) or not isinstance(config.get("BACKEND"), str):
        raise InvalidGateway(
            f'EYT_PAYMENTS_GATEWAY must be {{"BACKEND": "dotted.path.Gateway", "OPTIONS": {{...}}}}, not {config!r}.'
        )
    unknown = sorted(set(config) - {"BACKEND", "OPTIONS"})
    if unknown:
        raise InvalidGateway(f"EYT_PAYMENTS_GATEWAY has unknown keys {unknown}; only BACKEND and OPTIONS are read.")
    options = config.get("OPTIONS") or {}
    if not isinstance(options, Mapping):
        raise InvalidGateway(f"EYT_PAYMENTS_GATEWAY['OPTIONS'] must be a dict, not {options!r}.")
    try:
        backend = import_string(config["BACKEND"])
    except ImportError as error:
        raise InvalidGateway(f"Could not find gateway backend {config['BACKEND']!r}: {error}") from error
    if not (isinstance(backend, type) and issubclass(backend, Gateway)):
        raise InvalidGateway(f"{config['BACKEND']!r} is not a subclass of eyt_payments.gateways.base.Gateway.")
    return backend(**options)


def get_gateway() -> Gateway:
    """The gateway named by ``EYT_PAYMENTS_GATEWAY``, built on first use."""
    global _gateway
    gateway = _gateway
    if gateway is None:
        from eyt_payments.conf import settings

        with _lock:
            if _gateway is None:
                _gateway = load_gateway(settings.EYT_PAYMENTS_GATEWAY)
            gateway = _gateway
    return gateway


def reset_gateway() -> None:
    """Forget the cached gateway: the next ``get_gateway()`` builds it again from the settings."""
    global _gateway
    with _lock:
        _gateway = None


def reset_gateway_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: resets the gateway when a payments or Stripe setting changes, except webhook and
    reconcile settings."""
    if setting.startswith(("EYT_PAYMENTS_WEBHOOK_", "EYT_PAYMENTS_RECONCILE_", "STRIPE_WEBHOOK_")):
        return  # webhook settings never change how the gateway is built
    if setting.startswith(("EYT_PAYMENTS_", "STRIPE_")):
        reset_gateway()
