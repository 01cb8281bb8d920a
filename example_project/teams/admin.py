from django.contrib import admin

from teams.models import Announcement, Invitation, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "captain"]
    filter_horizontal = ["members"]


admin.site.register(Invitation)
admin.site.register(Announcement)
