"""Stripe's test cards, as the simulators understand them (https://docs.stripe.com/testing).

The simulators accept these numbers and ``pm_card_*`` tokens only: anything else is refused, so a real card
number can never be typed into the offline demo and stored.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCEED = "succeed"
AUTHENTICATE = "authenticate"
DECLINE = "decline"


@dataclass(frozen=True)
class TestCard:
    """One of Stripe's test card numbers and what the simulators do with it (``outcome``, and ``decline_code`` for a
    decline)."""

    number: str
    brand: str
    outcome: str
    decline_code: str | None = None

    __test__ = False  # not a pytest class


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa", SUCCEED),
        TestCard("4000056655665556", "visa", SUCCEED),
        TestCard("5555555555554444", "mastercard", SUCCEED),
        TestCard("378282246310005", "amex", SUCCEED),
        TestCard("4000002500003155", "visa", AUTHENTICATE),
        TestCard("4000002760003184", "visa", AUTHENTICATE),
        TestCard("4000000000000002", "visa", DECLINE, "generic_decline"),
        TestCard("4000000000009995", "visa", DECLINE, "insufficient_funds"),
        TestCard("4000000000009987", "visa", DECLINE, "lost_card"),
        TestCard("4000000000009979", "visa", DECLINE, "stolen_card"),
        TestCard("4000000000000069", "visa", DECLINE, "expired_card"),
        TestCard("4000000000000127", "visa", DECLINE, "incorrect_cvc"),
        TestCard("4000000000000119", "visa", DECLINE, "processing_error"),
    )
}

#: Stripe's test PaymentMethod ids and the card each stands for.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_authenticationRequired": "4000002500003155",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
}


def find_test_card(number: str) -> TestCard | None:
    """The test card with ``number`` (spaces ignored), or ``None`` for any other number."""
    return TEST_CARDS.get("".join(number.split()))
