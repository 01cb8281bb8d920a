"""End-to-end journeys on the embedded profile: SQLite, the immediate task backend and the local payment simulator,
whose signed webhook events go through the real pipeline. Transactional, so every after-commit step runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from eyt_audit.models import AuditEntry
from eyt_notify.models import Delivery, Notification
from eyt_payments.gateways import get_gateway
from eyt_payments.models import Payment, Refund, RefundRequest, WebhookEvent
from eyt_payments.services import StripeService
from eyt_testing.smtp import SmtpServer
from tests.journeys import AUTHENTICATION_CARD, DECLINED_CARD, TEST_CARD, Browser, smtp_mail_settings
from tournaments.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        smtp_mail_settings(settings, server.host, server.port)
        yield server


@pytest.fixture
def browser(player):
    client = Browser()
    client.sign_in("player", "pw-player")
    return client


def open_checkout(browser, tournament):
    """Register on the tournament page, follow it to checkout, and create the intent as the page's script does."""
    response = browser.submit(f"/tournaments/{tournament.pk}/register/")
    assert response.status_code == 302
    assert response["Location"] == f"/payments/checkout/?type=tournament_fee&ref={tournament.pk}"
    page = browser.get(response["Location"])
    assert page.status_code == 200 and "<dd data-eyt-amount>3000 JPY</dd>" in page.content.decode()
    intent = browser.post_json("/payments/create-intent/", {"type": "tournament_fee", "ref": str(tournament.pk)})
    assert intent.status_code == 200, intent.content
    return intent.json()


def test_a_player_pays_a_jpy_entry_fee_and_every_party_hears_of_it(browser, player, organiser, tokyo_cup, smtp):
    created = open_checkout(browser, tokyo_cup)
    assert (created["amount"], created["currency"]) == ("3000", "jpy")  # priced on the server, no decimals

    paid = browser.post_json(created["test_card_url"], TEST_CARD)

    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "succeeded"
    payment = Payment.objects.get(pk=created["payment_id"])
    assert (payment.status, payment.amount_minor, payment.currency) == ("succeeded", 3000, "jpy")
    # The simulator's signed event came back through the webhook inbox and was processed.
    event = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert event.status == "processed"
    assert Registration.objects.get(tournament=tokyo_cup, player=player).status == "confirmed"
    assert set(Notification.objects.filter(recipient=player).values_list("notification_type", flat=True)) == {
        "payment.confirmed",
        "tournament.registered",
    }
    to_organiser = [m for m in smtp.messages if m["To"] == "organiser@eyt.example"]
    assert [m["Subject"] for m in to_organiser] == ["EYT Gaming: New player in Tokyo Spring Cup"]
    assert Delivery.objects.filter(channel="email", status="sent").count() == len(smtp.messages)

    # One request id ties the pay step together: confirmation, webhook, registration, across the three packages.
    steps = AuditEntry.objects.filter(request_id=paid["X-Request-ID"]).order_by("sequence")
    actions = [entry.action for entry in steps]
    assert actions[0] == "payments.intent_confirmed"
    assert {"payments.webhook_applied", "tournaments.registration.created"} <= set(actions)
    assert {entry.actor_pk for entry in steps} == {str(player.pk)}


def test_paying_again_for_a_tournament_already_entered_is_refused_as_already_paid(browser, player, tokyo_cup, smtp):
    created = open_checkout(browser, tokyo_cup)
    assert browser.post_json(created["test_card_url"], TEST_CARD).json()["status"] == "succeeded"
    again = browser.post_json("/payments/create-intent/", {"type": "tournament_fee", "ref": str(tokyo_cup.pk)})
    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "already_paid",
        "message": "You are already registered for this tournament.",
    }


def test_cancelling_two_weeks_ahead_refunds_everything(browser, player, tokyo_cup, smtp):
    created = open_checkout(browser, tokyo_cup)
    browser.post_json(created["test_card_url"], TEST_CARD)

    response = browser.submit(f"/tournaments/{tokyo_cup.pk}/cancel/")

    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.currency) == (3000, "jpy")
    assert Payment.objects.get().status == "refunded"
    assert Registration.objects.get().status == "canceled"
    assert Notification.objects.filter(recipient=player, notification_type="payment.refunded").count() == 1
    assert "Refunded: 3000 JPY." in browser.get(f"/tournaments/{tokyo_cup.pk}/").content.decode()


def test_cancelling_within_48_hours_refunds_half(player, tokyo_cup, smtp):
    """Through the public service and simulator APIs, as a host's own code would pay."""
    tokyo_cup.starts_at = timezone.now() + timedelta(hours=30)
    tokyo_cup.save()
    service = StripeService()
    payment, _ = service.create_payable_intent(player, "tournament_fee", str(tokyo_cup.pk))
    card = get_gateway().create_payment_method("4242424242424242")
    service.confirm_payment(payment, payment_method=card.id)
    registration = Registration.objects.get(tournament=tokyo_cup, player=player)

    from tournaments.billing import cancel_registration

    refund = cancel_registration(registration, player)

    assert (refund.amount_minor, refund.currency) == (1500, "jpy")
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded_minor) == ("partially_refunded", 1500)
    registration.refresh_from_db()
    assert registration.status == "canceled"


def test_the_payments_refund_page_cannot_bypass_the_cancellation_policy(browser, player, tokyo_cup, smtp):
    """Within 48 hours the policy refunds half; the package's own refund page asks staff instead of refunding."""
    tokyo_cup.starts_at = timezone.now() + timedelta(hours=30)
    tokyo_cup.save()
    created = open_checkout(browser, tokyo_cup)
    browser.post_json(created["test_card_url"], TEST_CARD)

    response = browser.submit(f"/payments/{created['payment_id']}/refund/", {"amount": "", "reason": "all of it"})

    assert response.status_code == 302
    assert not Refund.objects.exists()
    assert RefundRequest.objects.get().status == "pending"
    assert Payment.objects.get().status == "succeeded"
    assert Registration.objects.get().status == "confirmed"


def test_a_declined_card_leaves_no_registration(browser, player, tokyo_cup, smtp):
    created = open_checkout(browser, tokyo_cup)

    declined = browser.post_json(created["test_card_url"], DECLINED_CARD)

    assert declined.status_code == 402, declined.content
    error = declined.json()["error"]
    assert error["code"] == "card_declined" and "declined" in error["message"]
    assert Payment.objects.get().status == "failed"
    assert not Registration.objects.exists()
    assert not Notification.objects.filter(recipient=player).exists()
    # The customer may try again with another card on the same payment.
    assert browser.post_json(created["test_card_url"], TEST_CARD).json()["status"] == "succeeded"
    assert Registration.objects.get().status == "confirmed"


def test_after_3d_secure_only_the_webhook_confirms_the_payment(browser, player, tokyo_cup, smtp):
    created = open_checkout(browser, tokyo_cup)
    challenged = browser.post_json(created["test_card_url"], AUTHENTICATION_CARD).json()
    assert challenged["status"] == "requires_action"
    assert not Registration.objects.exists()

    approved = browser.submit(challenged["next_url"], {"outcome": "approve"})

    assert approved.status_code == 302
    # The page only told the simulator; the payment moved because its webhook event was processed.
    event = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert event.status == "processed"
    assert Payment.objects.get().status == "succeeded"
    assert Registration.objects.get().status == "confirmed"
    assert "payments.webhook_applied" in AuditEntry.objects.filter(request_id=approved["X-Request-ID"]).values_list(
        "action", flat=True
    )


def test_a_team_announcement_reaches_every_member_in_app_and_by_email(team, player, make_user, smtp):
    members = [make_user(f"member{i}") for i in range(4)]
    team.members.add(*members)
    captain = Browser()
    captain.sign_in("player", "pw-player")

    response = captain.submit(f"/teams/{team.pk}/announce/", {"message": "Scrims tonight at 20:00"})

    assert response.status_code == 302
    received = Notification.objects.filter(notification_type="team.announcement")
    assert sorted(n.recipient.username for n in received) == [m.username for m in members]
    assert sorted(m["To"] for m in smtp.messages) == [m.email for m in members]
    assert all("Scrims tonight at 20:00" in m.get_body(("plain",)).get_content() for m in smtp.messages)
