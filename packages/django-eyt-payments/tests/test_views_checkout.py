"""Checkout pages and endpoints: create-intent priced on the server, the simulator's test-card payment and 3D
Secure page, success, status and cancel; ownership, CSRF and bad input on each."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from eyt_payments.models import Payment
from tests.pages import TYPE, create_intent, error_of, pay, post_json, scripts

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("eyt_payments:checkout")


def calls(gateway, operation):
    return [call for call in gateway.outbox if call.operation == operation]


# The checkout page -----------------------------------------------------------------------------------------------


def test_checkout_needs_login(client, tournament, payable):
    response = client.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_checkout_shows_the_server_price_and_the_test_card_form(ada, tournament, payable, gateway):
    response = ada.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Entry fee: Spring Cup" in html
    assert "10.00 USD" in html
    assert 'name="number"' in html
    assert 'for="eyt-card-number"' in html
    assert gateway.outbox == []  # showing the page creates nothing
    assert Payment.objects.count() == 0


def test_checkout_page_has_no_inline_script(ada, tournament, payable):
    html = ada.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk}).content.decode()
    found = scripts(html)
    assert found
    for attributes, body in found:
        assert ('src="' in attributes and not body.strip()) or 'type="application/json"' in attributes


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"type": "no_such_type", "ref": "1"}, "This kind of payment is not available."),
        ({"type": TYPE, "ref": "999"}, "The item to pay for was not found."),
        ({"type": TYPE, "ref": "not-a-number"}, "The item to pay for was not found."),
        ({}, "This kind of payment is not available."),
    ],
)
def test_checkout_for_nothing_payable_is_a_404_with_a_safe_message(ada, payable, tournament, query, message):
    response = ada.get(CHECKOUT, query)
    assert response.status_code == 404
    html = response.content.decode()
    assert message in html
    assert "DoesNotExist" not in html
    assert "invalid literal" not in html


@override_settings(
    EYT_PAYMENTS_GATEWAY={"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"},
    EYT_PAYMENTS_SECRET_KEY="sk_test_eyt",
    EYT_PAYMENTS_PUBLIC_KEY="pk_test_eyt",
)
def test_stripe_checkout_loads_stripe_js_and_the_payment_element(ada, tournament, payable):
    response = ada.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk})
    html = response.content.decode()
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
    assert '"publishableKey": "pk_test_eyt"' in html
    assert "data-eyt-element" in html
    assert 'name="number"' not in html


@override_settings(
    EYT_PAYMENTS_GATEWAY={"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"},
    EYT_PAYMENTS_SECRET_KEY="sk_test_eyt",
    EYT_PAYMENTS_PUBLIC_KEY="",
    STRIPE_PUBLIC_KEY="",
)
def test_stripe_checkout_without_a_publishable_key_is_unavailable(ada, tournament, payable):
    response = ada.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk})
    assert response.status_code == 503
    assert "Payments are not available right now." in response.content.decode()


# POST create-intent/ ---------------------------------------------------------------------------------------------


def test_create_intent_prices_on_the_server_and_returns_the_client_secret(ada, tournament, payable, gateway):
    data = create_intent(ada, tournament)
    payment = Payment.objects.get()
    assert data["payment_id"] == str(payment.pk)
    assert data["client_secret"] == gateway.retrieve_intent(payment.stripe_payment_intent_id).client_secret
    assert (data["amount"], data["currency"], data["status"]) == ("10.00", "usd", "pending")
    assert data["success_url"] == f"http://testserver/payments/success/{payment.pk}/"
    assert payment.reference == tournament
    assert calls(gateway, "create_intent")[0].params["amount"] == 1000


@pytest.mark.parametrize(
    "smuggled",
    [
        {"amount": "-5.00"},
        {"amount": "0.01"},
        {"amount": 999999999999},
        {"amount": "1e9", "currency": "jpy"},
        {"amount_minor": 1, "currency": "eur"},
    ],
)
def test_create_intent_ignores_amounts_in_the_body(ada, tournament, payable, gateway, smuggled):
    data = create_intent(ada, tournament, **smuggled)
    payment = Payment.objects.get(pk=data["payment_id"])
    assert (payment.amount_minor, payment.currency) == (1000, "usd")
    assert [call.params["amount"] for call in calls(gateway, "create_intent")] == [1000]


def test_create_intent_twice_returns_the_same_payment_and_intent(ada, tournament, payable, gateway):
    first = create_intent(ada, tournament)
    second = create_intent(ada, tournament)
    assert (second["payment_id"], second["client_secret"]) == (first["payment_id"], first["client_secret"])
    assert Payment.objects.count() == 1
    assert len(calls(gateway, "create_intent")) == 1


def test_create_intent_takes_form_fields_too(ada, tournament, payable):
    response = ada.post(reverse("eyt_payments:create_intent"), {"type": TYPE, "ref": tournament.pk, "amount": "1"})
    assert response.status_code == 200
    assert Payment.objects.get().amount_minor == 1000


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"ref": "1"}, 400, "missing_type"),
        ({"type": TYPE}, 400, "missing_ref"),
        ({"type": "", "ref": "1"}, 400, "missing_type"),
        ({"type": "no_such_type", "ref": "1"}, 404, "unknown_payment_type"),
        ({"type": ["x"], "ref": "1"}, 404, "unknown_payment_type"),
        ({"type": TYPE, "ref": "999"}, 404, "unknown_payable"),
        ({"type": TYPE, "ref": {"pk": 1}}, 404, "unknown_payable"),
        ({"type": TYPE, "ref": "abc"}, 404, "unknown_payable"),
        ('{"type": "tournament_fee", ', 400, "malformed_json"),
        ("[1, 2]", 400, "malformed_json"),
        (b"\xff\xfe", 400, "malformed_json"),
        ("[" * 100_000, 400, "malformed_json"),  # deeper than the JSON parser recurses: not a 500
    ],
)
def test_create_intent_bad_input_is_refused_and_changes_nothing(ada, tournament, payable, gateway, body, status, code):
    response = post_json(ada, "create_intent", body)
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code
    assert "Traceback" not in error["message"]
    assert "DoesNotExist" not in error["message"]
    assert Payment.objects.count() == 0
    assert gateway.outbox == []


def test_create_intent_error_messages_are_the_safe_ones(ada, payable):
    error = error_of(post_json(ada, "create_intent", {"type": TYPE, "ref": "999"}))
    assert error["message"] == "The item to pay for was not found."


def test_create_intent_needs_login_and_post(client, ada, tournament, payable):
    anonymous = post_json(client, "create_intent", {"type": TYPE, "ref": tournament.pk})
    assert anonymous.status_code == 401
    assert error_of(anonymous)["code"] == "login_required"
    wrong_method = ada.get(reverse("eyt_payments:create_intent"))
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"
    assert wrong_method["Allow"] == "POST"


def test_create_intent_needs_the_csrf_token(user, tournament, payable):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = post_json(client, "create_intent", {"type": TYPE, "ref": tournament.pk})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    assert Payment.objects.count() == 0
    client.get(CHECKOUT, {"type": TYPE, "ref": tournament.pk})  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post_json(client, "create_intent", {"type": TYPE, "ref": tournament.pk}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert Payment.objects.count() == 1


# The simulator's test card -----------------------------------------------------------------------------------------


def test_a_test_card_pays_and_leads_to_the_success_page(ada, tournament, payable, gateway):
    data = create_intent(ada, tournament)
    response = pay(ada, data["payment_id"])
    assert response.status_code == 200
    assert response.json()["next_url"] == data["success_url"]
    assert Payment.objects.get().status == "succeeded"


@override_settings(USE_TZ=False, TIME_ZONE="Europe/Berlin")
def test_a_test_card_pays_with_use_tz_off(ada, tournament, payable, gateway):
    data = create_intent(ada, tournament)
    assert pay(ada, data["payment_id"]).status_code == 200
    assert Payment.objects.get().status == "succeeded"


def test_a_second_click_does_not_confirm_twice(ada, tournament, payable, gateway):
    data = create_intent(ada, tournament)
    pay(ada, data["payment_id"])
    again = pay(ada, data["payment_id"])
    assert again.status_code == 200
    assert again.json()["status"] == "succeeded"
    assert len(calls(gateway, "confirm_intent")) == 1


def test_a_declined_card_gets_a_readable_message_and_may_retry(ada, tournament, payable):
    data = create_intent(ada, tournament)
    declined = pay(ada, data["payment_id"], "4000 0000 0000 9995")
    assert declined.status_code == 402
    assert error_of(declined) == {"code": "card_declined", "message": "Your card has insufficient funds."}
    assert Payment.objects.get().status == "failed"
    assert create_intent(ada, tournament)["payment_id"] == data["payment_id"]  # the failed payment is reused
    assert pay(ada, data["payment_id"]).status_code == 200
    assert Payment.objects.get().status == "succeeded"


def test_a_card_asking_for_authentication_leads_to_the_bank_page(ada, tournament, payable):
    data = create_intent(ada, tournament)
    response = pay(ada, data["payment_id"], "4000 0025 0000 3155")
    payment = Payment.objects.get()
    assert response.json() == {
        "payment_id": str(payment.pk),
        "status": "requires_action",
        "next_url": reverse("eyt_payments:test_authenticate", args=[payment.pk]),
    }
    assert create_intent(ada, tournament)["next_url"] == response.json()["next_url"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": "1234"}, "number"),
        ({"number": "4242-4242-4242-4242x"}, "number"),
        ({"expiry": "13/30"}, "expiry"),
        ({"expiry": "01/20"}, "expiry"),
        ({"expiry": "soon"}, "expiry"),
        ({"cvc": "12"}, "cvc"),
    ],
)
def test_bad_card_details_are_refused_field_by_field(ada, tournament, payable, gateway, fields, field):
    data = create_intent(ada, tournament)
    response = pay(ada, data["payment_id"], **fields)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_card"
    assert list(error["fields"]) == [field]
    assert calls(gateway, "confirm_intent") == []


def test_a_real_card_number_is_refused_by_the_simulator(ada, tournament, payable, gateway):
    data = create_intent(ada, tournament)
    response = pay(ada, data["payment_id"], "4111 1111 1111 1111")
    assert response.status_code == 400
    assert "test card" in error_of(response)["message"]
    assert Payment.objects.get().status == "pending"


def test_another_users_payment_is_a_404(ada, bob, tournament, payable):
    data = create_intent(ada, tournament)
    response = pay(bob, data["payment_id"])
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    for name in ("success", "detail", "refund", "test_authenticate"):
        assert bob.get(reverse(f"eyt_payments:{name}", args=[data["payment_id"]])).status_code == 404
    assert bob.get(reverse("eyt_payments:status", args=[data["payment_id"]])).status_code == 404
    assert Payment.objects.get().status == "pending"


@override_settings(
    EYT_PAYMENTS_GATEWAY={"BACKEND": "eyt_payments.gateways.stripe.StripeGateway"},
    EYT_PAYMENTS_SECRET_KEY="sk_test_eyt",
)
def test_test_card_pages_do_not_exist_with_the_stripe_gateway(ada, user):
    payment = Payment.objects.create(
        user=user, payment_type=TYPE, amount_minor=1000, currency="usd", idempotency_key="k", status="requires_action"
    )
    assert pay(ada, str(payment.pk)).status_code == 404
    assert ada.get(reverse("eyt_payments:test_authenticate", args=[payment.pk])).status_code == 404


# 3D Secure, success and status -------------------------------------------------------------------------------------


def _requires_action(ada, tournament):
    data = create_intent(ada, tournament)
    pay(ada, data["payment_id"], "4000 0025 0000 3155")
    return data


def test_approving_authentication_charges_and_the_webhook_confirms(
    ada, tournament, payable, gateway, webhook_secret, django_capture_on_commit_callbacks
):
    data = _requires_action(ada, tournament)
    url = reverse("eyt_payments:test_authenticate", args=[data["payment_id"]])
    page = ada.get(url)
    assert page.status_code == 200
    assert "Complete authentication" in page.content.decode()
    response = ada.post(url, {"outcome": "approve"})
    assert response["Location"] == reverse("eyt_payments:success", args=[data["payment_id"]])
    status_url = reverse("eyt_payments:status", args=[data["payment_id"]])
    assert ada.get(status_url).json()["status"] == "requires_action"  # the webhook has not arrived yet
    with django_capture_on_commit_callbacks(execute=True):  # the webhook worker runs after the inbox commit
        gateway.deliver_events()
    assert ada.get(status_url).json() == {
        "payment_id": data["payment_id"],
        "status": "succeeded",
        "status_label": "Succeeded",
        "waiting": False,
        "amount_display": "10.00 USD",
        "message": "",
    }


def test_failing_authentication_goes_back_to_checkout(
    ada, tournament, payable, gateway, webhook_secret, django_capture_on_commit_callbacks
):
    data = _requires_action(ada, tournament)
    url = reverse("eyt_payments:test_authenticate", args=[data["payment_id"]])
    back = f"{CHECKOUT}?type={TYPE}&ref={tournament.pk}"
    response = ada.post(url, {"outcome": "fail", "back": back}, follow=True)
    assert response.redirect_chain == [(back, 302)]
    assert "We could not confirm the payment with your bank." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the webhook worker runs after the inbox commit
        gateway.deliver_events()
    status = ada.get(reverse("eyt_payments:status", args=[data["payment_id"]])).json()
    assert (status["status"], status["message"]) == ("failed", "We could not confirm the payment with your bank.")


def test_authentication_never_redirects_off_site(ada, tournament, payable):
    data = _requires_action(ada, tournament)
    url = reverse("eyt_payments:test_authenticate", args=[data["payment_id"]])
    response = ada.post(url, {"outcome": "fail", "back": "https://evil.example/"})
    assert response["Location"] == reverse("eyt_payments:success", args=[data["payment_id"]])


def test_the_success_page_waits_for_the_webhook(ada, tournament, payable):
    data = create_intent(ada, tournament)
    page = ada.get(reverse("eyt_payments:success", args=[data["payment_id"]])).content.decode()
    assert "Waiting for the confirmation" in page
    assert "data-eyt-waiting >" in page.replace("\n", " ")
    assert '"waiting": true' in page
    pay(ada, data["payment_id"])
    page = ada.get(reverse("eyt_payments:success", args=[data["payment_id"]])).content.decode()
    assert '"waiting": false' in page
    assert "Succeeded" in page


def test_status_needs_login_and_get(client, ada, tournament, payable):
    data = create_intent(ada, tournament)
    url = reverse("eyt_payments:status", args=[data["payment_id"]])
    assert client.get(url).status_code == 401
    assert ada.post(url).status_code == 405


# Cancel ------------------------------------------------------------------------------------------------------------


def test_cancel_page_offers_to_cancel_an_open_payment(ada, tournament, payable):
    data = create_intent(ada, tournament)
    page = ada.get(reverse("eyt_payments:cancel"), {"payment": data["payment_id"]})
    assert "Cancel this payment" in page.content.decode()
    response = ada.post(reverse("eyt_payments:cancel"), {"payment": data["payment_id"]})
    assert response["Location"] == reverse("eyt_payments:history")
    assert Payment.objects.get().status == "canceled"


def test_a_paid_payment_cannot_be_canceled(ada, tournament, payable):
    data = create_intent(ada, tournament)
    pay(ada, data["payment_id"])
    page = ada.get(reverse("eyt_payments:cancel"), {"payment": data["payment_id"]})
    assert "Cancel this payment" not in page.content.decode()
    response = ada.post(reverse("eyt_payments:cancel"), {"payment": data["payment_id"]}, follow=True)
    assert "This payment can no longer be canceled." in response.content.decode()
    assert Payment.objects.get().status == "succeeded"


def test_cancel_refuses_others_and_nonsense(ada, bob, tournament, payable):
    data = create_intent(ada, tournament)
    assert bob.post(reverse("eyt_payments:cancel"), {"payment": data["payment_id"]}).status_code == 404
    assert ada.post(reverse("eyt_payments:cancel"), {"payment": "not-a-uuid"}).status_code == 404
    assert ada.post(reverse("eyt_payments:cancel")).status_code == 400
    assert Payment.objects.get().status == "pending"


def test_cancel_needs_csrf(user, tournament, payable):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    payment = Payment.objects.create(
        user=user, payment_type=TYPE, amount_minor=1000, currency="usd", idempotency_key="k"
    )
    assert client.post(reverse("eyt_payments:cancel"), {"payment": str(payment.pk)}).status_code == 403
    payment.refresh_from_db()
    assert payment.status == "pending"


# Without django-eyt-audit nothing is limited (the limited case is tested in the example project), and the offline
# demo end to end -------------------------------------------------------


def test_create_intent_is_not_limited_without_eyt_audit(ada, settings):
    settings.EYT_PAYMENTS_CREATE_INTENT_RATE = "1/m"
    answers = [post_json(ada, "create_intent", {"ref": "1"}).status_code for _ in range(3)]
    assert answers == [400, 400, 400]


@pytest.mark.django_db(transaction=True)
def test_the_offline_demo_confirms_through_the_simulators_webhooks(ada, tournament, payable, received):
    with override_settings(EYT_PAYMENTS_GATEWAY={"BACKEND": "eyt_payments.gateways.local.LocalGateway"}):
        data = create_intent(ada, tournament)
        assert pay(ada, data["payment_id"], "4000 0025 0000 3155").json()["status"] == "requires_action"
        ada.post(reverse("eyt_payments:test_authenticate", args=[data["payment_id"]]), {"outcome": "approve"})
        status = ada.get(reverse("eyt_payments:status", args=[data["payment_id"]])).json()
    assert status["status"] == "succeeded"
    assert [name for name, _ in received] == ["payment_succeeded"]
    from eyt_payments.models import WebhookEvent

    assert WebhookEvent.objects.filter(type="payment_intent.succeeded", status="processed").count() == 1


def test_rate_limited_keeps_an_async_view_async(rf):
    from asgiref.sync import async_to_sync, iscoroutinefunction
    from django.http import HttpResponse

    from eyt_payments.integrations.limits import rate_limited

    @rate_limited("CREATE_INTENT_RATE", "test")
    async def view(request):
        return HttpResponse("answered")

    assert iscoroutinefunction(view)  # Django awaits it: a sync wrapper would hand Django an unawaited coroutine
    assert async_to_sync(view)(rf.post("/")).content == b"answered"
