from django.apps import AppConfig


class EsportsConfig(AppConfig):
    name = "esports"
    verbose_name = "EYT Gaming"

    def ready(self) -> None:
        from esports import notifications, receivers  # noqa: F401  (notification types, payment receivers)

        notifications.register_types()
