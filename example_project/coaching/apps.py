from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from coaching import billing
        from coaching.models import Coach, CoachingSession
        from eyt_audit import register

        billing.register()
        for model in (Coach, CoachingSession):
            register(model)  # each create, change and delete in the audit trail, with the request that did it
