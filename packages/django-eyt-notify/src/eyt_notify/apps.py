from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EytNotifyConfig(AppConfig):
    name = "eyt_notify"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from eyt_notify import checks, handlers  # noqa: F401  (registers the system checks and receivers)

        user_model = get_user_model()
        post_save.connect(handlers.forget_user_auth, sender=user_model, dispatch_uid="eyt_notify.forget_user_auth")
        post_delete.connect(handlers.forget_user_auth, sender=user_model, dispatch_uid="eyt_notify.forget_user_del")
