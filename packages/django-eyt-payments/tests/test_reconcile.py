"""eyt_payments_reconcile: what the webhooks missed, repaired from the provider, with a drift report."""

import io

import pytest
from django.core.management import CommandError, call_command

from eyt_payments.gateways.base import RefundRequest
from eyt_payments.models import Payment
from eyt_payments.reconcile import reconcile
from tests.conftest import open_payment, paid

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("eyt_payments_reconcile", *args, stdout=out)
    return out.getvalue()


def confirmed_behind_our_back(gateway, payment):
    """The browser paid; the webhook never came."""
    method = gateway.create_payment_method("4242424242424242")
    gateway.confirm_intent(payment.stripe_payment_intent_id, payment_method=method.id, idempotency_key="browser")


def test_a_missed_success_is_repaired_with_the_real_fee(service, gateway, user):
    payment = open_payment(service, user)
    confirmed_behind_our_back(gateway, payment)
    output = run()
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.actual_stripe_fee_minor == payment.estimated_stripe_fee_minor
    assert payment.stripe_net_minor == 1000 - payment.actual_stripe_fee_minor
    assert output.splitlines()[0] == "Checked 1 payment(s); 1 with drift (repaired); 0 error(s)."
    assert f"payment {payment.pk}: status pending -> succeeded" in output
    assert run().splitlines()[0] == "Checked 1 payment(s); 0 with drift (repaired); 0 error(s)."


def test_a_refund_made_in_the_dashboard_is_added_to_the_ledger(service, gateway, user):
    payment = paid(service, user, "10.00")
    gateway.create_refund(RefundRequest(payment.stripe_payment_intent_id, 250), idempotency_key="dashboard-1")
    report = reconcile()
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded_minor) == ("partially_refunded", 250)
    assert payment.refunds.get().requested_by is None
    assert [d.payment_id for d in report.drift] == [str(payment.pk)]


def test_a_dry_run_reports_and_changes_nothing(service, gateway, user):
    payment = open_payment(service, user)
    confirmed_behind_our_back(gateway, payment)
    output = run("--dry-run")
    assert "1 with drift (would repair)" in output
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_old_final_payments_are_left_alone(service, gateway, user):
    payment = paid(service, user)
    Payment.objects.filter(pk=payment.pk).update(updated_at=payment.updated_at.replace(year=2020))
    assert reconcile().checked == 0
    assert reconcile(recent_hours=24 * 365 * 100).checked == 1


def test_provider_errors_are_reported_and_the_run_goes_on(service, gateway, user):
    broken, fine = open_payment(service, user), open_payment(service, user, reference=None, amount="11.00")
    Payment.objects.filter(pk=broken.pk).update(stripe_payment_intent_id="pi_missing")
    confirmed_behind_our_back(gateway, fine)
    report = reconcile()
    assert report.errors == [f"payment {broken.pk}: resource_missing"]
    assert Payment.objects.get(pk=fine.pk).status == "succeeded"


def test_negative_hours_are_refused():
    with pytest.raises(CommandError, match="--hours must not be negative"):
        run("--hours", "-1")
