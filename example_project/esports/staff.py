"""Staff pages: the audit trail with security events, and a dashboard of money and deliveries."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from eyt_audit.models import AuditEntry
from eyt_notify.models import Delivery
from eyt_payments.models import Payment, Refund
from eyt_payments.money import format_amount

PAGE = 50


@staff_member_required
def audit(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.order_by("-sequence")
    request_id = request.GET.get("request", "").strip()
    if request_id:
        entries = entries.filter(request_id=request_id)
    context = {"entries": entries[:PAGE], "request_id": request_id, "security_events": security_events()}
    return render(request, "esports/staff/audit.html", context)


def security_events() -> list[object]:
    try:
        from eyt_audit.models import SecurityEvent
    except ImportError:  # an eyt_audit without security events
        return []
    return list(SecurityEvent.objects.order_by("-last_seen")[:PAGE])


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    payments = (
        Payment.objects.values("currency")
        .annotate(
            count=Count("pk"),
            taken=Sum("amount_minor", filter=Q(status__in=["succeeded", "partially_refunded", "refunded"])),
            refunded=Sum("amount_refunded_minor"),
        )
        .order_by("currency")
    )
    money = [
        {
            "currency": row["currency"].upper(),
            "count": row["count"],
            "taken": format_amount(row["taken"] or 0, row["currency"]),
            "refunded": format_amount(row["refunded"] or 0, row["currency"]),
        }
        for row in payments
    ]
    context = {
        "money": money,
        "payments_by_status": Payment.objects.values("status").annotate(count=Count("pk")).order_by("status"),
        "refunds_by_status": Refund.objects.values("status").annotate(count=Count("pk")).order_by("status"),
        "deliveries": Delivery.objects.values("channel", "status")
        .annotate(count=Count("pk"))
        .order_by("channel", "status"),
    }
    return render(request, "esports/staff/dashboard.html", context)
