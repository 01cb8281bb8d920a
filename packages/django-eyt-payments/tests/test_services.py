from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eyt_payments import signals
from eyt_payments.exceptions import (
    AlreadyPaid,
    AmountOutOfRange,
    BelowMinimumCharge,
    GatewayUnavailable,
    IdempotencyConflict,
    InvalidAmount,
    InvalidRefund,
    PaymentDeclined,
    PaymentValidationError,
    RefundExceedsPayment,
    RefundNotAllowed,
    UnsupportedCurrency,
)
from eyt_payments.hooks import DefaultPaymentsAdapter
from eyt_payments.models import Customer, Payment, PaymentMethod, Refund
from eyt_payments.payables import Payable, register_payable, unregister_payable
from eyt_payments.state import PaymentStatus
from tests.conftest import paid

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self, signal):
        self.calls = []
        signal.connect(self.receive)
        self.signal = signal

    def receive(self, sender, **kwargs):
        self.calls.append(kwargs)

    def close(self):
        self.signal.disconnect(self.receive)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks when the block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def record_signal():
    recorders = []

    def make(signal):
        recorders.append(Recorder(signal))
        return recorders[-1]

    yield make
    for recorder in recorders:
        recorder.close()


# Creating intents -----------------------------------------------------------------------------------------------


def test_create_payment_intent_stores_exact_minor_units_and_sends_one_keyed_request(service, gateway, user):
    payment, intent = service.create_payment_intent(user, Decimal("25.50"), "coaching", metadata={"session": 7})

    assert payment.amount_minor == 2550
    assert payment.currency == "usd"
    assert payment.amount == Decimal("25.50")
    assert payment.status == PaymentStatus.PENDING
    assert payment.stripe_payment_intent_id == intent.id
    assert intent.client_secret.startswith(intent.id)
    assert payment.idempotency_key == f"eyt:pi:{payment.id}"
    create = gateway.calls("create_intent")
    assert len(create) == 1
    assert create[0].idempotency_key == payment.idempotency_key
    assert create[0].params["amount"] == 2550
    assert create[0].params["currency"] == "usd"
    assert create[0].params["customer"] == Customer.objects.get(user=user).stripe_customer_id
    assert create[0].params["metadata"] == {
        "session": "7",
        "eyt_payment_id": str(payment.id),
        "eyt_payment_type": "coaching",
    }
    assert Payment.objects.get().stripe_payment_intent_id == intent.id


def test_jpy_is_zero_decimal(service, gateway, user):
    payment, intent = service.create_payment_intent(user, Decimal("500"), "venue_booking", currency="JPY")
    assert (payment.amount_minor, payment.currency, intent.amount, intent.currency) == (500, "jpy", 500, "jpy")


def test_the_customer_is_created_once_with_the_adapters_name_and_email(service, gateway, user):
    service.create_payment_intent(user, "10", "coaching")
    service.create_payment_intent(user, "12", "coaching")
    calls = gateway.calls("create_customer")
    assert len(calls) == 1
    assert calls[0].params == {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "metadata": {"eyt_user_id": str(user.pk)},
    }
    assert calls[0].idempotency_key == f"eyt:customer:{user.pk}:test"
    assert Customer.objects.filter(user=user).count() == 1


def test_the_adapter_names_a_custom_user_by_its_str_not_its_login_email():
    from tests.testapp.models import EmailUser

    adapter = DefaultPaymentsAdapter()
    named, unnamed = EmailUser(email="gus@example.com", display_name="Gus Grant"), EmailUser(email="kim@example.com")
    assert (adapter.customer_name(named), adapter.customer_email(named)) == ("Gus Grant", "gus@example.com")
    assert (adapter.customer_name(unnamed), adapter.customer_email(unnamed)) == ("kim@example.com", "kim@example.com")


def test_the_adapter_reads_the_email_from_the_user_models_email_field(monkeypatch):
    from tests.testapp.models import EmailUser

    monkeypatch.setattr(EmailUser, "EMAIL_FIELD", "contact")
    user = EmailUser(email="login@example.com")
    user.contact = "billing@example.com"
    assert DefaultPaymentsAdapter().customer_email(user) == "billing@example.com"


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [
        ("-5", "usd", InvalidAmount),
        ("0", "usd", InvalidAmount),
        ("10.001", "usd", InvalidAmount),
        (10.5, "usd", InvalidAmount),
        ("0.10", "usd", BelowMinimumCharge),
        ("10", "xyz", UnsupportedCurrency),
    ],
)
def test_bad_amounts_change_nothing_and_send_nothing(service, gateway, user, amount, currency, error):
    with pytest.raises(error):
        service.create_payment_intent(user, amount, "coaching", currency=currency)
    assert Payment.objects.count() == 0
    assert gateway.outbox == []


def test_bad_metadata_and_payment_types_are_refused(service, gateway, user):
    with pytest.raises(PaymentValidationError, match="eyt_"):
        service.create_payment_intent(user, "10", "coaching", metadata={"eyt_payment_id": "forged"})
    with pytest.raises(PaymentValidationError, match="lowercase slugs"):
        service.create_payment_intent(user, "10", "Tournament Fee!")
    with pytest.raises(PaymentValidationError, match="capture_method"):
        service.create_payment_intent(user, "10", "coaching", capture_method="later")
    assert Payment.objects.count() == 0
    assert gateway.outbox == []


@override_settings(EYT_PAYMENTS_CURRENCIES=["usd", "eur"])
def test_only_the_accepted_currencies(service, user):
    service.create_payment_intent(user, "10", "coaching", currency="eur")
    with pytest.raises(UnsupportedCurrency, match="EYT_PAYMENTS_CURRENCIES"):
        service.create_payment_intent(user, "1000", "coaching", currency="jpy")


@override_settings(
    EYT_PAYMENTS_AMOUNT_LIMITS={"tournament_fee": {"usd": ("5.00", "100.00")}, "default": {"usd": (None, "1000")}}
)
def test_amount_limits_per_payment_type(service, user):
    with pytest.raises(AmountOutOfRange, match=r"5.00..100.00"):
        service.create_payment_intent(user, "4.99", "tournament_fee")
    with pytest.raises(AmountOutOfRange):
        service.create_payment_intent(user, "100.01", "tournament_fee")
    with pytest.raises(AmountOutOfRange) as caught:
        service.create_payment_intent(user, "1000.01", "coaching")
    assert caught.value.user_message == "The amount must be between - and 1000.00 USD."
    service.create_payment_intent(user, "100.00", "tournament_fee")
    service.create_payment_intent(user, "1000", "coaching")
    assert Payment.objects.count() == 2


@override_settings(EYT_PAYMENTS_PLATFORM_FEES={"coaching": {"percent": "10", "fixed": {"usd": "0.50"}}})
def test_fee_estimates_are_stored_with_the_payment(service, user):
    payment, _ = service.create_payment_intent(user, "20.00", "coaching")
    assert payment.estimated_stripe_fee == Decimal("0.88")  # 2.9% + 0.30
    assert payment.platform_fee == Decimal("2.50")  # 10% + 0.50
    assert payment.actual_stripe_fee is None


# Double clicks and retries --------------------------------------------------------------------------------------


def test_a_double_click_for_the_same_payable_returns_the_same_payment_and_intent(service, gateway, user, tournament):
    first, first_intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    second, second_intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)

    assert second.pk == first.pk
    assert second_intent.id == first_intent.id
    assert second_intent.client_secret == first_intent.client_secret
    assert len(gateway.calls("create_intent")) == 1
    assert Payment.objects.count() == 1
    assert first.reference == tournament


def test_a_caller_idempotency_key_also_deduplicates(service, gateway, user):
    first, _ = service.create_payment_intent(user, "10", "coaching", idempotency_key="form-123")
    second, _ = service.create_payment_intent(user, "10", "coaching", idempotency_key="form-123")
    assert first.pk == second.pk
    assert first.idempotency_key == f"eyt:pi:{user.pk}:form-123"
    assert len(gateway.calls("create_intent")) == 1


def test_a_changed_price_cancels_the_open_payment_and_starts_a_new_one(service, gateway, user, tournament):
    old, old_intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    new, new_intent = service.create_payment_intent(user, "12", "tournament_fee", reference=tournament)
    old.refresh_from_db()
    assert old.status == PaymentStatus.CANCELED
    assert new.pk != old.pk
    assert new_intent.id != old_intent.id
    assert new.amount_minor == 1200
    assert gateway.calls("cancel_intent")[0].params == {"intent": old_intent.id}


def test_a_paid_payable_can_be_paid_for_again_only_by_a_new_payment(service, user, tournament):
    first = paid(service, user, reference=tournament)
    again, _ = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    assert first.status == PaymentStatus.SUCCEEDED
    assert again.pk != first.pk


@pytest.mark.parametrize("status", [PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_CAPTURE])
def test_a_payment_under_way_is_returned_and_never_doubled(service, gateway, user, tournament, status):
    first, _ = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    Payment.objects.filter(pk=first.pk).update(status=status)
    again, intent = service.create_payment_intent(user, "12", "tournament_fee", reference=tournament)
    assert again.pk == first.pk
    assert intent.id == first.stripe_payment_intent_id
    assert len(gateway.calls("create_intent")) == 1
    assert gateway.calls("cancel_intent") == []


def test_a_reloaded_checkout_of_a_paid_payable_is_refused(service, gateway, user, tournament):
    register_payable("tournament_fee", lambda ref, user: Payable(Decimal("10.00"), "usd", "Entry", tournament))
    try:
        paid(service, user, reference=tournament)
        with pytest.raises(AlreadyPaid) as caught:
            service.create_payable_intent(user, "tournament_fee", str(tournament.pk))
    finally:
        unregister_payable("tournament_fee")
    assert caught.value.code == "already_paid"
    assert caught.value.user_message == "This has already been paid for."
    assert Payment.objects.count() == 1
    assert len(gateway.calls("create_intent")) == 1


def test_the_adapter_may_allow_paying_again(service, user, tournament, settings):
    settings.EYT_PAYMENTS_ADAPTER = "tests.test_services.RepeatPurchases"
    register_payable("tournament_fee", lambda ref, user: Payable(Decimal("10.00"), "usd", "Entry", tournament))
    try:
        first = paid(service, user, reference=tournament)
        again, _ = service.create_payable_intent(user, "tournament_fee", str(tournament.pk))
    finally:
        unregister_payable("tournament_fee")
    assert again.pk != first.pk


class RepeatPurchases(DefaultPaymentsAdapter):
    def allows_repeat_payment(self, user, payment_type, obj):
        return True


class Crash(BaseException):
    """The process dies here (no ``except Exception`` catches it; only what was committed survives)."""


def crash(*args, **kwargs):
    raise Crash


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_provider_accepted_then_a_retry_yields_exactly_one_intent(
    service, gateway, user, tournament, monkeypatch
):
    """Why the pending row commits before the provider is called: after a crash between the provider's answer and
    the row's update, the retry finds the row and repeats the call under its key instead of making a new intent."""
    with monkeypatch.context() as patched:
        patched.setattr(QuerySet, "update", crash)  # the write-back of the intent's id
        with pytest.raises(Crash):
            service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    connection.close()  # whatever was not committed is gone with the process
    payment = Payment.objects.get()
    assert (payment.status, payment.stripe_payment_intent_id) == (PaymentStatus.PENDING, None)
    assert len(list(gateway.store.objects("payment_intent"))) == 1

    retried, intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)

    assert retried.pk == payment.pk
    assert [call.idempotency_key for call in gateway.calls("create_intent")] == [payment.idempotency_key] * 2
    assert [i["id"] for i in gateway.store.objects("payment_intent")] == [intent.id]
    assert Payment.objects.get().stripe_payment_intent_id == intent.id


def test_a_lost_answer_then_a_retry_yields_exactly_one_intent(service, gateway, user, tournament):
    gateway.fail_next("create_intent", after_accept=True)
    with pytest.raises(GatewayUnavailable) as caught:
        service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)
    assert "try again" in caught.value.user_message
    payment = Payment.objects.get()
    assert payment.stripe_payment_intent_id is None
    assert payment.status == PaymentStatus.PENDING

    retried, intent = service.create_payment_intent(user, "10", "tournament_fee", reference=tournament)

    assert retried.pk == payment.pk
    keys = [call.idempotency_key for call in gateway.calls("create_intent")]
    assert keys == [payment.idempotency_key, payment.idempotency_key]
    intents = list(gateway.store.objects("payment_intent"))
    assert [i["id"] for i in intents] == [intent.id]
    assert Payment.objects.get().stripe_payment_intent_id == intent.id


# Confirming -------------------------------------------------------------------------------------------------------


def test_paying_with_a_saved_card_succeeds_and_signals_after_commit(
    service, gateway, user, record_signal, run_on_commit
):
    succeeded = record_signal(signals.payment_succeeded)
    with run_on_commit():
        payment = paid(service, user)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.succeeded_at is not None
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert [call["payment"].pk for call in succeeded.calls] == [payment.pk]
    confirm = gateway.calls("confirm_intent")
    assert confirm[0].idempotency_key == f"{payment.idempotency_key}:confirm:1"


def test_signals_wait_for_the_outer_transaction(service, user, record_signal, django_capture_on_commit_callbacks):
    succeeded = record_signal(signals.payment_succeeded)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        paid(service, user)
    assert succeeded.calls == []
    for callback in callbacks:
        callback()
    assert len(succeeded.calls) == 1


def test_a_decline_fails_the_payment_with_a_readable_message_and_a_retry_can_succeed(
    service, gateway, user, record_signal, run_on_commit
):
    failed = record_signal(signals.payment_failed)
    payment, _ = service.create_payment_intent(
        user, "10", "coaching", payment_method="pm_card_chargeDeclinedInsufficientFunds"
    )
    with run_on_commit(), pytest.raises(PaymentDeclined) as caught:
        service.confirm_payment(payment)
    assert caught.value.user_message == "Your card has insufficient funds."
    assert caught.value.decline_code == "insufficient_funds"
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code, payment.confirm_attempts) == ("failed", "insufficient_funds", 1)
    assert [(c["payment"].pk, c["code"]) for c in failed.calls] == [(payment.pk, "insufficient_funds")]

    service.confirm_payment(payment, payment_method="pm_card_visa")
    assert payment.status == PaymentStatus.SUCCEEDED
    keys = [call.idempotency_key for call in gateway.calls("confirm_intent")]
    assert keys == [f"{payment.idempotency_key}:confirm:1", f"{payment.idempotency_key}:confirm:2"]


def test_three_d_secure_waits_for_the_customer_then_sync_picks_up_the_result(service, gateway, user):
    payment, intent = service.create_payment_intent(
        user, "10", "coaching", payment_method="pm_card_authenticationRequired", confirm=True
    )
    assert intent.status == "requires_action"
    assert intent.next_action_type == "use_stripe_sdk"
    assert payment.status == PaymentStatus.REQUIRES_ACTION

    gateway.authenticate_intent(intent.id, success=True)
    service.sync_payment(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_failed_authentication_marks_the_payment_failed(service, gateway, user):
    payment, intent = service.create_payment_intent(
        user, "10", "coaching", payment_method="pm_card_authenticationRequired", confirm=True
    )
    gateway.authenticate_intent(intent.id, success=False)
    service.sync_payment(payment)
    assert (payment.status, payment.failure_code) == ("failed", "payment_intent_authentication_failure")


def test_a_succeeded_payment_cannot_be_confirmed_again(service, user):
    payment = paid(service, user)
    with pytest.raises(PaymentValidationError, match="cannot be confirmed"):
        service.confirm_payment(payment)


def test_manual_capture_partial(service, gateway, user):
    payment, intent = service.create_payment_intent(
        user, "50", "venue_booking", payment_method="pm_card_visa", confirm=True, capture_method="manual"
    )
    assert payment.status == PaymentStatus.REQUIRES_CAPTURE
    service.capture_payment(payment, Decimal("40.00"))
    payment.refresh_from_db()
    assert (payment.status, payment.amount_minor) == ("succeeded", 4000)
    assert gateway.calls("capture_intent")[0].params == {"intent": intent.id, "amount_to_capture": 4000}


def test_cancel_an_authorised_payment(service, gateway, user, record_signal, run_on_commit):
    canceled = record_signal(signals.payment_canceled)
    payment, _ = service.create_payment_intent(
        user, "50", "venue_booking", payment_method="pm_card_visa", confirm=True, capture_method="manual"
    )
    with run_on_commit():
        service.cancel_payment(payment)
    assert Payment.objects.get().status == PaymentStatus.CANCELED
    assert len(canceled.calls) == 1
    service.cancel_payment(payment)  # again: nothing more happens
    assert len(gateway.calls("cancel_intent")) == 1


def test_a_captured_payment_cannot_be_canceled(service, user):
    payment = paid(service, user)
    with pytest.raises(PaymentValidationError, match="cannot be canceled"):
        service.cancel_payment(payment)


# Refunds ------------------------------------------------------------------------------------------------------------


def test_partial_refunds_any_number_of_times_then_the_rest(service, gateway, user, record_signal, run_on_commit):
    refunded = record_signal(signals.payment_refunded)
    payment = paid(service, user, "30.00")

    with run_on_commit():
        first = service.refund_payment(payment, Decimal("10.00"), reason="requested_by_customer")
        second = service.refund_payment(payment, "5.50")
        assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
        assert payment.refundable_amount == Decimal("14.50")
        rest = service.refund_payment(payment)

    assert [r.amount for r in (first, second, rest)] == [Decimal("10.00"), Decimal("5.50"), Decimal("14.50")]
    assert [r.sequence for r in Refund.objects.order_by("sequence")] == [1, 2, 3]
    assert all(r.status == "succeeded" and r.stripe_refund_id for r in Refund.objects.all())
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded_minor, payment.refund_count) == ("refunded", 3000, 3)
    keys = [call.idempotency_key for call in gateway.calls("create_refund")]
    assert keys == [f"{payment.idempotency_key}:refund:{n}" for n in (1, 2, 3)]
    assert gateway.calls("create_refund")[0].params["reason"] == "requested_by_customer"
    assert len(refunded.calls) == 3


def test_a_refund_larger_than_what_is_left_is_refused_and_changes_nothing(service, gateway, user):
    payment = paid(service, user, "10.00")
    service.refund_payment(payment, "6.00")
    with pytest.raises(RefundExceedsPayment, match=r"4\.00 USD left"):
        service.refund_payment(payment, "4.01")
    with pytest.raises(InvalidAmount):
        service.refund_payment(payment, "-1")
    assert Refund.objects.count() == 1
    assert len(gateway.calls("create_refund")) == 1
    assert Payment.objects.get().amount_refunded_minor == 600


def test_only_captured_payments_can_be_refunded(service, user):
    payment, _ = service.create_payment_intent(user, "10", "coaching")
    with pytest.raises(InvalidRefund, match="status 'pending'"):
        service.refund_payment(payment)
    full = paid(service, user)
    service.refund_payment(full)
    with pytest.raises(InvalidRefund, match="status 'refunded'"):
        service.refund_payment(full, "1")


def test_unknown_refund_reasons_are_refused(service, user):
    payment = paid(service, user)
    with pytest.raises(InvalidRefund, match="reason"):
        service.refund_payment(payment, "1", reason="changed my mind")


def test_the_adapter_decides_who_may_refund(service, user, other_user):
    payment = paid(service, user)
    with pytest.raises(RefundNotAllowed) as caught:
        service.refund_payment(payment, "1", requested_by=other_user)
    assert caught.value.user_message == "You cannot refund this payment."
    other_user.user_permissions.add(Permission.objects.get(codename="add_refund"))
    other_user = type(other_user).objects.get(pk=other_user.pk)
    refund = service.refund_payment(payment, "1", requested_by=other_user)
    assert refund.requested_by == other_user


def test_the_refund_window_closes(service, user):
    payment = paid(service, user)
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=timezone.now() - timezone.timedelta(days=181))
    payment.refresh_from_db()
    with pytest.raises(RefundNotAllowed, match="refund window"):
        service.refund_payment(payment, "1")


def test_a_lost_refund_answer_then_a_retry_refunds_exactly_once(service, gateway, user):
    payment = paid(service, user, "10.00")
    gateway.fail_next("create_refund", after_accept=True)
    with pytest.raises(GatewayUnavailable):
        service.refund_payment(payment, "4.00")
    assert Refund.objects.count() == 0  # the ledger rolled back; the provider did refund

    refund = service.refund_payment(payment, "4.00")

    calls = gateway.calls("create_refund")
    assert [c.idempotency_key for c in calls] == [refund.idempotency_key] * 2
    remote_refunds = list(gateway.store.objects("refund"))
    assert [r["id"] for r in remote_refunds] == [refund.stripe_refund_id]
    assert Payment.objects.get().amount_refunded_minor == 400


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_provider_refunded_then_a_retry_refunds_exactly_once(service, gateway, user, monkeypatch):
    """The refund's key is its ledger position, which only a committed refund moves: after a crash before the
    commit the retry reuses the key, and the provider answers with the refund it already made."""
    payment = paid(service, user, "10.00")
    with monkeypatch.context() as patched:
        patched.setattr(Refund, "save", crash)  # the ledger row, before the commit
        with pytest.raises(Crash):
            service.refund_payment(payment, "4.00")
    connection.close()
    assert not Refund.objects.exists()
    assert len(list(gateway.store.objects("refund"))) == 1

    refund = service.refund_payment(Payment.objects.get(pk=payment.pk), "4.00")

    assert [c.idempotency_key for c in gateway.calls("create_refund")] == [refund.idempotency_key] * 2
    assert [r["id"] for r in gateway.store.objects("refund")] == [refund.stripe_refund_id]
    assert Payment.objects.get().amount_refunded_minor == 400


def test_a_retry_with_another_amount_is_refused_by_the_provider(service, gateway, user):
    payment = paid(service, user, "10.00")
    gateway.fail_next("create_refund", after_accept=True)
    with pytest.raises(GatewayUnavailable):
        service.refund_payment(payment, "4.00")
    with pytest.raises(IdempotencyConflict):
        service.refund_payment(payment, "3.00")
    assert Refund.objects.count() == 0


def test_a_three_decimal_currency_refund(service, user):
    payment = paid(service, user, "5.120", currency="kwd")
    refund = service.refund_payment(payment, "1.010")
    assert refund.amount_minor == 1010
    assert refund.amount == Decimal("1.010")
    with pytest.raises(InvalidAmount, match=r"multiple of 0\.010"):
        service.refund_payment(payment, "1.005")


# Payment methods ----------------------------------------------------------------------------------------------------


def test_add_list_default_and_remove_cards(service, gateway, user, other_user):
    setup = service.start_payment_method_setup(user)
    assert setup.client_secret.startswith(setup.id)
    visa = gateway.create_payment_method("4242 4242 4242 4242")
    gateway.confirm_setup_intent(setup.id, visa.id)
    first = service.add_payment_method(user, visa.id)
    assert (first.brand, first.last4, first.is_default) == ("visa", "4242", True)
    customer = Customer.objects.get(user=user)
    assert gateway.store.load(customer.stripe_customer_id)["invoice_settings"]["default_payment_method"] == visa.id

    mastercard = gateway.create_payment_method("5555555555554444")
    second = service.add_payment_method(user, mastercard.id)
    assert second.is_default is False
    service.set_default_payment_method(user, second)
    assert [m.last4 for m in service.list_payment_methods(user)] == ["4444", "4242"]
    assert PaymentMethod.objects.get(pk=first.pk).is_default is False
    assert (
        gateway.store.load(customer.stripe_customer_id)["invoice_settings"]["default_payment_method"] == mastercard.id
    )

    with pytest.raises(PaymentValidationError) as caught:
        service.remove_payment_method(other_user, second)
    assert caught.value.code == "payment_method_not_found"

    service.remove_payment_method(user, second)
    assert [(m.last4, m.is_default) for m in service.list_payment_methods(user)] == [("4242", True)]
    assert gateway.calls("detach_payment_method")[0].params == {"payment_method": mastercard.id}
    assert gateway.store.load(customer.stripe_customer_id)["invoice_settings"]["default_payment_method"] == visa.id


def test_a_declined_card_is_not_saved(service, gateway, user):
    card = gateway.create_payment_method("4000000000000002")
    with pytest.raises(PaymentDeclined):
        service.add_payment_method(user, card.id)
    assert PaymentMethod.objects.count() == 0


def test_list_with_refresh_reconciles_with_the_provider(service, gateway, user):
    method = service.add_payment_method(user, gateway.create_payment_method("4242424242424242").id)
    gateway.simulator.detach_payment_method(method.stripe_payment_method_id)  # removed elsewhere
    assert list(service.list_payment_methods(user, refresh=True)) == []


# History and fees -------------------------------------------------------------------------------------------------


def test_history_is_per_user_newest_first_and_filterable(service, user, other_user):
    first = paid(service, user, "10")
    second, _ = service.create_payment_intent(user, "20", "coaching")
    service.create_payment_intent(other_user, "30", "coaching")
    assert list(service.payment_history(user)) == [second, first]
    assert list(service.payment_history(user, status="succeeded")) == [first]
    assert list(service.payment_history(user, payment_type="coaching")) == [second]


def test_calculate_fees(service):
    fees = service.calculate_fees(Decimal("100.00"), "usd")
    assert (fees.stripe_fee, fees.platform_fee, fees.net) == (Decimal("3.20"), Decimal("0.00"), Decimal("96.80"))


def test_audit_is_a_no_op_without_eyt_audit(service, user):
    from django.apps import apps

    from eyt_payments.integrations import audit

    assert not apps.is_installed("eyt_audit")
    assert audit.is_enabled() is False
    payment = paid(service, user)
    service.refund_payment(payment, "1")
    assert audit.record("refunded", payment) is None


def _statements(captured):
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(control)]


def test_creating_and_refunding_take_at_most_three_statements(service, user):
    payment = paid(service, user, "10.00")  # the customer exists from here on

    with CaptureQueriesContext(connection) as created:
        service.create_payment_intent(user, "10", "coaching")
    with CaptureQueriesContext(connection) as refunded:
        service.refund_payment(payment, "1.00")

    assert len(_statements(created)) == 3  # the customer, the pending row, its intent
    assert len(_statements(refunded)) == 3  # the payment's lock, the ledger row, the payment


def test_save_signal_receivers_see_the_payments_and_refunds_written(service, user):
    seen = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        seen.append((sender.__name__, created, sorted(update_fields or ())))

    post_save.connect(receiver, sender=Payment)
    post_save.connect(receiver, sender=Refund)
    try:
        payment, _ = service.create_payment_intent(user, "10", "coaching")
        payment = paid(service, user)
        seen.clear()
        service.refund_payment(payment, "1")
    finally:
        post_save.disconnect(receiver, sender=Payment)
        post_save.disconnect(receiver, sender=Refund)

    assert seen == [
        ("Refund", True, []),
        ("Payment", False, ["amount_refunded_minor", "refund_count", "status", "updated_at"]),
    ]


@pytest.mark.django_db(transaction=True)
def test_with_eyt_audit_the_intents_row_and_its_audit_entry_commit_together(service, user, monkeypatch):
    from eyt_payments.integrations import audit

    recorded = []

    def record(action, payment, **kwargs):
        stored = Payment.objects.get(pk=payment.pk)
        recorded.append((action, connection.in_atomic_block, stored.stripe_payment_intent_id))

    monkeypatch.setattr(audit, "is_enabled", lambda: True)
    monkeypatch.setattr(audit, "record", record)
    payment, intent = service.create_payment_intent(user, "10", "coaching")

    assert recorded == [("intent_created", True, intent.id)]  # in the transaction that wrote the intent's id
    assert not connection.in_atomic_block
