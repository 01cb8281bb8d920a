from django.apps import AppConfig


class TournamentsConfig(AppConfig):
    name = "tournaments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from eyt_audit import register
        from tournaments import billing
        from tournaments.models import Registration, Tournament

        billing.register()
        for model in (Registration, Tournament):
            register(model)  # each create, change and delete in the audit trail, with the request that did it
