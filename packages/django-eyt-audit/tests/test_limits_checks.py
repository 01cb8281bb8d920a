import pytest
from django.test import override_settings

from eyt_audit import checks


def ids(messages):
    return [message.id for message in messages]


def test_e010_for_rate_limit_rules_that_cannot_be_used():
    with override_settings(EYT_AUDIT_RATE_LIMITS=[{"path": "^/api/", "rate": "many"}]):
        messages = checks.check_rate_limit_rules()
    assert ids(messages) == ["eyt_audit.E010"]
    assert "EYT_AUDIT_RATE_LIMITS[0]" in messages[0].msg
    with override_settings(EYT_AUDIT_RATE_LIMITS=[{"path": "^/api/", "rate": "100/m", "key": "user_or_ip"}]):
        assert checks.check_rate_limit_rules() == []


def test_e010_for_a_rule_naming_a_method_http_does_not_have():
    with override_settings(EYT_AUDIT_RATE_LIMITS=[{"path": "^/api/", "rate": "1/m", "methods": ["POST", "FETCH"]}]):
        messages = checks.check_rate_limit_rules()
    assert ids(messages) == ["eyt_audit.E010"]
    assert "EYT_AUDIT_RATE_LIMITS[0]" in messages[0].msg and "FETCH is not an HTTP method" in messages[0].msg


@pytest.mark.parametrize(
    "overrides",
    [
        {"EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP": 0},
        {"EYT_AUDIT_LOCKOUT_TRUSTED_PAIR_DURATION": "30d"},
        {"EYT_AUDIT_LOCKOUT_FAIL_OPEN": "no"},
    ],
)
def test_e011_for_lockout_settings_that_cannot_be_used(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_lockout_extra_settings()) == ["eyt_audit.E011"]


def test_lockout_defaults_pass():
    assert checks.check_lockout_extra_settings() == []


def test_w010_when_the_counter_cache_cannot_increment_atomically():
    database = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
    with override_settings(CACHES=database):
        assert ids(checks.check_counter_cache_atomicity()) == ["eyt_audit.W010"]
    redis = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1"}}
    with override_settings(CACHES=redis):
        assert checks.check_counter_cache_atomicity() == []
