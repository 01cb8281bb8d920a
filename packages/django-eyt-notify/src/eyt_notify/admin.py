from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from eyt_notify.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    PushSubscription,
    QuietHours,
)

# The admin classes are generic only in django-stubs (subscripting them fails at runtime).
if TYPE_CHECKING:
    _DeliveryInline = admin.TabularInline[Delivery, Notification]
    _NotificationAdmin = admin.ModelAdmin[Notification]
    _DeliveryAdmin = admin.ModelAdmin[Delivery]
    _NotificationTemplateAdmin = admin.ModelAdmin[NotificationTemplate]
    _NotificationPreferenceAdmin = admin.ModelAdmin[NotificationPreference]
else:
    _DeliveryInline = admin.TabularInline
    _NotificationAdmin = _DeliveryAdmin = _NotificationTemplateAdmin = _NotificationPreferenceAdmin = admin.ModelAdmin


class DeliveryInline(_DeliveryInline):
    model = Delivery
    extra = 0
    fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "provider_message_id", "last_error")
    readonly_fields = fields
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(_NotificationAdmin):
    list_display = ("title", "recipient", "notification_type", "priority", "created_at", "read_at")
    list_filter = ("priority", "notification_type", "category")
    search_fields = ("title", "message")
    raw_id_fields = ("recipient", "actor")
    list_select_related = ("recipient",)
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(_DeliveryAdmin):
    list_display = ("notification", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    raw_id_fields = ("notification",)
    list_select_related = ("notification",)


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
