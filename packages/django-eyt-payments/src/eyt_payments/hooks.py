"""Policy hooks for host projects: one adapter class, chosen by ``EYT_PAYMENTS_ADAPTER``.

Subclass ``DefaultPaymentsAdapter``, override the methods you need, and point the setting at your class.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from django.utils.module_loading import import_string

from eyt_payments.conf import settings
from eyt_payments.exceptions import PaymentsConfigurationError


class DefaultPaymentsAdapter:
    """The default policy. Every method is small and meant to be overridden."""

    def may_refund(self, user: Any, payment: Any) -> bool:
        """Whether ``user`` may refund ``payment``. ``None`` is the system (commands, webhooks, tasks): allowed.
        By default staff with the ``eyt_payments.add_refund`` permission may refund; customers ask staff."""
        if user is None:
            return True
        return bool(user.is_active and user.has_perm("eyt_payments.add_refund"))

    def allows_repeat_payment(self, user: Any, payment_type: str, obj: Any) -> bool:
        """Whether ``user`` may pay for ``obj`` again through ``create_payable_intent`` after paying for it in
        full. Default: no, so a reloaded checkout cannot charge twice; allow it for things bought repeatedly."""
        return False

    def refund_deadline(self, payment: Any) -> datetime | None:
        """Until when ``payment`` can be refunded; ``None`` means no deadline."""
        succeeded_at: datetime | None = payment.succeeded_at
        if succeeded_at is None:
            return None
        return succeeded_at + timedelta(days=settings.EYT_PAYMENTS_REFUND_WINDOW_DAYS)

    def customer_name(self, user: Any) -> str:
        """The name sent to Stripe for ``user``'s customer: ``get_full_name()`` when the user model has one and it
        is not empty, else ``str(user)`` (the username for Django's ``User``; a custom user model's own ``__str__``
        rather than its login field, which may be the email address)."""
        full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        return full_name or str(user)

    def customer_email(self, user: Any) -> str:
        """The email sent to Stripe for ``user``'s customer (receipts go there): the user model's
        ``EMAIL_FIELD``."""
        field = user.get_email_field_name() if hasattr(user, "get_email_field_name") else "email"
        return getattr(user, field, "") or ""

    def statement_descriptor_suffix(self, payment_type: str) -> str:
        """Up to 22 characters added to the card statement descriptor; empty sends none."""
        return ""


_lock = threading.Lock()
_adapter: DefaultPaymentsAdapter | None = None


def get_adapter() -> DefaultPaymentsAdapter:
    """The adapter named by ``EYT_PAYMENTS_ADAPTER``, built once."""
    global _adapter
    adapter = _adapter
    if adapter is None:
        with _lock:
            if _adapter is None:
                _adapter = load_adapter(settings.EYT_PAYMENTS_ADAPTER)
            adapter = _adapter
    return adapter


def load_adapter(path: str) -> DefaultPaymentsAdapter:
    """An instance of the adapter class at dotted ``path``; ``PaymentsConfigurationError`` if it cannot be imported
    or does not subclass ``DefaultPaymentsAdapter``."""
    try:
        adapter_class = import_string(path)
    except ImportError as error:
        raise PaymentsConfigurationError(f"Could not import EYT_PAYMENTS_ADAPTER {path!r}: {error}") from error
    if not (isinstance(adapter_class, type) and issubclass(adapter_class, DefaultPaymentsAdapter)):
        raise PaymentsConfigurationError(f"EYT_PAYMENTS_ADAPTER {path!r} must subclass DefaultPaymentsAdapter.")
    return adapter_class()


def reset_adapter_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: forgets the cached adapter when ``EYT_PAYMENTS_ADAPTER`` changes."""
    global _adapter
    if setting == "EYT_PAYMENTS_ADAPTER":
        with _lock:
            _adapter = None
