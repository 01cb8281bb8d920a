from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "venues"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from eyt_audit import register
        from venues import billing
        from venues.models import Venue, VenueBooking

        billing.register()
        for model in (Venue, VenueBooking):
            register(model)  # each create, change and delete in the audit trail, with the request that did it
