"""Payment-method pages: list, add (the simulator's test-card form, or a Payment Element's payment method with the
Stripe gateway), remove and set default; another user's card is a 404 and every POST needs CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from eyt_payments.models import PaymentMethod
from tests.pages import error_of, post_json

pytestmark = pytest.mark.django_db

METHODS = reverse("eyt_payments:methods")


def add_card(client, number="4242 4242 4242 4242", **extra):
    return post_json(client, "method_add", {"number": number, "expiry": "12/34", "cvc": "123", **extra})


def test_methods_need_login(client):
    assert client.get(METHODS).status_code == 302
    assert client.get(reverse("eyt_payments:method_add")).status_code == 302
    assert error_of(add_card(client))["code"] == "login_required"


def test_adding_a_test_card_saves_it_as_the_first_default(ada, user, gateway):
    response = add_card(ada)
    assert response.status_code == 200
    method = PaymentMethod.objects.get()
    assert response.json() == {
        "id": method.pk,
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2034,
        "is_default": True,
        "next_url": METHODS,
    }
    assert method.customer.user == user
    customer = gateway.simulator.store.load(method.customer.stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == method.stripe_payment_method_id
    page = ada.get(METHODS).content.decode()
    assert "4242" in page
    assert "Card ending in 4242 saved." in page


def test_the_add_page_shows_an_accessible_test_card_form(ada):
    html = ada.get(reverse("eyt_payments:method_add")).content.decode()
    for field in ("number", "expiry", "cvc"):
        assert f'<label for="eyt-card-{field}">' in html
        assert f'id="eyt-card-{field}" name="{field}"' in html
    assert '<label for="eyt-payments-set-default">' in html


def test_a_declined_card_is_not_saved(ada):
    response = add_card(ada, "4000 0000 0000 0002")
    assert response.status_code == 402
    assert error_of(response) == {"code": "card_declined", "message": "Your card was declined."}
    assert not PaymentMethod.objects.exists()


@pytest.mark.parametrize("body", [{"number": "12"}, '{"number": ', "[]", {"number": "4111111111111111"}])
def test_bad_card_input_is_refused(ada, gateway, body):
    if isinstance(body, dict):
        body = {"expiry": "12/34", "cvc": "123", **body}
    response = post_json(ada, "method_add", body)
    assert response.status_code == 400
    assert error_of(response)["code"] in {"invalid_card", "malformed_json"}
    assert not PaymentMethod.objects.exists()


def test_set_default_on_add_and_with_the_button(ada, user):
    add_card(ada)
    add_card(ada, "5555 5555 5555 4444", set_default=True)
    visa, mastercard = PaymentMethod.objects.get(last4="4242"), PaymentMethod.objects.get(last4="4444")
    assert (visa.is_default, mastercard.is_default) == (False, True)
    response = ada.post(reverse("eyt_payments:method_set_default", args=[visa.pk]), follow=True)
    assert "Card ending in 4242 is now your default." in response.content.decode()
    visa.refresh_from_db()
    mastercard.refresh_from_db()
    assert (visa.is_default, mastercard.is_default) == (True, False)


def test_remove_detaches_the_card_and_promotes_another(ada, gateway):
    add_card(ada)
    add_card(ada, "5555 5555 5555 4444")
    visa = PaymentMethod.objects.get(last4="4242")
    response = ada.post(reverse("eyt_payments:method_remove", args=[visa.pk]))
    assert response["Location"] == METHODS
    assert list(PaymentMethod.objects.values_list("last4", "is_default")) == [("4444", True)]
    assert gateway.simulator.store.load(visa.stripe_payment_method_id)["customer"] is None


def test_another_users_card_is_a_404(ada, bob):
    add_card(ada)
    method = PaymentMethod.objects.get()
    assert bob.post(reverse("eyt_payments:method_remove", args=[method.pk])).status_code == 404
    assert bob.post(reverse("eyt_payments:method_set_default", args=[method.pk])).status_code == 404
    assert "4242" not in bob.get(METHODS).content.decode()
    assert PaymentMethod.objects.filter(pk=method.pk).exists()


def test_remove_and_set_default_need_post_and_csrf(ada, user):
    add_card(ada)
    method = PaymentMethod.objects.get()
    assert ada.get(reverse("eyt_payments:method_remove", args=[method.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("eyt_payments:method_remove", args=[method.pk])).status_code == 403
    assert strict.post(reverse("eyt_payments:method_set_default", args=[method.pk])).status_code == 403
    refused = post_json(strict, "method_add", {"number": "4242424242424242", "expiry": "12/34", "cvc": "123"})
    assert (refused.status_code, error_of(refused)["code"]) == (403, "csrf_failed")
    assert PaymentMethod.objects.count() == 1


def test_setup_returns_a_client_secret(ada, gateway):
    response = post_json(ada, "method_setup", {})
    assert response.status_code == 200
    assert response.json()["client_secret"].startswith("seti_")
    assert [call.operation for call in gateway.outbox][-1] == "create_setup_intent"


# With the Stripe gateway (against localstripe) ---------------------------------------------------------------------


@pytest.fixture
def stripe_gateway(localstripe, settings):
    from tests.test_stripe_gateway import LOCALSTRIPE_OMITS

    localstripe.reset()
    settings.EYT_PAYMENTS_SECRET_KEY = "sk_test_eyt"
    settings.EYT_PAYMENTS_PUBLIC_KEY = "pk_test_eyt"
    settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES = 0
    settings.EYT_PAYMENTS_GATEWAY = {
        "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
        "OPTIONS": {"api_base": localstripe.url, "omit_params": LOCALSTRIPE_OMITS},
    }
    return localstripe


@pytest.mark.localstripe
def test_stripe_mode_saves_the_payment_elements_method(ada, stripe_gateway):
    import stripe

    client = stripe.StripeClient("sk_test_eyt", base_addresses={"api": stripe_gateway.url}, max_network_retries=0)
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    payment_method = client.v1.payment_methods.create(params={"type": "card", "card": card}).id
    page = ada.get(reverse("eyt_payments:method_add")).content.decode()
    assert "js.stripe.com" in page
    assert 'name="number"' not in page
    test_card = post_json(ada, "method_add", {"number": "4242424242424242", "expiry": "12/34", "cvc": "123"})
    assert error_of(test_card)["code"] == "invalid_payment_method"  # no test-card form with the real gateway
    response = post_json(ada, "method_add", {"payment_method": payment_method})
    assert response.status_code == 200
    assert PaymentMethod.objects.get().stripe_payment_method_id == payment_method
