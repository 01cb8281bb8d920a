"""Account pages in a real browser: saving, defaulting and removing cards; asking for a refund."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from eyt_payments.models import PaymentMethod, RefundRequest
from eyt_payments.services import StripeService

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_card(page, site, number):
    page.goto(f"{site}/payments/methods/add/")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Payment methods")).to_be_visible()


def test_add_set_default_and_remove_cards(page, site, user):
    add_card(page, site, "4242 4242 4242 4242")
    expect(page.get_by_role("status")).to_have_text("Card ending in 4242 saved.")
    add_card(page, site, "5555 5555 5555 4444")
    visa, mastercard = page.locator('[data-last4="4242"]'), page.locator('[data-last4="4444"]')
    expect(visa.locator("[data-eyt-default]")).to_be_visible()
    expect(mastercard.locator("[data-eyt-default]")).to_have_count(0)

    page.get_by_role("button", name="Make the card ending in 4444 the default").click()
    expect(page.get_by_role("status")).to_have_text("Card ending in 4444 is now your default.")
    expect(mastercard.locator("[data-eyt-default]")).to_be_visible()
    expect(visa.locator("[data-eyt-default]")).to_have_count(0)

    page.get_by_role("button", name="Remove the card ending in 4242").click()
    expect(page.get_by_role("status")).to_have_text("Card ending in 4242 removed.")
    expect(page.locator("[data-method]")).to_have_count(1)
    assert list(PaymentMethod.objects.values_list("last4", "is_default")) == [("4444", True)]


def test_a_declined_card_is_not_saved(page, site):
    page.goto(f"{site}/payments/methods/add/")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.keyboard.press("Enter")  # the form works from the keyboard
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    assert not PaymentMethod.objects.exists()


def test_request_a_refund(page, site, user):
    payment, _ = StripeService().create_payment_intent(
        user, "10.00", "tournament_fee", payment_method="pm_card_visa", confirm=True, description="Entry fee: Cup"
    )
    page.goto(f"{site}/payments/{payment.pk}/")
    page.get_by_role("link", name="Request a refund").click()
    page.get_by_label("Amount").fill("20")
    page.get_by_role("button", name="Request refund").click()
    expect(page.get_by_role("alert")).to_have_text("At most 10.00 USD can be refunded.")
    page.get_by_label("Amount").fill("4.00")
    page.get_by_label("Reason").fill("I cannot attend.")
    page.get_by_role("button", name="Request refund").click()
    expect(page.get_by_role("status")).to_have_text("Your refund request was sent. We will review it soon.")
    expect(page.locator("[data-eyt-refund-requests]")).to_contain_text("4.00 USD")
    expect(page.locator("[data-eyt-request-status]")).to_have_text("Pending")
    expect(page.get_by_role("link", name="Request a refund")).to_have_count(0)
    assert RefundRequest.objects.get().amount_minor == 400
