from decimal import Decimal

import pytest
from django.test import override_settings

from eyt_payments.exceptions import PaymentsConfigurationError
from eyt_payments.fees import calculate_fees


@pytest.mark.parametrize(
    ("amount", "currency", "stripe_fee"),
    [("100.00", "usd", "3.20"), ("10000", "jpy", "360"), ("100.00", "eur", "1.75"), ("100.00", "chf", "2.90")],
)
def test_stripe_fee_estimates_per_currency(amount, currency, stripe_fee):
    fees = calculate_fees(amount, currency)
    assert fees.stripe_fee == Decimal(stripe_fee)
    assert fees.net == Decimal(amount) - Decimal(stripe_fee)


@override_settings(
    EYT_PAYMENTS_PLATFORM_FEES={
        "tournament_fee": {"percent": "5", "fixed": {"usd": "0.25"}},
        "default": {"percent": "1"},
    }
)
def test_platform_fee_per_payment_type():
    assert calculate_fees("20.00", "usd", "tournament_fee").platform_fee == Decimal("1.25")
    assert calculate_fees("20.00", "usd", "coaching").platform_fee == Decimal("0.20")
    assert calculate_fees("20.00", "usd").platform_fee == Decimal("0.20")
    fees = calculate_fees("20.00", "usd", "tournament_fee")
    assert fees.amount_minor == fees.stripe_fee_minor + fees.platform_fee_minor + fees.net_minor


def test_fees_round_half_up_to_minor_units_and_never_exceed_the_amount():
    assert calculate_fees("0.50", "usd").stripe_fee == Decimal("0.31")  # 1.45 cents -> 1 + 30
    with override_settings(EYT_PAYMENTS_PLATFORM_FEES={"default": {"percent": "99"}}):
        fees = calculate_fees("0.50", "usd")
        assert fees.net == Decimal("0")
        assert fees.platform_fee == Decimal("0.19")


@override_settings(EYT_PAYMENTS_STRIPE_FEES={"default": {"percent": "x"}})
def test_a_bad_table_is_a_configuration_error():
    with pytest.raises(PaymentsConfigurationError, match="not a number"):
        calculate_fees("1", "usd")
