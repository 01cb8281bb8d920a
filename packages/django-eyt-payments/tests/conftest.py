from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from eyt_payments.gateways import get_gateway, reset_gateway
from eyt_payments.services import StripeService
from eyt_testing.localstripe import localstripe  # noqa: F401  (session fixture)

pytest_plugins = ["tests.pages"]  # the page tests' fixtures (payable, ada, bob)


@pytest.fixture(autouse=True)
def fresh_gateway():
    reset_gateway()
    yield
    reset_gateway()


@pytest.fixture
def gateway():
    """The memory gateway of tests/settings.py, empty."""
    return get_gateway()


@pytest.fixture
def service(gateway):
    return StripeService()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", "ada@example.com", "pw", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("bob", "bob@example.com", "pw")


@pytest.fixture
def tournament(db):
    from tests.testapp.models import Tournament

    return Tournament.objects.create(name="Spring Cup")


def paid(service, user, amount="10.00", currency="usd", **kwargs):
    """A succeeded payment, paid with the test visa card."""
    payment, _ = service.create_payment_intent(
        user, amount, "tournament_fee", currency=currency, payment_method="pm_card_visa", confirm=True, **kwargs
    )
    return payment


@pytest.fixture
def webhook_secret(settings):
    """The endpoint's signing secrets during a roll: the current one and the previous one."""
    from tests.stripe_events import OLD_SECRET, SECRET

    settings.EYT_PAYMENTS_WEBHOOK_SECRET = [SECRET, OLD_SECRET]
    return SECRET


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a signed event and run what follows the commit (the wake-up task, then signals); returns its row."""
    from eyt_payments.models import WebhookEvent
    from tests.stripe_events import event, post

    def deliver(event_type, obj, **envelope):
        payload = event(event_type, obj, **envelope)
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, payload).status_code == 200
        return WebhookEvent.objects.get(pk=payload["id"])

    return deliver


@pytest.fixture
def received():
    """Every payments signal sent during the test, as (signal name, kwargs)."""
    from eyt_payments import signals

    calls = []
    names = ["payment_succeeded", "payment_failed", "payment_refunded", "payment_canceled", "payment_disputed"]
    receivers = {}
    for name in names:

        def receiver(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            calls.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False, dispatch_uid=f"test-{name}")
    yield calls
    for name in names:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


def open_payment(service, user, amount="10.00", **kwargs):
    """A payment whose intent waits for the customer (as after create-intent)."""
    payment, _ = service.create_payment_intent(user, amount, "tournament_fee", **kwargs)
    return payment
