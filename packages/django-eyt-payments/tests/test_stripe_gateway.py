"""The Stripe gateway: error translation and retries in unit tests; the real flows against localstripe."""

from decimal import Decimal

import pytest
import stripe
from django.test import override_settings

from eyt_payments.exceptions import (
    AuthenticationRequired,
    GatewayError,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentsConfigurationError,
)
from eyt_payments.gateways import get_gateway
from eyt_payments.gateways.base import IntentRequest
from eyt_payments.gateways.stripe import RetryingRequestsClient, StripeGateway, translate_error
from eyt_payments.models import Payment, Refund
from eyt_payments.services import StripeService
from eyt_payments.state import PaymentStatus

RAW = "Your card has insufficient funds. (req_123; internal detail)"


def card_error(code="card_declined", decline_code="insufficient_funds"):
    body = {"error": {"type": "card_error", "code": code, "decline_code": decline_code, "message": RAW}}
    return stripe.CardError(RAW, "number", code, http_status=402, json_body=body)


def test_a_decline_becomes_a_readable_error_without_stripes_text():
    error = translate_error(card_error())
    assert isinstance(error, PaymentDeclined)
    assert error.decline_code == "insufficient_funds"
    assert error.user_message == "Your card has insufficient funds."
    assert "internal detail" not in error.user_message
    assert "internal detail" in str(error)
    assert error.http_status == 402


def test_an_unknown_decline_code_gets_the_generic_message():
    assert translate_error(card_error(decline_code="something_new")).user_message == "Your card was declined."


@pytest.mark.parametrize(
    ("error", "expected", "code"),
    [
        (card_error("authentication_required", None), AuthenticationRequired, "authentication_required"),
        (stripe.IdempotencyError("Keys for idempotent requests ...", http_status=400), IdempotencyConflict, None),
        (stripe.RateLimitError("Too many requests", http_status=429), GatewayUnavailable, None),
        (stripe.APIConnectionError("Connection reset"), GatewayUnavailable, None),
        (stripe.APIError("Internal", http_status=500), GatewayUnavailable, None),
        (
            stripe.AuthenticationError("Invalid API Key provided: sk_test_****", http_status=401),
            GatewayError,
            "gateway_authentication",
        ),
        (
            stripe.InvalidRequestError("No such payment_intent", "id", code="resource_missing", http_status=404),
            GatewayRequestError,
            "resource_missing",
        ),
    ],
)
def test_stripe_errors_map_to_the_package_tree(error, expected, code):
    translated = translate_error(error)
    assert type(translated) is expected
    if code:
        assert translated.code == code
    assert str(error) not in translated.user_message


@pytest.mark.parametrize(("status", "retry"), [(429, True), (500, True), (409, True), (400, False), (402, False)])
def test_the_client_retries_rate_limits_conflicts_and_server_errors(status, retry):
    client = RetryingRequestsClient(timeout=1)
    assert client._should_retry((b"", status, {}), None, 0, 2) is retry
    assert client._should_retry((b"", status, {}), None, 2, 2) is False


@override_settings(EYT_PAYMENTS_SECRET_KEY=None, STRIPE_SECRET_KEY="")
def test_a_missing_secret_key_is_a_configuration_error():
    with pytest.raises(PaymentsConfigurationError, match="STRIPE_SECRET_KEY"):
        StripeGateway().client


@override_settings(STRIPE_SECRET_KEY="sk_live_abc")
def test_livemode_follows_the_key():
    assert StripeGateway().livemode is True


def test_unknown_options_are_refused():
    with pytest.raises(PaymentsConfigurationError, match="api_key"):
        StripeGateway(api_key="x")


# Against localstripe -------------------------------------------------------------------------------------------

LOCALSTRIPE_OMITS = [
    "description",
    "reason",
    "automatic_payment_methods",
    "statement_descriptor_suffix",
    "receipt_email",
    "return_url",
]


@pytest.fixture
def ls(localstripe, settings):
    localstripe.reset()
    settings.EYT_PAYMENTS_SECRET_KEY = "sk_test_eyt"
    settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES = 0
    settings.EYT_PAYMENTS_GATEWAY = {
        "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
        "OPTIONS": {"api_base": localstripe.url, "omit_params": LOCALSTRIPE_OMITS},
    }
    return localstripe


@pytest.fixture
def client(ls):
    return stripe.StripeClient("sk_test_eyt", base_addresses={"api": ls.url}, max_network_retries=0)


def card(client, number):
    """A PaymentMethod from a raw test card number, as Stripe.js would make it in the browser."""
    params = {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    return client.v1.payment_methods.create(params=params).id


@pytest.mark.localstripe
@pytest.mark.django_db
def test_customers_and_payment_methods(ls, client, user):
    service = StripeService()
    first = service.add_payment_method(user, card(client, "4242424242424242"))
    second = service.add_payment_method(user, card(client, "5555555555554444"), set_default=True)
    customer_id = first.customer.stripe_customer_id

    remote = client.v1.customers.retrieve(customer_id)
    assert remote.email == "ada@example.com"
    assert remote.invoice_settings.default_payment_method == second.stripe_payment_method_id
    assert {m.last4 for m in service.list_payment_methods(user, refresh=True)} == {"4242", "4444"}

    service.remove_payment_method(user, second)
    remaining = client.v1.payment_methods.list(params={"customer": customer_id, "type": "card"}).data
    assert [m.id for m in remaining] == [first.stripe_payment_method_id]
    assert (
        client.v1.customers.retrieve(customer_id).invoice_settings.default_payment_method
        == first.stripe_payment_method_id
    )


@pytest.mark.localstripe
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "minor"), [(Decimal("12.34"), "usd", 1234), (Decimal("1500"), "jpy", 1500)]
)
def test_intents_succeed_in_usd_and_jpy(ls, client, user, amount, currency, minor):
    payment, intent = StripeService().create_payment_intent(
        user, amount, "tournament_fee", currency=currency, payment_method="pm_card_visa", confirm=True
    )
    remote = client.v1.payment_intents.retrieve(intent.id)
    assert (remote.status, remote.amount, remote.currency) == ("succeeded", minor, currency)
    assert remote.metadata["eyt_payment_id"] == str(payment.id)
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


@pytest.mark.localstripe
@pytest.mark.django_db
def test_a_declined_charge_fails_the_payment(ls, client, user):
    payment, _ = StripeService().create_payment_intent(
        user, "20", "coaching", payment_method=card(client, "4000000000000341")
    )
    with pytest.raises(PaymentDeclined) as caught:
        StripeService().confirm_payment(payment)
    assert caught.value.user_message == "Your card was declined."
    assert Payment.objects.get().status == PaymentStatus.FAILED


@pytest.mark.localstripe
@pytest.mark.django_db
def test_a_card_declined_when_saved(ls, client, user):
    with pytest.raises(PaymentDeclined):
        StripeService().add_payment_method(user, card(client, "4000000000000002"))


@pytest.mark.localstripe
@pytest.mark.django_db
def test_three_d_secure(ls, client, user):
    service = StripeService()
    payment, intent = service.create_payment_intent(
        user, "20", "coaching", payment_method=card(client, "4000002500003155"), confirm=True
    )
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert intent.next_action_type == "use_stripe_sdk"
    # What Stripe.js does after the customer passes the bank's challenge:
    client.raw_request(
        "post", f"/v1/payment_intents/{intent.id}/_authenticate", client_secret=intent.client_secret, success="true"
    )
    service.sync_payment(payment)
    assert payment.status == PaymentStatus.SUCCEEDED


@pytest.mark.localstripe
@pytest.mark.django_db
def test_manual_capture_and_cancel(ls, client, user, tournament):
    service = StripeService()
    held, _ = service.create_payment_intent(
        user, "50", "venue_booking", payment_method="pm_card_visa", confirm=True, capture_method="manual"
    )
    assert held.status == PaymentStatus.REQUIRES_CAPTURE
    service.capture_payment(held)
    assert client.v1.payment_intents.retrieve(held.stripe_payment_intent_id).status == "succeeded"
    assert Payment.objects.get(pk=held.pk).status == PaymentStatus.SUCCEEDED

    open_payment, intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    service.cancel_payment(open_payment)
    assert client.v1.payment_intents.retrieve(intent.id).status == "canceled"
    assert Payment.objects.get(pk=open_payment.pk).status == PaymentStatus.CANCELED


@pytest.mark.localstripe
@pytest.mark.django_db
def test_partial_refunds(ls, client, user):
    service = StripeService()
    payment, intent = service.create_payment_intent(user, "30", "coaching", payment_method="pm_card_visa", confirm=True)
    service.refund_payment(payment, "10")
    service.refund_payment(payment, "7.50")
    service.refund_payment(payment)
    remote = client.v1.refunds.list(params={"payment_intent": intent.id}).data
    assert sorted(r.amount for r in remote) == [750, 1000, 1250]
    assert {r.id for r in remote} == set(Refund.objects.values_list("stripe_refund_id", flat=True))
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


class LostAnswerClient(RetryingRequestsClient):
    """Between stripe-python and localstripe: forwards every request, but loses the answer to the first POST to
    ``fail_path``. It also keeps answers by Idempotency-Key, as Stripe does and localstripe does not, so the test
    shows what Stripe would do with the retry stripe-python sends."""

    def __init__(self, fail_path):
        super().__init__(timeout=10)
        self.fail_path = fail_path
        self.sent = []
        self.answers = {}

    def request(self, method, url, headers, post_data=None):
        key = headers.get("Idempotency-Key") if method == "post" else None
        if url.endswith(self.fail_path):
            self.sent.append(key)
        if key in self.answers:
            return self.answers[key]
        answer = super().request(method, url, headers, post_data)
        if key:
            self.answers[key] = answer
        if url.endswith(self.fail_path) and len(self.sent) == 1:
            raise stripe.APIConnectionError("Connection reset by peer (simulated)", should_retry=True)
        return answer


@pytest.mark.localstripe
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/v1/payment_intents", "/v1/refunds"])
def test_a_lost_answer_is_retried_under_the_same_key_and_acts_once(ls, client, user, settings, path):
    lossy = LostAnswerClient(path)
    settings.EYT_PAYMENTS_MAX_NETWORK_RETRIES = 2
    settings.EYT_PAYMENTS_GATEWAY = {
        **settings.EYT_PAYMENTS_GATEWAY,
        "OPTIONS": {**settings.EYT_PAYMENTS_GATEWAY["OPTIONS"], "http_client": lossy},
    }
    service = StripeService()
    payment, intent = service.create_payment_intent(user, "30", "coaching", payment_method="pm_card_visa", confirm=True)
    if path == "/v1/refunds":
        refund = service.refund_payment(payment, "5")
        assert lossy.sent == [refund.idempotency_key] * 2
        assert [r.id for r in client.v1.refunds.list(params={"payment_intent": intent.id}).data] == [
            refund.stripe_refund_id
        ]
    else:
        assert lossy.sent == [payment.idempotency_key] * 2
        assert [pi.id for pi in client.v1.payment_intents.list().data] == [intent.id]


@pytest.mark.localstripe
@pytest.mark.django_db
def test_gateway_requests_reach_localstripe_with_the_pinned_version(ls):
    gateway = get_gateway()
    customer = gateway.create_customer(email="x@example.com", name="X", metadata={}, idempotency_key="k1")
    intent = gateway.create_intent(
        IntentRequest(amount=100, currency="usd", customer=customer.id), idempotency_key="k2"
    )
    assert intent.status == "requires_payment_method"
    assert intent.customer == customer.id
    assert gateway.client._requestor._options.stripe_version == stripe.api_version


@pytest.mark.localstripe
@pytest.mark.django_db
def test_lists_are_read_to_their_end_page_after_page(ls, client, user, monkeypatch):
    from eyt_payments.gateways import stripe as stripe_gateway

    monkeypatch.setattr(stripe_gateway, "PAGE_SIZE", 2)  # five cards: three pages
    service = StripeService()
    numbers = ["4242424242424242", "5555555555554444", "4000056655665556", "5200828282828210", "4012888888881881"]
    added = [service.add_payment_method(user, card(client, number)).stripe_payment_method_id for number in numbers]
    customer = service.get_or_create_customer(user).stripe_customer_id
    listed = get_gateway().list_payment_methods(customer)
    assert sorted(method.id for method in listed) == sorted(added)
