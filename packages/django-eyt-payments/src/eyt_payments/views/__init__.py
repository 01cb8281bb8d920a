"""The pages and JSON endpoints of ``eyt_payments.urls`` (the webhook lives in ``eyt_payments.webhooks``)."""

from __future__ import annotations

from eyt_payments.views.checkout import cancel, checkout, create_intent, status, success, test_authenticate, test_card
from eyt_payments.views.history import history, history_export
from eyt_payments.views.methods import method_add, method_remove, method_set_default, method_setup, methods
from eyt_payments.views.payments import detail, refund

__all__ = [
    "cancel",
    "checkout",
    "create_intent",
    "detail",
    "history",
    "history_export",
    "method_add",
    "method_remove",
    "method_set_default",
    "method_setup",
    "methods",
    "refund",
    "status",
    "success",
    "test_authenticate",
    "test_card",
]
