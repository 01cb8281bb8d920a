"""Exact money: integer minor units inside, ``Decimal`` at the edge, never floats.

The currency table follows Stripe's currency docs: zero-decimal currencies, three-decimal currencies whose last
minor digit must be 0, ISK (whole krónur, sent with two decimals for backwards compatibility) and the minimum
charge per settlement currency. Stripe checks the minimum of other currencies after conversion at charge time;
here they only need to be positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from eyt_payments.exceptions import BelowMinimumCharge, InvalidAmount, UnsupportedCurrency

#: Stripe's largest amount for a single charge: eight digits of minor units.
MAX_AMOUNT_MINOR = 99_999_999

ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])
#: Whole units only, but Stripe expects two decimals (5 ISK is ``500``).
WHOLE_UNITS_TWO_DECIMAL = frozenset({"isk"})

TWO_DECIMAL = frozenset(
    [
        "usd",
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "cny",
        "cop",
        "crc",
        "cve",
        "czk",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "gip",
        "gmd",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "jmd",
        "kes",
        "kgs",
        "khr",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "mad",
        "mdl",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "qar",
        "ron",
        "rsd",
        "rub",
        "sar",
        "sbd",
        "scr",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sos",
        "srd",
        "std",
        "szl",
        "thb",
        "tjs",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "uyu",
        "uzs",
        "wst",
        "xcd",
        "yer",
        "zar",
        "zmw",
    ]
)

#: Minimum charge in minor units, per Stripe's table of minimum charge amounts.
MINIMUM_CHARGE_MINOR = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "bgn": 100,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}


@dataclass(frozen=True)
class Currency:
    """How Stripe counts one currency: ``exponent`` decimals in the API, amounts a multiple of ``step``."""

    code: str
    exponent: int
    step: int = 1
    minimum_charge_minor: int = 1

    @property
    def quantum(self) -> Decimal:
        """The smallest amount that can be charged, as a Decimal (``0.01``, ``1``, ``0.010``)."""
        return Decimal(self.step).scaleb(-self.exponent)


def _build_table() -> dict[str, Currency]:
    table: dict[str, Currency] = {}
    for code in TWO_DECIMAL:
        table[code] = Currency(code, 2)
    for code in ZERO_DECIMAL:
        table[code] = Currency(code, 0)
    for code in THREE_DECIMAL:
        table[code] = Currency(code, 3, step=10)
    for code in WHOLE_UNITS_TWO_DECIMAL:
        table[code] = Currency(code, 2, step=100)
    for code, minimum in MINIMUM_CHARGE_MINOR.items():
        table[code] = Currency(table[code].code, table[code].exponent, table[code].step, minimum)
    return table


CURRENCIES: dict[str, Currency] = _build_table()


def get_currency(code: str) -> Currency:
    """The currency named by an ISO code in any case; ``UnsupportedCurrency`` if Stripe does not take it."""
    if not isinstance(code, str) or code.lower() not in CURRENCIES:
        raise UnsupportedCurrency(f"{code!r} is not a currency Stripe supports.")
    return CURRENCIES[code.lower()]


def _as_decimal(amount: object) -> Decimal:
    if isinstance(amount, bool | float):
        raise InvalidAmount(f"Amounts must be Decimal, int or str, never {type(amount).__name__} ({amount!r}).")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int | str):
        try:
            value = Decimal(amount.strip() if isinstance(amount, str) else amount)
        except InvalidOperation:
            raise InvalidAmount(f"{amount!r} is not a number.") from None
    else:
        raise InvalidAmount(f"Amounts must be Decimal, int or str, not {type(amount).__name__}.")
    if not value.is_finite():
        raise InvalidAmount(f"{amount!r} is not a finite amount.")
    return value


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Exact minor units of a positive amount: ``to_minor(Decimal("10.50"), "usd") == 1050``.

    Refuses floats, non-numbers, zero or negative amounts, more decimals than the currency has, amounts that are
    not a multiple of the currency's step (three-decimal currencies, ISK) and amounts above Stripe's maximum.
    """
    spec = get_currency(currency)
    value = _as_decimal(amount)
    if value <= 0:
        raise InvalidAmount(f"The amount must be positive, got {value}.")
    minor = value.scaleb(spec.exponent)
    if minor != minor.to_integral_value():
        raise InvalidAmount(
            f"{value} {spec.code.upper()} has more decimals than the currency allows ({spec.exponent}).",
            user_message=f"The amount can have at most {spec.exponent} decimals in {spec.code.upper()}.",
        )
    result = int(minor)
    if result % spec.step:
        raise InvalidAmount(
            f"{value} {spec.code.upper()} is not a multiple of {spec.quantum}.",
            user_message=f"Amounts in {spec.code.upper()} must be multiples of {spec.quantum}.",
        )
    if result > MAX_AMOUNT_MINOR:
        raise InvalidAmount(
            f"{value} {spec.code.upper()} is above Stripe's maximum of {from_minor(MAX_AMOUNT_MINOR, spec.code)}."
        )
    return result


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """The Decimal amount of ``amount_minor`` minor units, with the currency's decimals: ``1050 -> 10.50``."""
    spec = get_currency(currency)
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise InvalidAmount(f"Minor units must be an int, not {type(amount_minor).__name__}.")
    return Decimal(amount_minor).scaleb(-spec.exponent).quantize(Decimal(1).scaleb(-spec.exponent))


def check_minimum_charge(amount_minor: int, currency: str) -> None:
    """Refuse an amount below Stripe's minimum charge for the currency."""
    spec = get_currency(currency)
    if amount_minor < spec.minimum_charge_minor:
        minimum = from_minor(spec.minimum_charge_minor, spec.code)
        raise BelowMinimumCharge(
            f"{from_minor(amount_minor, spec.code)} {spec.code.upper()} is below Stripe's minimum charge of {minimum}.",
            user_message=f"The minimum amount is {minimum} {spec.code.upper()}.",
        )


def charge_amount_minor(amount: Decimal | int | str, currency: str) -> int:
    """``to_minor`` plus the minimum-charge rule: what a new payment must pass."""
    minor = to_minor(amount, currency)
    check_minimum_charge(minor, currency)
    return minor


def format_amount(amount_minor: int, currency: str) -> str:
    """``"10.50 USD"``: a plain, locale-free rendering for logs, admin and descriptions."""
    return f"{from_minor(amount_minor, currency)} {currency.upper()}"
