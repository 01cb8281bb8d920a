"""Admin for customers' refund requests: approve (refunds through ``StripeService``) or reject, in bulk.

Imported by ``EytPaymentsConfig.ready`` when django.contrib.admin is installed. Deciding needs the
``eyt_payments.add_refund`` permission, and approving also the adapter's ``may_refund``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from eyt_payments.admin_search import user_search_fields
from eyt_payments.exceptions import PaymentsError
from eyt_payments.models import RefundRequest
from eyt_payments.refund_requests import approve_refund_request, reject_refund_request

# ModelAdmin is generic only in django-stubs (subscripting it fails at runtime).
if TYPE_CHECKING:
    _RefundRequestAdmin = admin.ModelAdmin[RefundRequest]
else:
    _RefundRequestAdmin = admin.ModelAdmin


@admin.register(RefundRequest)
class RefundRequestAdmin(_RefundRequestAdmin):
    """Customers' refund requests, read-only, with bulk ``approve`` and ``reject`` actions for pending ones."""

    list_display = ("created_at", "payment", "requested_by", "amount_asked", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("payment", "requested_by", "decided_by")
    search_fields = ("payment__id", "reason")  # and the requester's, get_search_fields()
    readonly_fields = (
        "payment",
        "requested_by",
        "amount_asked",
        "reason",
        "status",
        "refund",
        "decided_by",
        "decided_at",
        "created_at",
    )
    fields = readonly_fields
    actions = ["approve", "reject"]

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """The payment id and reason plus the requester's login and email fields (``user_search_fields``)."""
        return (*self.search_fields, *user_search_fields("requested_by"))

    @admin.display(description=_("amount"))
    def amount_asked(self, obj: RefundRequest) -> str:
        """The amount asked for with its currency, or "everything left" when the request named none."""
        amount = obj.amount
        return str(_("everything left")) if amount is None else f"{amount} {obj.payment.currency.upper()}"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: customers create requests from the payment pages."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: a request is decided with the actions, not edited."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: decided and pending requests are kept."""
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """Whether the user may approve or reject: the ``eyt_payments.add_refund`` permission."""
        return bool(request.user.has_perm("eyt_payments.add_refund"))

    @admin.action(description=_("Approve and refund the selected requests"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[RefundRequest]) -> None:
        """Approves the selected pending requests, refunding each through ``StripeService``; a refusal is reported
        per request and the others still run."""
        self._decide(request, queryset, approve_refund_request, "approved")

    @admin.action(description=_("Reject the selected requests"), permissions=["decide"])
    def reject(self, request: HttpRequest, queryset: QuerySet[RefundRequest]) -> None:
        """Rejects the selected pending requests; nothing is refunded."""
        self._decide(request, queryset, reject_refund_request, "rejected")

    def _decide(self, request: HttpRequest, queryset: QuerySet[RefundRequest], decide: Any, verb: str) -> None:
        done = 0
        for refund_request in queryset.filter(status=RefundRequest.Status.PENDING):
            try:
                decide(refund_request, request.user)
            except PaymentsError as error:
                self.message_user(request, f"#{refund_request.pk}: {error.user_message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d request %(verb)s.", "%(count)d requests %(verb)s.", done)
                % {"count": done, "verb": verb},
                messages.SUCCESS,
            )
