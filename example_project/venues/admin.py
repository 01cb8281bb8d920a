from django.contrib import admin

from venues.models import Venue, VenueBooking


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "hourly_rate", "currency"]


@admin.register(VenueBooking)
class VenueBookingAdmin(admin.ModelAdmin):
    list_display = ["venue", "booked_by", "starts_at", "hours", "status"]
    list_filter = ["status"]
