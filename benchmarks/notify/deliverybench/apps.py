from django.apps import AppConfig


class DeliveryBenchConfig(AppConfig):
    name = "deliverybench"

    def ready(self) -> None:
        from eyt_notify.types import NotificationType, register_type

        register_type(NotificationType("bench.email", category="bench", channels=("inapp", "email")))
