"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The offline simulator (``LocalGateway``) is the gateway, as in the demo: its events reach the real webhook view's
pipeline. Every request that leaves the live server is aborted, so nothing reaches the network; a test that needs
Stripe.js answers ``https://js.stripe.com/**`` itself."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from eyt_payments.payables import register_payable, unregister_payable
from tests.pages import TYPE, tournament_fee

# The ``browser`` and ``page`` fixtures come from eyt_testing.browser, which the eyt_testing pytest plugin loads
# wherever Playwright is installed (``pytest_plugins`` is refused in a conftest below the rootdir).

OUTSIDE = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.local.LocalGateway"}
    settings.EYT_PAYMENTS_STATUS_POLL_INTERVAL = 0.2
    register_payable(TYPE, tournament_fee)
    yield settings
    unregister_payable(TYPE)


@pytest.fixture
def site(live_server, page, user):
    """The live server's URL, with ``page`` signed in as ``user`` and cut off from everything else."""
    page.route(OUTSIDE, lambda route: route.abort())
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return live_server.url
