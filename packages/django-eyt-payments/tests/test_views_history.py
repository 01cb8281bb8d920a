"""History (paginated, filtered), its streamed CSV export, and the payment detail page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from eyt_payments.models import Payment
from tests.conftest import open_payment, paid

pytestmark = pytest.mark.django_db

HISTORY = reverse("eyt_payments:history")
EXPORT = reverse("eyt_payments:history_export")


def rows(response):
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def dated(payment, day):
    Payment.objects.filter(pk=payment.pk).update(created_at=datetime.datetime(2026, 3, day, 12, tzinfo=datetime.UTC))
    return payment


def test_history_needs_login(client):
    assert client.get(HISTORY).status_code == 302
    assert client.get(EXPORT).status_code == 302


def test_history_pages_newest_first(ada, user, service, settings):
    settings.EYT_PAYMENTS_HISTORY_PAGE_SIZE = 2
    payments = [dated(paid(service, user, amount=f"{n}.00"), n) for n in range(1, 6)]
    first = ada.get(HISTORY).content.decode()
    assert first.index(str(payments[4].pk)) < first.index(str(payments[3].pk))
    assert str(payments[2].pk) not in first
    assert "Page 1 of 3" in first
    last = ada.get(HISTORY, {"page": 3}).content.decode()
    assert str(payments[0].pk) in last
    assert str(payments[1].pk) not in last


def test_history_filters_by_status_type_and_dates(ada, user, service):
    succeeded = dated(paid(service, user), 1)
    pending = dated(open_payment(service, user, amount="11.00"), 10)
    coaching, _ = service.create_payment_intent(user, "12.00", "coaching")
    dated(coaching, 20)
    assert _ids(ada, status="succeeded") == {succeeded.pk}
    assert _ids(ada, type="coaching") == {coaching.pk}
    assert _ids(ada, date_from="2026-03-05", date_to="2026-03-15") == {pending.pk}
    assert _ids(ada, date_from="2026-03-05") == {pending.pk, coaching.pk}


def _ids(client, **query):
    html = client.get(HISTORY, query).content.decode()
    return {payment.pk for payment in Payment.objects.all() if f'data-payment="{payment.pk}"' in html}


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"type": "unknown_type"},
        {"date_from": "yesterday"},
        {"date_from": "2026-03-10", "date_to": "2026-03-01"},
    ],
)
def test_bad_filters_are_a_400_with_the_form_errors(ada, user, service, query):
    paid(service, user)
    response = ada.get(HISTORY, query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "data-payment=" not in response.content.decode()
    assert ada.get(EXPORT, query).status_code == 400


def test_history_shows_only_my_payments(ada, bob, user, other_user, service):
    mine, theirs = paid(service, user), paid(service, other_user)
    html = ada.get(HISTORY).content.decode()
    assert str(mine.pk) in html
    assert str(theirs.pk) not in html
    assert [row[0] for row in rows(ada.get(EXPORT))[1:]] == [str(mine.pk)]


def test_csv_export_streams_filtered_rows(ada, user, service):
    payment = paid(service, user, amount="25.50")
    open_payment(service, user, amount="11.00")
    response = ada.get(EXPORT, {"status": "succeeded"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payments-')
    header, *body = rows(response)
    assert header == [
        "id",
        "created",
        "type",
        "description",
        "status",
        "amount",
        "currency",
        "refunded",
        "stripe_fee",
        "platform_fee",
    ]
    assert body == [
        [
            str(payment.pk),
            payment.created_at.isoformat(),
            "tournament_fee",
            "",
            "succeeded",
            "25.50",
            "USD",
            "0.00",
            "1.04",
            "0.00",
        ]
    ]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)", "\tcmd"])
def test_csv_cells_never_start_a_formula(ada, user, service, text):
    service.create_payment_intent(user, "10.00", "tournament_fee", description=text)
    description = rows(ada.get(EXPORT))[1][3]
    assert description == "'" + text


def test_detail_shows_refunds_and_fees(ada, user, service):
    payment = paid(service, user, amount="20.00")
    service.refund_payment(payment, "5.00")
    Payment.objects.filter(pk=payment.pk).update(actual_stripe_fee_minor=88, stripe_net_minor=1912)
    html = ada.get(reverse("eyt_payments:detail", args=[payment.pk])).content.decode()
    assert "Partially refunded" in html
    assert "5.00 USD" in html
    assert "Processing fee</dt><dd>0.88 USD" in html
    assert "19.12 USD" in html
    assert "Request a refund" in html


def test_detail_shows_the_real_fee_in_its_settlement_currency(ada, user, service):
    payment = paid(service, user, amount="20.00", currency="eur")
    Payment.objects.filter(pk=payment.pk).update(
        actual_stripe_fee_minor=95, stripe_net_minor=2105, stripe_fee_currency="usd"
    )
    html = ada.get(reverse("eyt_payments:detail", args=[payment.pk])).content.decode()
    assert "Processing fee</dt><dd>0.95 USD" in html
    assert "21.05 USD" in html
    payment.refresh_from_db()
    assert (payment.actual_stripe_fee, payment.fee_currency) == (Decimal("0.95"), "usd")
    assert rows(ada.get(EXPORT))[1][8] == str(payment.estimated_stripe_fee)  # the EUR column keeps the estimate


def test_detail_of_an_open_payment_offers_no_refund(ada, user, service):
    payment = open_payment(service, user)
    html = ada.get(reverse("eyt_payments:detail", args=[payment.pk])).content.decode()
    assert "Processing fee (estimate)" in html
    assert "Request a refund" not in html


def test_detail_is_mine_only(bob, user, service):
    payment = paid(service, user)
    assert bob.get(reverse("eyt_payments:detail", args=[payment.pk])).status_code == 404


def test_history_updates_after_a_payment(ada, user, service):
    payment = open_payment(service, user)
    assert 'data-status="pending"' in ada.get(HISTORY).content.decode()
    service.confirm_payment(payment, payment_method="pm_card_visa")
    assert 'data-status="succeeded"' in ada.get(HISTORY).content.decode()
    assert ada.get(HISTORY)["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_export_streams_from_an_async_iterator(user, service):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    payments = [paid(service, user, amount=f"{n}.00") for n in range(1, 4)]
    client = AsyncClient()

    async def export():
        await client.aforce_login(user)
        response = await client.get(EXPORT)
        assert response.is_async  # Django's ASGI handler would read a sync iterator whole before the first byte
        return b"".join([chunk async for chunk in response.streaming_content]).decode()

    lines = list(csv.reader(io.StringIO(async_to_sync(export)())))
    assert lines[0][0] == "id"
    assert sorted(row[0] for row in lines[1:]) == sorted(str(payment.pk) for payment in payments)
