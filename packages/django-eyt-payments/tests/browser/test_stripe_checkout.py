"""The Stripe gateway's checkout in a real browser. The server talks to localstripe; js.stripe.com is answered
by a stub Stripe.js that records what the page asks of it, so the test proves the page mounts the Payment Element
with the intent's client secret, calls confirmPayment with it and the success page as return URL, and shows the
error result (Stripe's message for a card error, our own for anything else)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from eyt_payments.gateways import get_gateway
from eyt_payments.models import Payment
from tests.pages import TYPE

STUB_STRIPE_JS = """
window.stripeStub = {key: null, clientSecret: null, element: null, confirms: []};
window.Stripe = function (key) {
  window.stripeStub.key = key;
  var results = [
    {error: {type: "card_error", code: "card_declined", message: "Your card was declined."}},
    {error: {type: "api_error", code: "internal", message: "Internal detail that must not be shown"}}
  ];
  return {
    elements: function (options) {
      window.stripeStub.clientSecret = options.clientSecret;
      return {
        create: function (type) {
          window.stripeStub.element = type;
          return {mount: function (target) {
            var field = document.createElement("p");
            field.textContent = "Stub Payment Element";
            target.appendChild(field);
          }};
        }
      };
    },
    confirmPayment: function (options) {
      window.stripeStub.confirms.push({
        clientSecret: window.stripeStub.clientSecret,
        returnUrl: options.confirmParams.return_url,
        withElements: Boolean(options.elements)
      });
      return Promise.resolve(results[window.stripeStub.confirms.length - 1]);
    }
  };
};
"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_site(site, page, localstripe, settings):
    from tests.test_stripe_gateway import LOCALSTRIPE_OMITS

    localstripe.reset()
    settings.EYT_PAYMENTS_SECRET_KEY = "sk_test_eyt"
    settings.EYT_PAYMENTS_PUBLIC_KEY = "pk_test_eyt"
    settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES = 0
    settings.EYT_PAYMENTS_GATEWAY = {
        "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
        "OPTIONS": {"api_base": localstripe.url, "omit_params": LOCALSTRIPE_OMITS},
    }
    requested = []

    def answer(route):
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=STUB_STRIPE_JS)

    page.route("https://js.stripe.com/**", answer)
    return site, requested


@pytest.mark.localstripe
def test_the_payment_element_confirms_with_the_intents_client_secret(page, stripe_site, tournament):
    site, requested = stripe_site
    page.goto(f"{site}/payments/checkout/?type={TYPE}&ref={tournament.pk}")
    button = page.get_by_role("button", name="Pay 10.00 USD")
    expect(button).to_be_enabled()
    expect(page.get_by_text("Stub Payment Element")).to_be_visible()
    assert requested == ["https://js.stripe.com/v3/"]

    payment = Payment.objects.get()
    client_secret = get_gateway().retrieve_intent(payment.stripe_payment_intent_id).client_secret
    stub = page.evaluate("window.stripeStub")
    assert (stub["key"], stub["clientSecret"], stub["element"]) == ("pk_test_eyt", client_secret, "payment")

    button.click()
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_role("alert")).to_have_text("Something went wrong. Please try again.")

    confirms = page.evaluate("window.stripeStub.confirms")
    success_url = f"{site}/payments/success/{payment.pk}/"
    assert confirms == [{"clientSecret": client_secret, "returnUrl": success_url, "withElements": True}] * 2
    assert Payment.objects.count() == 1  # the page created one intent; the browser confirms it with Stripe
    assert json.dumps(stub).count("sk_test") == 0  # only the publishable key reaches the browser
