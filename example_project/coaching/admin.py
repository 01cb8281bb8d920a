from django.contrib import admin

from coaching.models import Coach, CoachingSession


@admin.register(Coach)
class CoachAdmin(admin.ModelAdmin):
    list_display = ["user", "games", "hourly_rate", "currency"]


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["coach", "player", "starts_at", "minutes", "status"]
    list_filter = ["status"]
    raw_id_fields = ["player"]
