from django.test import override_settings

from eyt_audit.conf import seed_setting, settings


def test_defaults():
    assert settings.EYT_AUDIT_TRUSTED_PROXIES == 0
    assert settings.EYT_AUDIT_REQUEST_ID_HEADER is None
    assert settings.EYT_AUDIT_RESPONSE_REQUEST_ID_HEADER == "X-Request-ID"
    assert settings.EYT_AUDIT_FAIL_CLOSED is False
    assert settings.EYT_AUDIT_CACHE_ALIAS == "default"


def test_seed_settings_have_built_in_defaults():
    assert seed_setting("MAX_LOGIN_ATTEMPTS") == 5
    assert seed_setting("ACCOUNT_LOCK_DURATION") == 3600
    assert seed_setting("RATE_LIMIT_ENABLED") is True


@override_settings(MAX_LOGIN_ATTEMPTS=3, ACCOUNT_LOCK_DURATION=60, RATE_LIMIT_ENABLED=False)
def test_the_original_platform_settings_are_honoured():
    assert seed_setting("MAX_LOGIN_ATTEMPTS") == 3
    assert seed_setting("ACCOUNT_LOCK_DURATION") == 60
    assert seed_setting("RATE_LIMIT_ENABLED") is False


@override_settings(MAX_LOGIN_ATTEMPTS=3, EYT_AUDIT_MAX_LOGIN_ATTEMPTS=7, EYT_AUDIT_RATE_LIMIT_ENABLED=False)
def test_prefixed_settings_win_over_the_original_names():
    assert seed_setting("MAX_LOGIN_ATTEMPTS") == 7
    assert seed_setting("RATE_LIMIT_ENABLED") is False


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_overrides_are_read_when_used():
    assert settings.EYT_AUDIT_TRUSTED_PROXIES == ["10.0.0.0/8"]
