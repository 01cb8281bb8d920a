import io

import pytest
from django.test import override_settings

from eyt_notify import notify
from eyt_notify.channels import channels
from eyt_notify.channels.console import ConsoleChannel
from eyt_notify.channels.email import EmailChannel
from eyt_notify.dispatch import dispatch
from eyt_notify.exceptions import InvalidChannel, MissingDependency


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
