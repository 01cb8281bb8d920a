"""Paying in a real browser with the offline simulator: success, decline, 3D Secure, no double charge, and the
success page updating itself when the webhook confirms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eyt_payments.gateways import get_gateway
from eyt_payments.models import Payment, SimulatedRequest
from tests.pages import TYPE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_checkout(page, site, tournament):
    page.goto(f"{site}/payments/checkout/?type={TYPE}&ref={tournament.pk}")
    expect(page.get_by_role("button", name="Pay 10.00 USD")).to_be_enabled()


def fill_card(page, number):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")


def test_pay_once_despite_a_double_click_and_see_the_history(page, site, tournament):
    open_checkout(page, site, tournament)
    fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Pay 10.00 USD").dblclick()
    expect(page).to_have_url(re.compile(r"/payments/success/[0-9a-f-]+/$"))
    expect(page.locator("[data-eyt-status-label]")).to_have_text("Succeeded")
    assert SimulatedRequest.objects.filter(operation="confirm_intent").count() == 1
    page.get_by_role("link", name="Payment history").first.click()
    row = page.locator("[data-eyt-history] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Entry fee: Spring Cup")
    expect(row).to_contain_text("Succeeded")


def test_bad_details_then_a_decline_then_a_retry(page, site, tournament):
    open_checkout(page, site, tournament)
    button = page.get_by_role("button", name="Pay 10.00 USD")
    fill_card(page, "4242")
    button.click()
    expect(page.locator("#eyt-card-number-error")).to_have_text("Enter a card number of 12 to 19 digits.")
    expect(page.get_by_label("Card number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Card number")).to_be_focused()
    fill_card(page, "4000 0000 0000 9995")
    button.click()
    expect(page.locator("[data-eyt-error]")).to_have_text("Your card has insufficient funds.")
    expect(page.locator("#eyt-card-number-error")).to_be_hidden()
    expect(button).to_be_enabled()
    fill_card(page, "4242424242424242")
    button.click()
    expect(page.locator("[data-eyt-status-label]")).to_have_text("Succeeded")
    assert list(Payment.objects.values_list("status", "confirm_attempts")) == [("succeeded", 2)]


def test_authentication_failed_then_completed(page, site, tournament):
    open_checkout(page, site, tournament)
    fill_card(page, "4000 0025 0000 3155")
    page.get_by_role("button", name="Pay 10.00 USD").click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page).to_have_url(re.compile(r"/payments/checkout/\?type="))
    expect(page.get_by_role("alert").first).to_have_text("We could not confirm the payment with your bank.")
    expect(page.get_by_role("button", name="Pay 10.00 USD")).to_be_enabled()
    fill_card(page, "4000 0025 0000 3155")
    page.get_by_role("button", name="Pay 10.00 USD").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("[data-eyt-status-label]")).to_have_text("Succeeded")


def test_the_success_page_waits_for_the_webhook_then_updates_itself(page, site, tournament, settings):
    settings.EYT_PAYMENTS_GATEWAY = {
        "BACKEND": "eyt_payments.gateways.local.LocalGateway",
        "OPTIONS": {"deliver_webhooks": False},
    }
    open_checkout(page, site, tournament)
    fill_card(page, "4000 0025 0000 3155")
    page.get_by_role("button", name="Pay 10.00 USD").click()
    page.get_by_role("button", name="Complete authentication").click()
    label = page.locator("[data-eyt-status-label]")
    expect(label).to_have_text("Requires action")
    expect(page.locator("[data-eyt-waiting]")).to_be_visible()
    get_gateway().deliver_events()  # Stripe's webhook arrives
    expect(label).to_have_text("Succeeded")
    expect(page.locator("[data-eyt-waiting]")).to_be_hidden()
