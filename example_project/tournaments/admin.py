from django.contrib import admin

from tournaments.models import Registration, Tournament


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["player"]


@admin.register(Tournament)
class TournamentAdmin(admin.ModelAdmin):
    list_display = ["name", "game", "starts_at", "entry_fee", "currency", "capacity"]
    list_filter = ["game", "currency"]
    search_fields = ["name", "game"]
    inlines = [RegistrationInline]
