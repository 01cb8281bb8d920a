from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EytAuditConfig(AppConfig):
    name = "eyt_audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished, request_started

        from eyt_audit import checks  # noqa: F401  (registers the system checks)
        from eyt_audit.limits.signals import security_event_reported
        from eyt_audit.security import forward_limits_event, record_login
        from eyt_audit.security_store import close_private_connections

        security_event_reported.connect(forward_limits_event, dispatch_uid="eyt_audit.security_events")
        user_logged_in.connect(record_login, dispatch_uid="eyt_audit.login_succeeded")
        request_started.connect(close_private_connections, dispatch_uid="eyt_audit.security_connections")
        request_finished.connect(close_private_connections, dispatch_uid="eyt_audit.security_connections")
