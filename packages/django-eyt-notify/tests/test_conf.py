from eyt_notify.conf import DEFAULT_CHANNELS, EytNotifyConf, settings


def test_defaults():
    assert EytNotifyConf._meta.defaults["EYT_NOTIFY_CHANNELS"] == DEFAULT_CHANNELS
    assert set(DEFAULT_CHANNELS) == {"inapp", "email"}
    assert settings.EYT_NOTIFY_ADAPTER == "eyt_notify.adapter.NotifyAdapter"
    assert settings.EYT_NOTIFY_MAX_ATTEMPTS == 8
    assert settings.EYT_NOTIFY_LEASE_SECONDS == 300
    assert settings.EYT_NOTIFY_TASK_BACKEND == "default"
    assert settings.EYT_NOTIFY_SITE_URL is None


def test_overrides_are_read_when_used(settings):
    settings.EYT_NOTIFY_MAX_ATTEMPTS = 3
    assert settings.EYT_NOTIFY_MAX_ATTEMPTS == 3
