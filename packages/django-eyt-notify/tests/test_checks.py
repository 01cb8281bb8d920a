import pytest
from django.test import override_settings

from eyt_notify import checks
from eyt_notify.types import NotificationType, register_type, unregister_type

INAPP = {"inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"}}


def ids(messages):
    return [message.id for message in messages]


def test_the_test_settings_pass():
    assert checks.check_channels() == []
    assert checks.check_types() == []
    assert checks.check_numbers() == []


@pytest.mark.parametrize(
    "channels",
    [
        [],
        {**INAPP, "email": {"OPTIONS": {}}},
        {**INAPP, "email": {"BACKEND": "eyt_notify.channels.nowhere.Channel"}},
        {**INAPP, "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel", "OPTIONS": {"host": "x"}}},
    ],
)
def test_e001_for_channels_that_cannot_be_built(channels):
    with override_settings(EYT_NOTIFY_CHANNELS=channels):
        assert ids(checks.check_channels()) == ["eyt_notify.E001"]


def test_e002_for_a_type_on_an_unconfigured_channel():
    register_type(NotificationType("match.fax", channels=("inapp", "fax")))
    try:
        messages = checks.check_types()
    finally:
        unregister_type("match.fax")
    assert ids(messages) == ["eyt_notify.E002"]
    assert "fax" in messages[0].msg


@pytest.mark.parametrize(
    ("alias", "config"),
    [
        ("webpush", {"BACKEND": "eyt_notify.channels.webpush.WebPushChannel"}),
        ("sms", {"BACKEND": "eyt_notify.channels.sms.SmsChannel", "OPTIONS": {"account_sid": "AC1"}}),
        ("discord", {"BACKEND": "eyt_notify.channels.discord.DiscordChannel", "OPTIONS": {"webhook_url": "ftp://x"}}),
    ],
)
def test_e003_for_a_backend_missing_its_options(alias, config):
    with override_settings(EYT_NOTIFY_CHANNELS={**INAPP, alias: config}):
        assert ids(checks.check_channels()) == ["eyt_notify.E003"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"EYT_NOTIFY_MAX_ATTEMPTS": 0},
        {"EYT_NOTIFY_BATCH_SIZE": "100"},
        {"EYT_NOTIFY_READ_RETENTION_DAYS": -1},
        {"EYT_NOTIFY_LEASE_SECONDS": True},
    ],
)
def test_e004_for_numbers_that_are_not_positive(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_numbers()) == ["eyt_notify.E004"]


def test_e005_without_an_inapp_channel():
    with override_settings(EYT_NOTIFY_CHANNELS={"email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"}}):
        assert ids(checks.check_channels()) == ["eyt_notify.E005"]


def test_w001_when_tasks_run_in_the_request(settings):
    assert ids(checks.check_task_backend()) == ["eyt_notify.W001"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert checks.check_task_backend() == []


def test_w002_when_the_task_backend_alias_is_missing(settings):
    settings.EYT_NOTIFY_TASK_BACKEND = "notify"
    assert ids(checks.check_task_backend()) == ["eyt_notify.W002"]


def test_e006_when_the_live_broker_cannot_be_built():
    assert checks.check_live() == []  # no broker configured: the bell polls
    with override_settings(EYT_NOTIFY_LIVE={"BACKEND": "eyt_notify.live.nowhere.Broker"}):
        messages = checks.check_live()
    assert ids(messages) == ["eyt_notify.E006"]
    assert "django-eyt-notify[live]" in messages[0].hint


def test_e007_when_the_count_cache_alias_is_not_in_caches():
    with override_settings(EYT_NOTIFY_CACHE_ALIAS="counts"):
        messages = checks.check_live()
    assert ids(messages) == ["eyt_notify.E007"]
    assert "default" in messages[0].hint


def test_w003_when_links_leave_the_site_without_a_site_url():
    email = {"email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"}}
    with override_settings(EYT_NOTIFY_SITE_URL=None, EYT_NOTIFY_CHANNELS={**INAPP, **email}):
        messages = checks.check_site_url()
    assert ids(messages) == ["eyt_notify.W003"]
    assert "sent on email stay relative" in messages[0].msg
    with override_settings(EYT_NOTIFY_SITE_URL="https://eyt.example", EYT_NOTIFY_CHANNELS={**INAPP, **email}):
        assert checks.check_site_url() == []
    with override_settings(EYT_NOTIFY_SITE_URL=None, EYT_NOTIFY_CHANNELS=INAPP):
        assert checks.check_site_url() == []  # in-app links stay on the site
