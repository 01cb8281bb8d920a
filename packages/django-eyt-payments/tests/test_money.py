from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eyt_payments import money
from eyt_payments.exceptions import BelowMinimumCharge, InvalidAmount, UnsupportedCurrency


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("10.50"), "usd", 1050),
        ("0.01", "USD", 1),
        (Decimal("500"), "jpy", 500),
        (7, "krw", 7),
        (Decimal("5.120"), "kwd", 5120),
        (Decimal("5"), "isk", 500),
        ("19.99", "eur", 1999),
        (Decimal("999999.99"), "usd", 99_999_999),
    ],
)
def test_to_minor_is_exact_per_currency(amount, currency, minor):
    assert money.to_minor(amount, currency) == minor


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [(1050, "usd", "10.50"), (500, "jpy", "500"), (5120, "kwd", "5.120"), (500, "isk", "5.00"), (1, "eur", "0.01")],
)
def test_from_minor_keeps_the_currency_decimals(minor, currency, amount):
    result = money.from_minor(minor, currency)
    assert result == Decimal(amount)
    assert str(result) == amount


@pytest.mark.parametrize(
    ("amount", "currency", "problem"),
    [
        ("10.505", "usd", "more decimals"),
        ("1.5", "jpy", "more decimals"),
        ("5.124", "kwd", "not a multiple of 0.010"),
        ("5.5", "isk", "not a multiple of 1.00"),
        ("0", "usd", "must be positive"),
        ("-3", "usd", "must be positive"),
        ("NaN", "usd", "not a finite"),
        ("Infinity", "usd", "not a finite"),
        ("ten", "usd", "not a number"),
        ("1000000.00", "usd", "above Stripe's maximum"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(amount, currency, problem):
    with pytest.raises(InvalidAmount, match=problem) as caught:
        money.to_minor(amount, currency)
    assert caught.value.code == "invalid_amount"


@pytest.mark.parametrize("value", [10.5, True, None, [1]])
def test_floats_and_non_numbers_are_never_accepted(value):
    with pytest.raises(InvalidAmount):
        money.to_minor(value, "usd")


@pytest.mark.parametrize("currency", ["zzz", "", "us", None, 840])
def test_unknown_currencies_are_refused(currency):
    with pytest.raises(UnsupportedCurrency):
        money.get_currency(currency)


def test_minimum_charge_per_currency():
    money.check_minimum_charge(50, "usd")
    money.check_minimum_charge(50, "jpy")
    with pytest.raises(BelowMinimumCharge, match=r"minimum charge of 0\.50") as caught:
        money.charge_amount_minor("0.49", "usd")
    assert caught.value.user_message == "The minimum amount is 0.50 USD."
    with pytest.raises(BelowMinimumCharge):
        money.charge_amount_minor("49", "jpy")
    with pytest.raises(BelowMinimumCharge):
        money.charge_amount_minor("0.29", "gbp")
    assert money.charge_amount_minor("0.30", "gbp") == 30


def test_the_table_follows_stripes_decimal_rules():
    assert {c for c, spec in money.CURRENCIES.items() if spec.exponent == 0} == set(money.ZERO_DECIMAL)
    assert all(money.CURRENCIES[c].step == 10 for c in money.THREE_DECIMAL)
    assert money.CURRENCIES["isk"].quantum == Decimal("1.00")
    assert money.format_amount(1050, "usd") == "10.50 USD"


currencies = st.sampled_from(sorted(money.CURRENCIES))


@given(currency=currencies, units=st.integers(min_value=1, max_value=money.MAX_AMOUNT_MINOR))
def test_minor_units_round_trip_through_decimal(currency, units):
    minor = units - units % money.CURRENCIES[currency].step or money.CURRENCIES[currency].step
    assert money.to_minor(money.from_minor(minor, currency), currency) == minor


@given(currency=currencies, amount=st.decimals(min_value="0.001", max_value="999999", places=3))
def test_a_decimal_either_converts_exactly_or_is_refused(currency, amount):
    try:
        minor = money.to_minor(amount, currency)
    except InvalidAmount:
        spec = money.CURRENCIES[currency]
        assert amount.scaleb(spec.exponent) % spec.step != 0 or amount.scaleb(spec.exponent) > money.MAX_AMOUNT_MINOR
    else:
        assert money.from_minor(minor, currency) == amount
