from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from eyt_notify.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    PushSubscription,
    QuietHours,
)
from eyt_notify.types import registered_types

# The admin classes are generic only in django-stubs (subscripting them fails at runtime).
if TYPE_CHECKING:
    _DeliveryInline = admin.TabularInline[Delivery, Notification]
    _NotificationAdmin = admin.ModelAdmin[Notification]
    _DeliveryAdmin = admin.ModelAdmin[Delivery]
    _NotificationTemplateAdmin = admin.ModelAdmin[NotificationTemplate]
    _NotificationPreferenceAdmin = admin.ModelAdmin[NotificationPreference]
    _Paginator = Paginator[Any]
else:
    _DeliveryInline = admin.TabularInline
    _NotificationAdmin = _DeliveryAdmin = _NotificationTemplateAdmin = _NotificationPreferenceAdmin = admin.ModelAdmin
    _Paginator = Paginator


class CappedCountPaginator(_Paginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``), not millions."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            return queryset[: self.cap + 1].count()
        return len(queryset)


class SortableChangeList(ChangeList):
    """Sorts by the ``sortable_by`` columns only, also on a hand-written ``?o=`` (Django checks it for the headers)."""

    def get_ordering_field(self, field_name: Any) -> Any:
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class RegisteredValueFilter(admin.SimpleListFilter):
    """Lists the registered types' values instead of reading the distinct values of millions of rows: the field
    ``attribute`` of each ``NotificationType`` (one value, or a tuple of them)."""

    attribute = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        values: set[str] = set()
        for kind in registered_types():
            value = getattr(kind, self.attribute)
            values.update(value if isinstance(value, tuple) else [value])
        return [(value, value) for value in sorted(values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{str(self.parameter_name): value}) if value else queryset


class TypeFilter(RegisteredValueFilter):
    title = _("type")
    parameter_name = "notification_type"
    attribute = "key"


class CategoryFilter(RegisteredValueFilter):
    title = _("category")
    parameter_name = "category"
    attribute = "category"


class ChannelFilter(RegisteredValueFilter):
    title = _("channel")
    parameter_name = "channel"
    attribute = "channels"


class DeliveryInline(_DeliveryInline):
    model = Delivery
    extra = 0
    fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "provider_message_id", "last_error")
    readonly_fields = fields
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(_NotificationAdmin):
    list_display = ("title", "recipient", "notification_type", "priority", "created_at", "read_at")
    list_filter = ("priority", TypeFilter, CategoryFilter)
    search_fields = ("title", "message")
    raw_id_fields = ("recipient", "actor")
    list_select_related = ("recipient",)
    # Millions of rows: newest first by the primary key (no index serves the model's created_at order), no other
    # sort, and no full count or facet counts.
    ordering = ("-id",)
    sortable_by = ()
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SortableChangeList

    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(_DeliveryAdmin):
    list_display = ("notification", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", ChannelFilter)
    raw_id_fields = ("notification",)
    list_select_related = ("notification",)
    sortable_by = ()  # as for notifications: newest first (by the primary key), and nothing counts every row
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SortableChangeList


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(_NotificationTemplateAdmin):
    list_display = ("notification_type", "channel", "language", "updated_at")
    list_filter = ("channel", "language")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(_NotificationPreferenceAdmin):
    list_display = ("user", "scope", "key", "channel", "enabled")
    raw_id_fields = ("user",)


admin.site.register(QuietHours, raw_id_fields=("user",), list_display=("user", "start", "end", "timezone", "enabled"))
admin.site.register(PushSubscription, raw_id_fields=("user",), list_display=("user", "endpoint", "created_at"))
