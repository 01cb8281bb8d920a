"""On PostgreSQL: one event delivered 20 times at once, from 20 connections, is processed exactly once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from eyt_payments.models import WebhookEvent
from eyt_payments.payables import register_payable, unregister_payable
from tests.conftest import open_payment
from tests.stripe_events import event, intent, signed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_give_one_transition_one_signal_one_notification(
    service, user, received, webhook_secret
):
    assert connection.vendor == "postgresql"
    notified = []
    register_payable("concurrent_fee", lambda ref, user: None, on_succeeded=lambda payment: notified.append(payment.pk))
    try:
        payment = open_payment(service, user)
        payment.payment_type = "concurrent_fee"
        payment.save(update_fields=["payment_type"])
        body, header = signed(event("payment_intent.succeeded", intent(payment, "succeeded")))
        start = threading.Barrier(20)

        def deliver(_):
            start.wait()
            try:
                return (
                    Client()
                    .post("/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
                    .status_code
                )
            finally:
                connections.close_all()

        with ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(deliver, range(20)))
    finally:
        unregister_payable("concurrent_fee")

    assert statuses == [200] * 20
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == ("processed", 1)
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert [name for name, _ in received] == ["payment_succeeded"]
    assert notified == [payment.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_crash_between_insert_and_processing_loses_nothing_on_postgres(
    client, service, user, settings, webhook_secret
):
    from django.core.management import call_command

    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False  # the process dies before any worker is woken
    payment = open_payment(service, user)
    body, header = signed(event("payment_intent.succeeded", intent(payment, "succeeded")))
    assert (
        client.post(
            "/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        ).status_code
        == 200
    )
    assert WebhookEvent.objects.get().status == "pending"
    call_command("eyt_payments_process_webhooks")
    payment.refresh_from_db()
    assert payment.status == "succeeded"
