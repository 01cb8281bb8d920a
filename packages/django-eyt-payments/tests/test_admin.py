import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from tests.conftest import paid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["payment", "refund", "customer", "paymentmethod"])
def test_admin_lists_are_read_only(admin_client, service, user, model):
    payment = paid(service, user)
    service.refund_payment(payment, "1")
    response = admin_client.get(reverse(f"admin:eyt_payments_{model}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:eyt_payments_{model}_add")).status_code == 403


def test_payment_page_shows_its_refunds(admin_client, service, user):
    payment = paid(service, user)
    service.refund_payment(payment, "2.50")
    response = admin_client.get(reverse("admin:eyt_payments_payment_change", args=[payment.pk]))
    assert response.status_code == 200
    assert b"2.50" in response.content


def test_webhook_events_show_status_attempts_and_error(admin_client, settings, webhook_secret):
    from eyt_payments.models import WebhookEvent
    from tests.stripe_events import event, post, resource

    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    post(admin_client, event("invoice.paid", resource("invoice")))
    WebhookEvent.objects.update(status="dead", attempts=8, last_error="RuntimeError: boom")
    response = admin_client.get(reverse("admin:eyt_payments_webhookevent_changelist"))
    assert response.status_code == 200
    assert b"Dead-lettered" in response.content
    detail = admin_client.get(
        reverse("admin:eyt_payments_webhookevent_change", args=[quote(WebhookEvent.objects.get().pk)]), follow=True
    )
    assert detail.status_code == 200
    assert detail.redirect_chain == [], detail.redirect_chain
    assert b"RuntimeError: boom" in detail.content


def test_the_replay_action_processes_selected_events(admin_client, service, user, settings, webhook_secret):
    from eyt_payments.models import Payment, WebhookEvent
    from tests.conftest import open_payment
    from tests.stripe_events import event, intent, post

    settings.EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
    payment = open_payment(service, user)
    payload = event("payment_intent.succeeded", intent(payment, "succeeded"))
    post(admin_client, payload)
    WebhookEvent.objects.update(status="dead")
    response = admin_client.post(
        reverse("admin:eyt_payments_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [payload["id"]]},
        follow=True,
    )
    assert f"{payload['id']}: processed".encode() in response.content
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def test_the_refund_action_asks_for_an_amount_then_refunds_through_the_service(admin_client, service, user, gateway):
    payment = paid(service, user, "10.00")
    url = reverse("admin:eyt_payments_payment_changelist")
    form = admin_client.post(url, {"action": "refund", "_selected_action": [payment.pk]})
    assert form.status_code == 200
    assert b'name="amount"' in form.content
    done = admin_client.post(
        url,
        {"action": "refund", "_selected_action": [payment.pk], "apply": "1", "amount": "2.50", "reason": "duplicate"},
        follow=True,
    )
    assert b"refunded 2.50 USD" in done.content
    payment.refresh_from_db()
    assert (payment.amount_refunded_minor, payment.status) == (250, "partially_refunded")
    [call] = gateway.calls("create_refund")
    assert call.params["amount"] == 250
    assert call.params["reason"] == "duplicate"
    assert payment.refunds.get().requested_by.username == "admin"


def test_the_refund_action_shows_refusals_and_refuses_one_amount_for_many(admin_client, service, user):
    first, second = paid(service, user, "10.00"), paid(service, user, "5.00")
    url = reverse("admin:eyt_payments_payment_changelist")
    many = admin_client.post(
        url, {"action": "refund", "_selected_action": [first.pk, second.pk], "apply": "1", "amount": "1"}, follow=True
    )
    assert b"An amount can be given for one payment at a time." in many.content
    too_much = admin_client.post(
        url, {"action": "refund", "_selected_action": [first.pk], "apply": "1", "amount": "99"}, follow=True
    )
    assert too_much.status_code == 200
    first.refresh_from_db()
    assert first.amount_refunded_minor == 0


def test_the_refund_action_needs_the_refund_permission(client, service, user, django_user_model):
    from django.contrib.auth.models import Permission

    payment = paid(service, user)
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(staff)
    url = reverse("admin:eyt_payments_payment_changelist")
    response = client.post(url, {"action": "refund", "_selected_action": [payment.pk], "apply": "1"}, follow=True)
    assert b"No action selected" in response.content or response.status_code == 200
    payment.refresh_from_db()
    assert payment.amount_refunded_minor == 0


@pytest.mark.parametrize(
    ("model", "term"),
    [("payment", "ada@example.com"), ("payment", "ada"), ("customer", "ada"), ("refundrequest", "ada")],
)
def test_admin_search_finds_rows_by_their_users_login_and_email(admin_client, service, user, model, term):
    from eyt_payments.refund_requests import request_refund

    request_refund(user, paid(service, user), reason="late")
    response = admin_client.get(reverse(f"admin:eyt_payments_{model}_changelist"), {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize(
    ("model", "relation"), [("payment", "user"), ("customer", "user"), ("refundrequest", "requested_by")]
)
def test_admin_search_uses_only_the_fields_a_custom_user_model_has(rf, model, relation):
    from django.apps import apps
    from django.contrib import admin
    from django.test import override_settings

    model_admin = admin.site.get_model_admin(apps.get_model("eyt_payments", model))
    assert {f"{relation}__username", f"{relation}__email"} <= set(model_admin.get_search_fields(rf.get("/")))
    with override_settings(AUTH_USER_MODEL="testapp.EmailUser"):  # email login, no username
        user_fields = [name for name in model_admin.get_search_fields(rf.get("/")) if name.startswith(relation)]
    assert user_fields == [f"{relation}__email"]


@pytest.mark.parametrize("query", ["", "?_facets=True", "?status__exact=succeeded"])
@pytest.mark.parametrize("model", ["payment", "refund", "webhookevent"])
def test_admin_lists_never_count_the_whole_table(admin_client, service, user, model, query):
    """Payments and webhook events grow without bound: counts stop at 10,001 rows and facet counts are off."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    service.refund_payment(paid(service, user), "1")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(f"admin:eyt_payments_{model}_changelist") + query)
    assert response.status_code == 200
    counts = [entry["sql"] for entry in queries if "COUNT(" in entry["sql"].upper()]
    assert counts and all("LIMIT 10001" in sql for sql in counts)


def test_the_payments_list_order_has_an_index():
    from eyt_payments.models import Payment

    assert any(index.fields == ["-created_at"] for index in Payment._meta.indexes)
