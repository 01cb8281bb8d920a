"""Refund requests: refunded at once when the adapter allows it, else a request staff approve or reject in the
admin; bad amounts, closed windows, duplicates and other users' payments are refused."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from eyt_payments.hooks import DefaultPaymentsAdapter
from eyt_payments.models import Payment, Refund, RefundRequest
from eyt_payments.refund_requests import approve_refund_request, reject_refund_request
from tests.conftest import open_payment, paid

pytestmark = pytest.mark.django_db


class CustomersRefundAdapter(DefaultPaymentsAdapter):
    """A policy letting customers refund their own payments themselves."""

    def may_refund(self, user, payment):
        return user is None or payment.user_id == user.pk


def refund_url(payment):
    return reverse("eyt_payments:refund", args=[payment.pk])


def test_by_default_a_customer_asks_staff(ada, user, service, gateway):
    payment = paid(service, user)
    assert "up to 10.00 USD can be refunded" in ada.get(refund_url(payment)).content.decode()
    response = ada.post(refund_url(payment), {"amount": "4.00", "reason": "Could not attend"}, follow=True)
    assert "Your refund request was sent." in response.content.decode()
    request = RefundRequest.objects.get()
    assert (request.payment, request.requested_by, request.amount_minor, request.reason) == (
        payment,
        user,
        400,
        "Could not attend",
    )
    assert not Refund.objects.exists()
    assert not [call for call in gateway.outbox if call.operation == "create_refund"]
    assert "Request a refund" not in response.content.decode()  # one request at a time


def test_an_empty_amount_asks_for_everything_left(ada, user, service):
    payment = paid(service, user)
    ada.post(refund_url(payment), {"amount": ""})
    assert RefundRequest.objects.get().amount_minor is None


def test_a_second_request_waits_for_the_first(ada, user, service):
    payment = paid(service, user)
    ada.post(refund_url(payment), {})
    response = ada.post(refund_url(payment), {}, follow=True)
    assert "A refund request for this payment is already waiting for an answer." in response.content.decode()
    assert RefundRequest.objects.count() == 1


def test_with_a_permissive_adapter_the_refund_happens_now(ada, user, service, settings):
    settings.EYT_PAYMENTS_ADAPTER = "tests.test_views_refunds.CustomersRefundAdapter"
    payment = paid(service, user)
    response = ada.post(refund_url(payment), {"amount": "2.50"}, follow=True)
    assert "2.50 USD refunded." in response.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.reason, refund.requested_by) == (250, "requested_by_customer", user)
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded_minor) == ("partially_refunded", 250)
    assert not RefundRequest.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "The amount is not valid."),
        ("0", "The amount is not valid."),
        ("10.01", "At most 10.00 USD can be refunded."),
        ("1.005", "The amount can have at most 2 decimals in USD."),
        ("lots", "Enter a number."),
    ],
)
def test_bad_amounts_are_refused(ada, user, service, amount, message):
    payment = paid(service, user)
    response = ada.post(refund_url(payment), {"amount": amount})
    assert response.status_code == 400
    assert not RefundRequest.objects.exists()
    html = response.content.decode()
    assert f'role="alert">{message}</p>' in html


def test_open_payments_and_closed_windows_cannot_be_refunded(ada, user, service):
    pending = open_payment(service, user)
    old = paid(service, user, amount="12.00")
    Payment.objects.filter(pk=old.pk).update(succeeded_at=timezone.now() - datetime.timedelta(days=400))
    for payment in (pending, old):
        response = ada.post(refund_url(payment), {}, follow=True)
        assert "This payment cannot be refunded (any more)." in response.content.decode()
    assert not RefundRequest.objects.exists()


def test_another_users_payment_is_a_404_and_csrf_is_needed(bob, user, service):
    payment = paid(service, user)
    assert bob.post(refund_url(payment), {}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(refund_url(payment), {}).status_code == 403
    assert not RefundRequest.objects.exists()


# Staff decide ------------------------------------------------------------------------------------------------------


@pytest.fixture
def staff(db, django_user_model):
    staff = django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="add_refund"), Permission.objects.get(codename="view_refundrequest")
    )
    return django_user_model.objects.get(pk=staff.pk)


def test_approving_refunds_and_records_who_decided(ada, user, service, staff):
    payment = paid(service, user)
    ada.post(refund_url(payment), {"amount": "3.00"})
    request = RefundRequest.objects.get()
    refund = approve_refund_request(request, staff)
    assert (refund.amount_minor, refund.requested_by) == (300, staff)
    request.refresh_from_db()
    assert (request.status, request.refund, request.decided_by) == ("approved", refund, staff)
    with pytest.raises(Exception, match="already approved"):
        approve_refund_request(request, staff)
    assert Refund.objects.count() == 1


def test_the_admin_actions_approve_and_reject(ada, user, other_user, service, staff):
    first, second = paid(service, user), paid(service, user, amount="7.00")
    ada.post(refund_url(first), {})
    ada.post(refund_url(second), {})
    admin = Client()
    admin.force_login(staff)
    changelist = reverse("admin:eyt_payments_refundrequest_changelist")
    assert admin.get(changelist).status_code == 200
    requests = {r.payment_id: r for r in RefundRequest.objects.all()}
    admin.post(changelist, {"action": "approve", "_selected_action": [requests[first.pk].pk]})
    admin.post(changelist, {"action": "reject", "_selected_action": [requests[second.pk].pk]})
    assert dict(RefundRequest.objects.values_list("payment_id", "status")) == {
        first.pk: "approved",
        second.pk: "rejected",
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("refunded", "succeeded")


def test_staff_without_the_refund_permission_cannot_decide(user, service, django_user_model):
    payment = paid(service, user)
    request = RefundRequest.objects.create(payment=payment, requested_by=user)
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_refundrequest"))
    admin = Client()
    admin.force_login(clerk)
    changelist = reverse("admin:eyt_payments_refundrequest_changelist")
    assert 'value="approve"' not in admin.get(changelist).content.decode()
    with pytest.raises(Exception, match="may not refund"):
        approve_refund_request(request, django_user_model.objects.get(pk=clerk.pk))
    request.refresh_from_db()
    assert request.status == "pending"
    reject_refund_request(request, clerk)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("rejected", clerk)
