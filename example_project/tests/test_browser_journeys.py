"""The JPY tournament journey in Chromium on the embedded profile, through the real pages: the checkout's test-card
form, the bell that learns of the confirmation without a reload, cancelling with a refund, and a declined card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tournaments.models import Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def quick_bell(settings):
    settings.EYT_NOTIFY_POLL_INTERVAL = 1  # the embedded profile has no live broker: the bell polls


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def pay(page: Page, card_number: str) -> None:
    page.get_by_label("Card number").fill(card_number)
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay 3000 JPY")).click()


def test_a_player_pays_sees_the_bell_ring_and_cancels_with_a_refund(page, live_server, player, tokyo_cup):
    sign_in(page, live_server, "player", "pw-player")
    bell_tab = page.context.new_page()  # a page opened before paying: its bell must learn of it by itself
    bell_tab.goto(f"{live_server.url}/tournaments/")
    expect(bell_tab.locator("[data-eyt-badge]")).to_be_hidden()

    page.goto(f"{live_server.url}/tournaments/{tokyo_cup.pk}/")
    page.get_by_role("button", name="Register and pay").click()
    expect(page.locator("[data-eyt-amount]")).to_have_text("3000 JPY")
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_be_enabled()
    pay(page, "4242 4242 4242 4242")

    expect(page.locator("[data-eyt-status-label]")).to_have_text("Succeeded")
    expect(bell_tab.locator("[data-eyt-badge]")).to_have_text("2")  # payment confirmed + registered, no reload
    bell_tab.get_by_role("button", name=re.compile("Notifications")).click()
    expect(bell_tab.locator("[data-eyt-list]")).to_contain_text("Tokyo Spring Cup")
    bell_tab.close()

    page.goto(f"{live_server.url}/tournaments/{tokyo_cup.pk}/")
    expect(page.locator("#registration-status")).to_have_text("You are registered.")
    page.get_by_role("button", name="Cancel registration (100% refund)").click()
    expect(page.locator("ul.messages")).to_contain_text("Registration cancelled. Refunded: 3000 JPY.")
    assert Registration.objects.get().status == "canceled"


def test_a_declined_card_says_so_and_registers_nobody(page, live_server, player, tokyo_cup):
    sign_in(page, live_server, "player", "pw-player")
    page.goto(f"{live_server.url}/tournaments/{tokyo_cup.pk}/")
    page.get_by_role("button", name="Register and pay").click()
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_be_enabled()

    pay(page, "4000 0000 0000 0002")

    expect(page.locator("[data-eyt-error]")).to_contain_text("declined")
    expect(page).to_have_url(re.compile(r"/payments/checkout/"))
    assert not Registration.objects.exists()
