"""Fee estimates: Stripe's pricing (a configurable table) and the platform's own fee per payment type.

The real Stripe fee arrives later with the charge's balance transaction and is stored beside the estimate
(``Payment.actual_stripe_fee_minor``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from eyt_payments import money
from eyt_payments.conf import settings
from eyt_payments.exceptions import PaymentsConfigurationError


@dataclass(frozen=True)
class FeeBreakdown:
    """What a payment costs: all amounts in the payment's currency, Decimal and exact minor units."""

    currency: str
    amount_minor: int
    stripe_fee_minor: int
    platform_fee_minor: int

    @property
    def net_minor(self) -> int:
        """What is left after Stripe's and the platform's fees, in minor units."""
        return self.amount_minor - self.stripe_fee_minor - self.platform_fee_minor

    @property
    def amount(self) -> Decimal:
        """The charged amount as a ``Decimal``."""
        return money.from_minor(self.amount_minor, self.currency)

    @property
    def stripe_fee(self) -> Decimal:
        """Stripe's estimated fee as a ``Decimal``."""
        return money.from_minor(self.stripe_fee_minor, self.currency)

    @property
    def platform_fee(self) -> Decimal:
        """The platform's fee as a ``Decimal``."""
        return money.from_minor(self.platform_fee_minor, self.currency)

    @property
    def net(self) -> Decimal:
        """What is left after both fees, as a ``Decimal``."""
        return money.from_minor(self.net_minor, self.currency)


def fee_number(value: Any, setting: str) -> Decimal:
    """A percent or fixed fee of ``setting`` as a ``Decimal``; ``PaymentsConfigurationError`` naming it otherwise."""
    if isinstance(value, float | bool):
        raise PaymentsConfigurationError(f"{setting} must hold Decimal or str numbers, not {value!r}.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise PaymentsConfigurationError(f"{setting} holds {value!r}, which is not a number.") from None
    if not number.is_finite() or number < 0:
        raise PaymentsConfigurationError(f"{setting} holds {value!r}; fees must be zero or positive.")
    return number


def fixed_fee_minor(value: Any, currency: str, setting: str) -> int:
    """A fixed fee of ``setting`` in ``currency``'s minor units; refused with too many decimals for it."""
    minor = fee_number(value, setting).scaleb(money.get_currency(currency).exponent)
    if minor != minor.to_integral_value():
        raise PaymentsConfigurationError(f"{setting} fixed fee {value!r} has too many decimals for {currency}.")
    return int(minor)


def _percent_minor(amount_minor: int, percent: Decimal) -> int:
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def estimate_stripe_fee_minor(amount_minor: int, currency: str) -> int:
    """Stripe's fee by ``EYT_PAYMENTS_STRIPE_FEES``: the currency's entry, else ``"default"``."""
    table: Mapping[str, Mapping[str, Any]] = settings.EYT_PAYMENTS_STRIPE_FEES
    entry = table.get(currency.lower()) or table.get("default") or {}
    setting = f"EYT_PAYMENTS_STRIPE_FEES[{currency.lower()!r}]"
    percent = fee_number(entry.get("percent", 0), setting)
    fixed = fixed_fee_minor(entry.get("fixed", 0), currency, setting) if currency.lower() in table else 0
    return min(amount_minor, _percent_minor(amount_minor, percent) + fixed)


def platform_fee_minor(amount_minor: int, currency: str, payment_type: str | None = None) -> int:
    """The platform's fee by ``EYT_PAYMENTS_PLATFORM_FEES``: the payment type's entry, else ``"default"``."""
    table: Mapping[str, Mapping[str, Any]] = settings.EYT_PAYMENTS_PLATFORM_FEES
    entry = (payment_type and table.get(payment_type)) or table.get("default") or {}
    setting = f"EYT_PAYMENTS_PLATFORM_FEES[{payment_type or 'default'!r}]"
    percent = fee_number(entry.get("percent", 0), setting)
    fixed_by_currency = entry.get("fixed") or {}
    if not isinstance(fixed_by_currency, Mapping):
        raise PaymentsConfigurationError(f'{setting}["fixed"] must map currencies to amounts, e.g. {{"usd": "0.50"}}.')
    fixed = fixed_by_currency.get(currency.lower(), 0)
    return min(amount_minor, _percent_minor(amount_minor, percent) + fixed_fee_minor(fixed, currency, setting))


def calculate_fees(amount: Decimal | int | str, currency: str, payment_type: str | None = None) -> FeeBreakdown:
    """Stripe fee, platform fee and net of charging ``amount`` in ``currency`` for ``payment_type``."""
    amount_minor = money.to_minor(amount, currency)
    return fees_for_minor(amount_minor, currency.lower(), payment_type)


def fees_for_minor(amount_minor: int, currency: str, payment_type: str | None = None) -> FeeBreakdown:
    """Like ``calculate_fees`` for an amount already in minor units and a lowercase currency; the platform fee is
    capped at what Stripe's fee leaves."""
    stripe_fee = estimate_stripe_fee_minor(amount_minor, currency)
    platform_fee = min(amount_minor - stripe_fee, platform_fee_minor(amount_minor, currency, payment_type))
    return FeeBreakdown(currency, amount_minor, stripe_fee, platform_fee)
