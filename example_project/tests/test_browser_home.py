import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_links_to_health(page, live_server):
    page.goto(live_server.url)
    expect(page).to_have_title("EYT Gaming")
    expect(page.get_by_role("heading", level=1)).to_have_text("EYT Gaming")
    page.get_by_role("link", name="Health").click()
    expect(page.locator("body")).to_contain_text('"database": "ok"')
