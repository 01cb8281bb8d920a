import io

import pytest
from django.test import override_settings

from eyt_notify import notify
from eyt_notify.channels import channels, locmem
from eyt_notify.channels.console import ConsoleChannel
from eyt_notify.channels.email import EmailChannel
from eyt_notify.dispatch import dispatch
from eyt_notify.exceptions import InvalidChannel, MissingDependency
from eyt_notify.models import Notification


def test_backends_are_built_once_per_alias_and_rebuilt_when_settings_change():
    first = channels["email"]
    assert isinstance(first, EmailChannel)
    assert channels["email"] is first
    with override_settings(EYT_NOTIFY_CHANNELS={"email": {"BACKEND": "eyt_notify.channels.console.ConsoleChannel"}}):
        assert isinstance(channels["email"], ConsoleChannel)
    assert channels["email"] is not first


def test_an_unknown_alias_lists_the_configured_ones():
    with pytest.raises(InvalidChannel, match=r"'fax' is not configured .*discord, email, inapp, memory"):
        channels["fax"]


def test_an_unimportable_backend_says_which():
    with override_settings(EYT_NOTIFY_CHANNELS={"x": {"BACKEND": "eyt_notify.channels.nowhere.X"}}):
        with pytest.raises(InvalidChannel, match="Could not find backend 'eyt_notify.channels.nowhere.X'"):
            channels["x"]


def test_unknown_options_are_refused_with_the_accepted_ones():
    with pytest.raises(InvalidChannel, match="Unknown OPTIONS .* host. Accepted: from_email, headers, mailer"):
        EmailChannel("email", host="smtp")


def test_a_missing_optional_dependency_names_the_extra():
    error = MissingDependency("web push", "webpush", "pywebpush")
    assert isinstance(error, ImportError)
    assert 'pip install "django-eyt-notify[webpush]"' in str(error)
    assert error.name == "pywebpush"


@pytest.mark.django_db
def test_the_console_channel_writes_the_message(user):
    stream = io.StringIO()
    config = {
        "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
        "email": {"BACKEND": "eyt_notify.channels.console.ConsoleChannel", "OPTIONS": {"stream": stream}},
    }
    with override_settings(EYT_NOTIFY_CHANNELS=config):
        notify(user, "payment.receipt", title="Receipt", message="Thanks")
        assert dispatch().sent == 1
    assert "[email] to alice" in stream.getvalue()
    assert "Receipt\nThanks" in stream.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action_url", "url"),
    [
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("/matches/7/", "https://eyt.example/matches/7/"),
    ],
)
def test_every_part_gets_the_action_url_only_when_it_is_safe(user, settings, action_url, url):
    settings.EYT_NOTIFY_SITE_URL = "https://eyt.example"
    notify(user, "team.invite", title="Join", message="Now")
    Notification.objects.update(action_url=action_url)  # as stored by an older release, or written directly
    assert dispatch().sent == 1
    [sent] = locmem.outbox
    message = sent.message
    assert message.url == url  # web push's payload url
    assert ("alert" in message.body + message.html) is False  # the text (SMS, Discord) and HTML (email) parts
    assert ("<a href" in message.html) is bool(url)
    if url:
        assert url in message.body and f'<a href="{url}">' in message.html
