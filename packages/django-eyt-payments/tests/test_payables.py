from decimal import Decimal

import pytest

from eyt_payments import signals
from eyt_payments.exceptions import AlreadyPaid, PaymentsConfigurationError, UnknownPayable, UnknownPaymentType
from eyt_payments.payables import (
    Payable,
    register_payable,
    registered_payment_types,
    resolve_payable,
    unregister_payable,
)
from eyt_payments.services import StripeService
from tests.testapp.models import Tournament

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks():
    seen = []

    def resolver(ref, user):
        tournament = Tournament.objects.get(pk=int(ref))
        return Payable(tournament.entry_fee, tournament.currency, f"Entry: {tournament.name}", tournament, {"t": ref})

    register_payable("tournament_fee", resolver, on_succeeded=lambda payment: seen.append(("ok", payment.pk)))
    yield seen
    unregister_payable("tournament_fee")


def test_the_server_prices_what_the_client_names(hooks, gateway, user, tournament, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment, intent = StripeService().create_payable_intent(
            user, "tournament_fee", str(tournament.pk), payment_method="pm_card_visa", confirm=True
        )
    assert (payment.amount, payment.currency, payment.description) == (Decimal("10.00"), "usd", "Entry: Spring Cup")
    assert payment.reference == tournament
    assert payment.metadata == {"t": str(tournament.pk)}
    assert intent.amount == 1000
    assert hooks == [("ok", payment.pk)]
    assert "tournament_fee" in registered_payment_types()


def test_unknown_types_and_references_are_refused(hooks, user):
    with pytest.raises(UnknownPaymentType):
        resolve_payable("coaching", "1", user)
    for ref in ("999", "abc", "", None, True):
        with pytest.raises(UnknownPayable):
            resolve_payable("tournament_fee", ref, user)


def test_registration_is_validated():
    with pytest.raises(UnknownPaymentType):
        register_payable("Bad Type", lambda ref, user: None)
    with pytest.raises(PaymentsConfigurationError):
        register_payable("ok_type", "not callable")


def test_a_resolver_must_return_a_payable(user):
    register_payable("broken", lambda ref, user: Decimal("10"))
    try:
        with pytest.raises(PaymentsConfigurationError, match="must return"):
            resolve_payable("broken", "1", user)
    finally:
        unregister_payable("broken")


def test_signals_module_holds_only_signals():
    from django.dispatch import Signal

    public = {
        name: value
        for name, value in vars(signals).items()
        if not name.startswith("_") and name not in {"annotations", "Signal"}
    }
    assert public
    assert all(isinstance(value, Signal) for value in public.values())


def test_a_hook_or_receiver_that_raises_is_logged_and_the_charge_stands(
    gateway, user, tournament, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    from eyt_payments.integrations import audit

    entries = []
    monkeypatch.setattr(audit, "record", lambda action, target, **kwargs: entries.append((action, target, kwargs)))

    def resolver(ref, user):
        return Payable(tournament.entry_fee, tournament.currency, "Entry", tournament)

    calls = []

    def failing_receiver(sender, payment, **kwargs):
        raise RuntimeError("receiver bug")

    def counting_receiver(sender, payment, **kwargs):
        calls.append(payment.pk)

    register_payable("boom_fee", resolver, on_succeeded=lambda payment: 1 / 0)
    signals.payment_succeeded.connect(failing_receiver)
    signals.payment_succeeded.connect(counting_receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            payment, intent = StripeService().create_payable_intent(
                user, "boom_fee", str(tournament.pk), payment_method="pm_card_visa", confirm=True
            )
    finally:
        unregister_payable("boom_fee")
        signals.payment_succeeded.disconnect(failing_receiver)
        signals.payment_succeeded.disconnect(counting_receiver)
    assert intent.status == "succeeded"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert calls == [payment.pk]  # the other receivers still ran
    failures = [r for r in caplog.records if r.name == "eyt_payments" and r.levelname == "ERROR"]
    assert [r.getMessage() for r in failures] == [
        f"eyt_payments: the receiver {failing_receiver.__qualname__} raised for payment {payment.pk} "
        "(boom_fee, status succeeded); the payment's change stands",
        f"eyt_payments: the boom_fee on_succeeded hook raised for payment {payment.pk} "
        "(boom_fee, status succeeded); the payment's change stands",
    ]
    assert [type(r.exc_info[1]) for r in failures] == [RuntimeError, ZeroDivisionError]
    failed = [(target, kwargs) for action, target, kwargs in entries if action == "hook_failed"]
    assert failed == [
        (payment, {"metadata": {"what": what, "status": "succeeded", "error": error}, "outcome": "error"})
        for what, error in (
            (f"receiver {failing_receiver.__qualname__}", "RuntimeError"),
            ("boom_fee on_succeeded hook", "ZeroDivisionError"),
        )
    ]


def test_a_resolvers_own_refusal_reaches_the_caller_as_raised(user):
    def resolver(ref, user):
        raise AlreadyPaid(user_message="You are already registered.")

    register_payable("seat_fee", resolver)
    try:
        with pytest.raises(AlreadyPaid) as refused:
            resolve_payable("seat_fee", "7", user)
    finally:
        unregister_payable("seat_fee")
    assert (refused.value.code, refused.value.user_message) == ("already_paid", "You are already registered.")
