"""The bell, the notification centre and the preferences page in Chromium, served by uvicorn."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect


def name() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


def test_the_badge_shows_the_count(server, page):
    user = name()
    server.login(page, user)
    server.act("notify", user, "Hello", "3")
    page.goto(server.url + "/")
    expect(page.locator("[data-eyt-badge]")).to_have_text("3")
    expect(page.locator("#unread-count")).to_have_text("3")


@pytest.mark.redis
def test_a_notification_from_another_process_appears_without_a_reload(server, page):
    user = name()
    server.login(page, user)
    page.goto(server.url + "/")
    bell = page.locator("[data-eyt-bell]")
    expect(bell).to_have_attribute("data-live", "ready")
    page.locator("[data-eyt-button]").click()
    expect(page.locator("[data-eyt-empty]")).to_be_visible()
    page.evaluate("window.loadedOnce = true")
    server.act("notify", user, "Match starts now")
    expect(page.locator(".eyt-bell__title")).to_have_text("Match starts now", timeout=2000)
    expect(page.locator("[data-eyt-badge]")).to_have_text("1", timeout=2000)
    assert page.evaluate("window.loadedOnce") is True  # the same page: no reload


def test_mark_all_read_clears_the_badge_and_the_bell_works_by_keyboard(server, page):
    user = name()
    server.login(page, user)
    server.act("notify", user, "One", "2")
    page.goto(server.url + "/")
    button = page.locator("[data-eyt-button]")
    expect(page.locator("[data-eyt-badge]")).to_have_text("2")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".eyt-bell__item--unread")).to_have_count(2)
    expect(page.locator(".eyt-bell__link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    button.click()
    page.locator("[data-eyt-mark-all]").click()
    expect(page.locator("[data-eyt-badge]")).to_be_hidden()
    expect(page.locator(".eyt-bell__item--unread")).to_have_count(0)
    page.reload()
    expect(page.locator("[data-eyt-badge]")).to_be_hidden()


def test_a_script_title_renders_as_text(server, page):
    user = name()
    title = "<img src=x onerror=alert(1)>"
    server.login(page, user)
    server.act("notify", user, title)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/")
    page.locator("[data-eyt-button]").click()
    expect(page.locator(".eyt-bell__title")).to_have_text(title)
    expect(page.locator(".eyt-bell__panel img")).to_have_count(0)
    page.goto(server.url + "/notifications/")
    expect(page.locator(".eyt-notify-item__title")).to_have_text(title)
    expect(page.locator(".eyt-notify-list img")).to_have_count(0)
    assert dialogs == []


def test_the_preferences_form_saves_and_is_honoured(server, page):
    user = name()
    server.login(page, user)
    page.goto(server.url + "/notifications/preferences/")
    expect(page.locator("#id_pref__payment\\.receipt__email")).to_be_disabled()
    expect(page.locator("#id_pref__payment\\.receipt__email")).to_be_checked()
    page.locator("#id_pref__match\\.starting__email").uncheck()
    page.locator("#id_pref__match\\.starting__memory").check()
    page.locator("#id_quiet-enabled").check()
    page.locator("#id_quiet-start").fill("22:30")
    page.locator("#id_quiet-end").fill("06:45")
    page.locator("#id_quiet-timezone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification preferences were saved.")).to_be_visible()
    expect(page.locator("#id_pref__match\\.starting__email")).not_to_be_checked()
    assert server.act("channels", user, "match.starting") == ["inapp", "memory"]
    assert server.act("channels", user, "payment.receipt") == ["inapp", "email"]
    assert server.act("quiet", user) == ["22:30:00", "06:45:00", "Asia/Tokyo", True]
