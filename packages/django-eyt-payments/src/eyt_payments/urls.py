"""URLs of django-eyt-payments: ``path("payments/", include("eyt_payments.urls"))``."""

from __future__ import annotations

from django.urls import path

from eyt_payments import views
from eyt_payments.webhooks.views import stripe_webhook

app_name = "eyt_payments"

urlpatterns = [
    path("webhook/", stripe_webhook, name="webhook"),
    path("create-intent/", views.create_intent, name="create_intent"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/<uuid:payment_id>/test-card/", views.test_card, name="test_card"),
    path("checkout/<uuid:payment_id>/authenticate/", views.test_authenticate, name="test_authenticate"),
    path("success/<uuid:payment_id>/", views.success, name="success"),
    path("cancel/", views.cancel, name="cancel"),
    path("methods/", views.methods, name="methods"),
    path("methods/add/", views.method_add, name="method_add"),
    path("methods/add/setup/", views.method_setup, name="method_setup"),
    path("methods/<int:method_id>/remove/", views.method_remove, name="method_remove"),
    path("methods/<int:method_id>/set-default/", views.method_set_default, name="method_set_default"),
    path("history/", views.history, name="history"),
    path("history/export/", views.history_export, name="history_export"),
    path("<uuid:payment_id>/", views.detail, name="detail"),
    path("<uuid:payment_id>/status/", views.status, name="status"),
    path("<uuid:payment_id>/refund/", views.refund, name="refund"),
]
