"""Payment history: a paginated, filterable page and the same list as a streamed CSV export."""

from __future__ import annotations

import csv
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from eyt_payments import money, payables
from eyt_payments.conf import settings
from eyt_payments.forms import HistoryFilterForm
from eyt_payments.models import Payment
from eyt_payments.views.responses import no_store

CSV_COLUMNS = [
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
#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def _filter_form(request: HttpRequest) -> tuple[HistoryFilterForm, QuerySet[Payment]]:
    user: Any = request.user  # login_required: a signed-in user
    mine = Payment.objects.filter(user=user)
    types = sorted(set(payables.registered_payment_types()) | set(mine.values_list("payment_type", flat=True)))
    form = HistoryFilterForm(request.GET or None, payment_types=types)
    if request.GET and not form.is_valid():
        return form, mine.none()
    filtered = form.filter(mine) if form.is_bound else mine
    return form, filtered.order_by("-created_at")


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """The user's payments, newest first; ``?status=&type=&date_from=&date_to=&page=``."""
    form, payments = _filter_form(request)
    page = Paginator(payments, settings.EYT_PAYMENTS_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if form.errors else 200
    return no_store(render(request, "eyt_payments/history.html", {"form": form, "page": page}, status=status))


@login_required
@require_GET
def history_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered history as CSV, streamed row by row; cells a spreadsheet would run as formulas are quoted."""
    form, payments = _filter_form(request)
    if form.errors:
        return no_store(render(request, "eyt_payments/history.html", {"form": form, "page": None}, status=400))
    lines = _csv_lines(payments)
    content = _in_thread(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="payments-{stamp}.csv"'
    return no_store(response)


class _Line:
    """A file-like object whose ``write`` hands the line back to the generator."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> str:
    """The text of a CSV cell, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_lines(payments: QuerySet[Payment]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for payment in payments.iterator(chunk_size=500):
        yield writer.writerow([safe_cell(cell) for cell in _row(payment)])


async def _in_thread(lines: Iterator[str], batch: int = 500) -> AsyncIterator[str]:
    """Under ASGI, the rows read in the request's thread ``batch`` lines at a time: Django's ASGI handler reads a
    synchronous iterator whole into memory before sending the first byte."""
    take = sync_to_async(lambda: "".join(itertools.islice(lines, batch)))
    while chunk := await take():
        yield chunk


def _row(payment: Payment) -> list[Any]:
    # The real fee only when it is in the payment's currency (the column's); else the estimate.
    fee = payment.actual_stripe_fee_minor if payment.fee_currency == payment.currency else None
    return [
        payment.pk,
        payment.created_at.astimezone(UTC).isoformat(),
        payment.payment_type,
        payment.description,
        payment.status,
        payment.amount,
        payment.currency.upper(),
        payment.amount_refunded,
        money.from_minor(payment.estimated_stripe_fee_minor if fee is None else fee, payment.currency),
        payment.platform_fee,
    ]
