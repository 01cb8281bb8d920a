import smtplib

import django
import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.utils import timezone

from eyt_notify import notify, signals
from eyt_notify.adapter import NotifyAdapter
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery, Notification, NotificationTemplate
from eyt_testing.smtp import SmtpServer

pytestmark = pytest.mark.django_db


class GermanAdapter(NotifyAdapter):
    def get_language(self, user):
        return "de"


def smtp_settings(server, timeout=10):
    if django.VERSION >= (6, 1):
        backend = {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
        options = {"host": server.host, "port": server.port, "timeout": timeout}
        return override_settings(MAILERS={"default": {**backend, "OPTIONS": options}})
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=server.host,
        EMAIL_PORT=server.port,
        EMAIL_TIMEOUT=timeout,
    )


def receipts_for(make_user, *names):
    """One email delivery per user, in this order (deliveries are claimed and sent by primary key)."""
    users = [make_user(name) for name in names]
    notify(users, "payment.receipt", title="Receipt")
    return users


def outcomes():
    return dict(Delivery.objects.values_list("notification__recipient__username", "status"))


def test_an_email_reaches_a_real_smtp_server_with_text_and_html(make_user, smtp_server, settings):
    settings.EYT_NOTIFY_SITE_URL = "https://eyt.example"
    bob = make_user("bob")
    with smtp_settings(smtp_server):
        notify(bob, "match.starting", context={"match": "<Final>", "starts": "20:00"}, action_url="/matches/7/")
        report = dispatch()
    assert report.sent == 1
    [received] = smtp_server.received
    assert received.rcpt_tos == ("bob@example.com",)
    message = received.message
    assert message["Subject"] == "Match <Final> starts soon"
    assert message["From"] == "eyt@example.com"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello bob, <Final> starts at 20:00. https://eyt.example/matches/7/" in text  # text is not escaped
    assert "<b>&lt;Final&gt;</b>" in html  # HTML is
    delivery = Delivery.objects.get()
    assert delivery.provider_message_id == message["Message-ID"]


def test_an_unsafe_action_url_is_left_out_of_the_email(make_user, smtp_server, settings):
    settings.EYT_NOTIFY_SITE_URL = "https://eyt.example"
    notify(make_user("bob"), "payment.receipt", title="Receipt", message="Thanks")
    Notification.objects.update(action_url="javascript:alert(1)")
    with smtp_settings(smtp_server):
        assert dispatch().sent == 1
    message = smtp_server.messages[0]
    html = message.get_body(("html",)).get_content()
    assert "javascript" not in html and "<a " not in html
    assert "javascript" not in message.get_body(("plain",)).get_content()


def test_a_refused_recipient_is_dead_and_an_unreachable_server_is_retried(make_user, smtp_server):
    bob = make_user("bob")
    notify(bob, "payment.receipt", title="Receipt")
    smtp_server.__exit__()  # the server goes away
    with smtp_settings(smtp_server):
        dispatch()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "ConnectionRefusedError" in delivery.last_error


def test_the_recipients_language_and_db_templates_are_used(make_user, smtp_server):
    bob = make_user("bob")
    NotificationTemplate.objects.create(
        notification_type="payment.receipt",
        channel="email",
        language="de",
        subject="Zahlung {{ amount }}",
        body="Danke, {{ recipient.username }}",
        html_body="<p>{{ note }}</p>",
    )
    with override_settings(EYT_NOTIFY_ADAPTER=f"{__name__}.GermanAdapter"), smtp_settings(smtp_server):
        notify(bob, "payment.receipt", title="Receipt", context={"amount": "9 EUR", "note": "<script>"})
        dispatch()
    message = smtp_server.messages[0]
    assert message["Subject"] == "Zahlung 9 EUR"
    assert message.get_body(("plain",)).get_content().strip() == "Danke, bob"
    assert "<p>&lt;script&gt;</p>" in message.get_body(("html",)).get_content()


def test_a_batch_of_emails_goes_over_one_connection(make_user, smtp_server):
    receipts_for(make_user, "ann", "ben", "cat", "dan", "eve")
    with smtp_settings(smtp_server):
        report = dispatch()
    assert (report.claimed, report.sent) == (5, 5)
    assert sorted(rcpt for mail in smtp_server.received for rcpt in mail.rcpt_tos) == [
        f"{name}@example.com" for name in ("ann", "ben", "cat", "dan", "eve")
    ]
    assert smtp_server.connections == 1
    assert len({mail.peer for mail in smtp_server.received}) == 1
    ids = set(Delivery.objects.values_list("provider_message_id", flat=True))
    assert ids == {message["Message-ID"] for message in smtp_server.messages}  # each delivery its own message id


def test_a_connection_per_claimed_batch(make_user, smtp_server):
    receipts_for(make_user, "ann", "ben", "cat", "dan", "eve")
    with smtp_settings(smtp_server):
        report = dispatch(batch_size=2)
    assert report.sent == 5
    assert smtp_server.connections == 3


def test_a_refused_recipient_mid_batch_fails_only_its_delivery(make_user, smtp_server):
    receipts_for(make_user, "ann", "ben", "cat", "dan", "eve")
    smtp_server.refuse = {"cat@example.com"}
    with smtp_settings(smtp_server):
        report = dispatch()
    assert (report.sent, report.dead) == (4, 1)
    assert outcomes() == {"ann": "sent", "ben": "sent", "cat": "dead", "dan": "sent", "eve": "sent"}
    dead = Delivery.objects.get(status="dead")
    assert "refused the recipient" in dead.last_error
    assert "550" in dead.last_error
    assert dead.provider_message_id == ""
    assert smtp_server.connections == 1  # the session went on after the refusal
    assert len(smtp_server.received) == 4


def test_a_dropped_connection_retries_the_message_in_flight_and_sends_the_rest_on_a_new_one(make_user, smtp_server):
    receipts_for(make_user, "ann", "ben", "cat", "dan", "eve")
    smtp_server.drop = {"cat@example.com"}
    with smtp_settings(smtp_server):
        report = dispatch()
    assert (report.sent, report.retried) == (4, 1)
    assert outcomes() == {"ann": "sent", "ben": "sent", "cat": "failed", "dan": "sent", "eve": "sent"}
    failed = Delivery.objects.get(status="failed")
    assert "SMTPServerDisconnected" in failed.last_error
    assert smtp_server.connections == 2
    smtp_server.drop.clear()
    with smtp_settings(smtp_server):
        assert dispatch(now=failed.next_attempt_at).sent == 1
    recipients = [rcpt for mail in smtp_server.received for rcpt in mail.rcpt_tos]
    assert sorted(recipients) == [f"{name}@example.com" for name in ("ann", "ben", "cat", "dan", "eve")]


def test_a_server_lost_mid_batch_leaves_every_unsent_delivery_to_retry(make_user, smtp_server):
    receipts_for(make_user, "ann", "ben", "cat", "dan", "eve")
    sent = []

    def stop_after_two(delivery, **kwargs):
        sent.append(delivery.pk)
        if len(sent) == 2:
            smtp_server.__exit__()  # the server goes away with the connection open

    signals.delivery_succeeded.connect(stop_after_two)
    try:
        with smtp_settings(smtp_server):
            report = dispatch()
    finally:
        signals.delivery_succeeded.disconnect(stop_after_two)
    assert (report.sent, report.retried, report.dead) == (2, 3, 0)
    assert outcomes() == {"ann": "sent", "ben": "sent", "cat": "failed", "dan": "failed", "eve": "failed"}
    errors = dict(
        Delivery.objects.filter(status="failed").values_list("notification__recipient__username", "last_error")
    )
    assert "SMTPServerDisconnected" in errors["cat"]  # in flight when the connection dropped
    assert "ConnectionRefusedError" in errors["dan"]  # the one attempt to connect again
    assert "Not sent: no connection to the mail server in this batch" in errors["eve"]  # no wait for another timeout
    with SmtpServer() as back, smtp_settings(back):
        assert dispatch(now=timezone.now() + timezone.timedelta(days=1)).sent == 3
    assert sorted(rcpt for mail in back.received for rcpt in mail.rcpt_tos) == [
        "cat@example.com",
        "dan@example.com",
        "eve@example.com",
    ]
    assert back.connections == 1


class DeferringBackend(BaseEmailBackend):
    """Greylists cat (450): smtplib's answer for a recipient to try again later."""

    opened = 0

    def open(self):
        type(self).opened += 1

    def send_messages(self, email_messages):
        for message in email_messages:
            if "cat@example.com" in message.to:
                raise smtplib.SMTPRecipientsRefused({"cat@example.com": (450, b"4.2.0 Greylisted, try again")})
        return len(email_messages)


def test_a_recipient_deferred_with_a_4xx_is_retried_and_the_batch_goes_on(make_user):
    receipts_for(make_user, "ann", "cat", "eve")
    DeferringBackend.opened = 0
    backend = f"{__name__}.DeferringBackend"
    if django.VERSION >= (6, 1):
        config = override_settings(MAILERS={"default": {"BACKEND": backend}})
    else:
        config = override_settings(EMAIL_BACKEND=backend)
    with config:
        report = dispatch()
    assert (report.sent, report.retried, report.dead) == (2, 1, 0)
    assert outcomes() == {"ann": "sent", "cat": "failed", "eve": "sent"}
    assert "deferred the recipient" in Delivery.objects.get(status="failed").last_error
    assert DeferringBackend.opened == 2  # a fresh connection after the 4xx (a 421 would have closed this one)
