"""What can be paid for: host apps register payment types with a resolver that prices a reference.

An HTTP request names only the type and a reference (``tournament_fee`` + ``"42"``); the server asks the
resolver for amount, currency and description, so a client-sent amount is never trusted::

    # tournaments/apps.py, in ready()
    from eyt_payments.payables import Payable, register_payable

    def tournament_fee(ref, user):
        tournament = Tournament.objects.get(pk=ref, registration_open=True)
        return Payable(tournament.entry_fee, "usd", f"Entry fee: {tournament.name}", tournament)

    register_payable("tournament_fee", tournament_fee)

A resolver raises ``ObjectDoesNotExist``, ``ValueError`` or ``UnknownPayable`` when the reference names
nothing payable. Optional per-type hooks run after commit, next to the signals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model

from eyt_payments import money
from eyt_payments.conf import settings
from eyt_payments.exceptions import (
    AmountOutOfRange,
    PaymentsConfigurationError,
    PaymentsError,
    UnknownPayable,
    UnknownPaymentType,
)

PAYMENT_TYPE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
HOOK_EVENTS = ("succeeded", "failed", "refunded", "canceled")


@dataclass(frozen=True)
class Payable:
    """The price of one thing: what a resolver returns."""

    amount: Decimal
    currency: str
    description: str
    obj: Model | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


Resolver = Callable[[str, Any], Payable]
Hook = Callable[..., None]


@dataclass(frozen=True)
class PayableType:
    """A registered payment type: its resolver and its after-commit hooks by event name."""

    payment_type: str
    resolver: Resolver
    hooks: Mapping[str, Hook]


_registry: dict[str, PayableType] = {}


def validate_payment_type(payment_type: object) -> str:
    """``payment_type`` when it is a lowercase slug of at most 64 characters; ``UnknownPaymentType`` otherwise."""
    if not isinstance(payment_type, str) or not PAYMENT_TYPE_PATTERN.match(payment_type):
        raise UnknownPaymentType(
            "Payment types are lowercase slugs of at most 64 characters (letters, digits, _ . -), "
            f"not {payment_type!r}."
        )
    return payment_type


def register_payable(
    payment_type: str,
    resolver: Resolver,
    *,
    on_succeeded: Hook | None = None,
    on_failed: Hook | None = None,
    on_refunded: Hook | None = None,
    on_canceled: Hook | None = None,
) -> None:
    """Register (or replace) the resolver of ``payment_type`` and its optional after-commit hooks.

    Hooks receive the same keyword arguments as the matching signal (``payment``, and ``refund`` or ``code``)."""
    validate_payment_type(payment_type)
    if not callable(resolver):
        raise PaymentsConfigurationError(f"The resolver of {payment_type!r} must be callable, not {resolver!r}.")
    hooks = {"succeeded": on_succeeded, "failed": on_failed, "refunded": on_refunded, "canceled": on_canceled}
    _registry[payment_type] = PayableType(payment_type, resolver, {k: v for k, v in hooks.items() if v is not None})


def unregister_payable(payment_type: str) -> None:
    """Forget ``payment_type``'s resolver and hooks; an unknown type is ignored."""
    _registry.pop(payment_type, None)


def registered_payment_types() -> list[str]:
    """The registered payment types, sorted."""
    return sorted(_registry)


def get_payable_type(payment_type: str) -> PayableType:
    """The registration of ``payment_type``; ``UnknownPaymentType`` if it is malformed or not registered."""
    validate_payment_type(payment_type)
    try:
        return _registry[payment_type]
    except KeyError:
        raise UnknownPaymentType(f"No payable is registered as {payment_type!r}.") from None


def resolve_payable(payment_type: str, ref: object, user: Any) -> Payable:
    """The price of ``ref`` (a string or an integer) for ``user``, from the resolver of ``payment_type``."""
    payable_type = get_payable_type(payment_type)
    if not isinstance(ref, str | int) or isinstance(ref, bool) or not str(ref).strip() or len(str(ref)) > 255:
        raise UnknownPayable(f"{ref!r} is not a reference a {payment_type!r} resolver can look up.")
    try:
        payable = payable_type.resolver(str(ref).strip(), user)
    except (ObjectDoesNotExist, ValueError) as error:
        if isinstance(error, PaymentsError):  # the resolver's own refusal (UnknownPayable, AlreadyPaid...) as raised
            raise
        raise UnknownPayable(f"{payment_type!r} resolver found nothing payable for {ref!r}: {error}") from error
    if not isinstance(payable, Payable):
        raise PaymentsConfigurationError(
            f"The resolver of {payment_type!r} returned {payable!r}; it must return eyt_payments.payables.Payable."
        )
    return payable


def run_hook(payment_type: str, event: str, **kwargs: Any) -> None:
    """Call ``payment_type``'s hook for ``event`` (``succeeded``, ``failed``, ``refunded``, ``canceled``) with
    ``kwargs``, if one is registered; its errors propagate."""
    registered = _registry.get(payment_type)
    hook = registered.hooks.get(event) if registered else None
    if hook is not None:
        hook(**kwargs)


def amount_limits(payment_type: str, currency: str) -> tuple[int | None, int | None]:
    """``(minimum, maximum)`` in minor units from ``EYT_PAYMENTS_AMOUNT_LIMITS`` (the type's entry for the
    currency, else the ``"default"`` entry); ``None`` leaves that side open."""
    table: Mapping[str, Mapping[str, Any]] = settings.EYT_PAYMENTS_AMOUNT_LIMITS
    currency = currency.lower()
    for key in (payment_type, "default"):
        limits = (table.get(key) or {}).get(currency)
        if limits is not None:
            low, high = limits
            return (
                None if low is None else _limit_minor(low, currency, key),
                None if high is None else _limit_minor(high, currency, key),
            )
    return None, None


def _limit_minor(value: Any, currency: str, key: str) -> int:
    try:
        return money.to_minor(value, currency)
    except ValueError as error:
        raise PaymentsConfigurationError(
            f"EYT_PAYMENTS_AMOUNT_LIMITS[{key!r}][{currency!r}] holds {value!r}: {error}"
        ) from error


def check_amount_limits(payment_type: str, amount_minor: int, currency: str) -> None:
    """``AmountOutOfRange`` when ``amount_minor`` is outside ``payment_type``'s limits in ``currency``
    (``amount_limits``)."""
    low, high = amount_limits(payment_type, currency)
    if (low is not None and amount_minor < low) or (high is not None and amount_minor > high):
        shown = [money.from_minor(v, currency) if v is not None else "-" for v in (low, high)]
        raise AmountOutOfRange(
            f"{money.format_amount(amount_minor, currency)} is outside the {payment_type!r} limits "
            f"{shown[0]}..{shown[1]}.",
            user_message=f"The amount must be between {shown[0]} and {shown[1]} {currency.upper()}.",
        )
