"""On PostgreSQL: concurrent refunds of one payment, each from its own connection, never exceed it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from eyt_payments.exceptions import InvalidRefund
from eyt_payments.models import Payment, Refund
from eyt_payments.services import StripeService
from tests.conftest import paid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_partial_refunds_never_exceed_the_payment(gateway, user):
    assert connection.vendor == "postgresql"
    payment = paid(StripeService(), user, "30.00")
    start = threading.Barrier(10)

    def refund(_):
        start.wait()
        try:
            return StripeService().refund_payment(Payment.objects.get(pk=payment.pk), "4.00").amount_minor
        except InvalidRefund:
            return 0
        finally:
            connections.close_all()

    with ThreadPoolExecutor(10) as pool:
        granted = list(pool.map(refund, range(10)))

    payment.refresh_from_db()
    assert sorted(granted) == [0, 0, 0] + [400] * 7
    assert payment.amount_refunded_minor == 2800 == sum(Refund.objects.values_list("amount_minor", flat=True))
    assert sorted(Refund.objects.values_list("sequence", flat=True)) == list(range(1, 8))
    remote = [r["amount"] for r in gateway.store.objects("refund")]
    assert sum(remote) == 2800
    assert len(remote) == 7
    assert payment.status == "partially_refunded"
