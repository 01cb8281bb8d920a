from __future__ import annotations

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class EytPaymentsConfig(AppConfig):
    name = "eyt_payments"
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from eyt_payments import checks  # noqa: F401  (registers the system checks)
        from eyt_payments.gateways import reset_gateway_on_setting_change
        from eyt_payments.hooks import reset_adapter_on_setting_change

        setting_changed.connect(reset_gateway_on_setting_change, dispatch_uid="eyt_payments.gateway")
        setting_changed.connect(reset_adapter_on_setting_change, dispatch_uid="eyt_payments.adapter")
        if apps.is_installed("django.contrib.admin"):
            from eyt_payments import admin_refund_requests  # noqa: F401  (registers RefundRequest's admin)
