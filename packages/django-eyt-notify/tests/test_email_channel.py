import django
import pytest
from django.test import override_settings

from eyt_notify import notify
from eyt_notify.adapter import NotifyAdapter
from eyt_notify.dispatch import dispatch
from eyt_notify.models import Delivery, NotificationTemplate

pytestmark = pytest.mark.django_db


class GermanAdapter(NotifyAdapter):
    def get_language(self, user):
        return "de"


def smtp_settings(server):
    if django.VERSION >= (6, 1):
        backend = {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
        return override_settings(
            MAILERS={"default": {**backend, "OPTIONS": {"host": server.host, "port": server.port}}}
        )
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST=server.host, EMAIL_PORT=server.port
    )


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
