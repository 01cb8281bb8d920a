"""Admin pages: payments, refunds, customers and saved cards read-only (money changes go through the service),
the webhook inbox with a replay action, and a refund action on payments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from eyt_payments.admin_search import user_search_fields
from eyt_payments.exceptions import GatewayError, PaymentValidationError, RefundNotAllowed
from eyt_payments.models import Customer, Payment, PaymentMethod, Refund, WebhookEvent


class CappedCountPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``): payments and webhook events
    grow without bound, and the admin would count them all on every page."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        """The number of rows: for a queryset counted only up to ``cap`` + 1, so a larger table shows as ``cap`` + 1."""
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            return queryset[: self.cap + 1].count()
        return len(queryset)


class LargeTableAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """No full count of the table, and no facet counts (one COUNT over the table per filter value)."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class ReadOnlyAdmin(LargeTableAdmin):
    """A large-table admin in which nothing can be added, changed or deleted: money changes go through
    ``StripeService``."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: these rows are written by the service and the webhook worker."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: the rows can be viewed only."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: payment records are kept."""
        return False


class RefundInline(admin.TabularInline):  # type: ignore[type-arg]
    """The payment's refund ledger, read-only, on its admin page."""

    model = Refund
    extra = 0
    can_delete = False
    fields = ("sequence", "amount", "currency", "status", "reason", "stripe_refund_id", "requested_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never: refunds are made with the payment list's ``refund`` action."""
        return False


class RefundForm(forms.Form):
    """The refund action's form: an amount (empty refunds everything left) and an optional Stripe reason."""

    amount = forms.DecimalField(
        required=False, min_value=0, help_text=_("Leave empty to refund everything that is left.")
    )
    reason = forms.ChoiceField(choices=[("", "---------"), *Refund.Reason.choices], required=False)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Payments, read-only, with a ``refund`` action for users holding ``eyt_payments.add_refund``."""

    list_display = ("id", "user", "payment_type", "amount", "currency", "status", "livemode", "created_at")
    list_filter = ("status", "payment_type", "currency", "livemode")
    search_fields = ("id", "stripe_payment_intent_id", "stripe_charge_id")  # and the user's, get_search_fields()
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    inlines = [RefundInline]
    actions = ["refund"]

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """The payment's own search fields plus the user's login and email fields (``user_search_fields``)."""
        return (*self.search_fields, *user_search_fields("user"))

    def has_refund_permission(self, request: HttpRequest) -> bool:
        """Whether the user may run the ``refund`` action: the ``eyt_payments.add_refund`` permission (the adapter's
        ``may_refund`` is asked again per payment)."""
        return bool(request.user.has_perm("eyt_payments.add_refund"))

    @admin.action(description=_("Refund selected payments"), permissions=["refund"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> HttpResponse | None:
        """Asks for an amount (one payment) or refunds in full, through ``StripeService.refund_payment``."""
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Refund payments"),
                "opts": self.model._meta,
                "payments": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/eyt_payments/refund.html", context)
        amount = form.cleaned_data["amount"]
        if amount is not None and queryset.count() != 1:
            self.message_user(request, _("An amount can be given for one payment at a time."), messages.ERROR)
            return None
        self._refund_each(request, queryset, amount, form.cleaned_data["reason"] or None)
        return None

    def _refund_each(self, request: HttpRequest, queryset: QuerySet[Payment], amount: Any, reason: str | None) -> None:
        from eyt_payments.services import StripeService

        service = StripeService()
        for payment in queryset:
            try:
                refund = service.refund_payment(payment, amount, reason, requested_by=request.user)
            except (PaymentValidationError, RefundNotAllowed, GatewayError) as error:
                self.message_user(request, f"{payment.pk}: {error.user_message}", messages.ERROR)
            else:
                self.message_user(request, f"{payment.pk}: refunded {refund.amount} {refund.currency.upper()}.")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """The refund ledger, read-only."""

    list_display = ("id", "payment", "sequence", "amount", "currency", "status", "reason", "created_at")
    list_filter = ("status", "reason")
    search_fields = ("id", "stripe_refund_id", "payment__id")
    list_select_related = ("payment",)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Stripe customers, read-only, searchable by the user's login and email fields."""

    list_display = ("stripe_customer_id", "user", "livemode", "created_at", "deleted_at")
    search_fields = ("stripe_customer_id",)  # and the user's, get_search_fields()
    list_select_related = ("user",)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """The customer id plus the user's login and email fields (``user_search_fields``)."""
        return (*self.search_fields, *user_search_fields("user"))


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    """Saved cards, read-only (brand, last four digits and expiry only; no card data is stored)."""

    list_display = ("stripe_payment_method_id", "customer", "brand", "last4", "exp_month", "exp_year", "is_default")
    search_fields = ("stripe_payment_method_id", "customer__stripe_customer_id", "last4")
    list_select_related = ("customer",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """The webhook inbox, read-only, with a ``replay`` action that processes the selected events again."""

    list_display = ("id", "type", "status", "attempts", "created", "received_at", "next_attempt_at", "note")
    list_filter = ("status", "type", "livemode")
    search_fields = ("id", "object_id")
    date_hierarchy = "created"
    readonly_fields = (
        "id",
        "type",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "note",
        "livemode",
        "api_version",
        "created",
        "object_id",
        "received_at",
        "processed_at",
        "audit_context",
        "body",
    )
    actions = ["replay"]

    def has_replay_permission(self, request: HttpRequest) -> bool:
        """Whether the user may run the ``replay`` action: the ``eyt_payments.change_webhookevent`` permission."""
        return bool(request.user.has_perm("eyt_payments.change_webhookevent"))

    @admin.action(description=_("Process selected events again"), permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        """Processes the selected events again, oldest first, whatever their status, and reports each one's new
        status."""
        from eyt_payments.webhooks.processing import replay

        results = replay(list(queryset.order_by("created").values_list("pk", flat=True)))
        summary = ", ".join(f"{event_id}: {status}" for event_id, status in results.items())
        self.message_user(
            request, _("Replayed %(count)s event(s): %(summary)s") % {"count": len(results), "summary": summary}
        )
