from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from eyt_audit import register
        from teams import billing
        from teams.models import Invitation, Team, TeamEntry

        billing.register()
        for model in (Invitation, Team, TeamEntry):
            register(model)  # each create, change and delete in the audit trail, with the request that did it
