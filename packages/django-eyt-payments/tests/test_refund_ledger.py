"""Property: no sequence of refund requests ever refunds more than was captured."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eyt_payments.exceptions import InvalidAmount, InvalidRefund
from eyt_payments.models import Payment, Refund
from eyt_payments.services import StripeService

pytestmark = pytest.mark.django_db

requests = st.lists(st.one_of(st.none(), st.integers(min_value=-100, max_value=6000)), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount_minor=st.integers(min_value=50, max_value=5000), asks=requests)
def test_refunds_never_exceed_the_payment(gateway, user, amount_minor, asks):
    service = StripeService()
    payment, _ = service.create_payment_intent(
        user, Decimal(amount_minor) / 100, "coaching", payment_method="pm_card_visa", confirm=True
    )
    granted = 0
    for ask in asks:
        try:
            refund = service.refund_payment(payment, None if ask is None else Decimal(ask) / 100)
        except (InvalidRefund, InvalidAmount):
            continue
        granted += refund.amount_minor
    payment.refresh_from_db()
    ledger = sum(Refund.objects.filter(payment=payment).values_list("amount_minor", flat=True))
    remote = sum(
        r["amount"] for r in gateway.store.objects("refund") if r["payment_intent"] == payment.stripe_payment_intent_id
    )
    assert granted == ledger == remote == payment.amount_refunded_minor <= payment.amount_minor
    assert payment.status == ("refunded" if ledger == amount_minor else "partially_refunded" if ledger else "succeeded")
    assert Payment.objects.filter(pk=payment.pk, amount_refunded_minor__lte=amount_minor).exists()
