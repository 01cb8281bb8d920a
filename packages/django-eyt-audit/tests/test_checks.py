import pytest
from django.test import override_settings

from eyt_audit import checks

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1"}}


def ids(messages):
    return [message.id for message in messages]


def test_w001_when_the_hmac_key_falls_back_to_secret_key():
    assert ids(checks.check_hmac_key()) == []
    with override_settings(EYT_AUDIT_HMAC_KEY=None):
        assert ids(checks.check_hmac_key()) == ["eyt_audit.W001"]


@pytest.mark.parametrize("value", [-1, "1", True, ["not-an-ip"], [None]])
def test_e001_for_trusted_proxies_that_are_not_a_count_or_addresses(value):
    with override_settings(EYT_AUDIT_TRUSTED_PROXIES=value):
        assert ids(checks.check_trusted_proxies()) == ["eyt_audit.E001"]


@pytest.mark.parametrize("value", [0, 2, ["10.0.0.1"], ("10.0.0.0/8", "::1")])
def test_valid_trusted_proxies_pass(value):
    with override_settings(EYT_AUDIT_TRUSTED_PROXIES=value):
        assert checks.check_trusted_proxies() == []


@pytest.mark.parametrize(
    "overrides",
    [{"MAX_LOGIN_ATTEMPTS": 0}, {"ACCOUNT_LOCK_DURATION": "1h"}, {"EYT_AUDIT_MAX_LOGIN_ATTEMPTS": -3}],
)
def test_e002_for_lockout_settings_that_are_not_positive_numbers(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_lockout_settings()) == ["eyt_audit.E002"]


def test_e003_when_the_counter_cache_alias_does_not_exist():
    with override_settings(EYT_AUDIT_CACHE_ALIAS="limits", CACHES=LOCMEM):
        messages = checks.check_counter_cache()
    assert ids(messages) == ["eyt_audit.E003"]
    assert "default" in messages[0].hint


def test_w002_when_counters_live_in_a_per_process_cache():
    with override_settings(CACHES=LOCMEM):
        assert ids(checks.check_counter_cache()) == ["eyt_audit.W002"]
    with override_settings(CACHES=REDIS):
        assert checks.check_counter_cache() == []


def test_w003_when_the_hmac_key_is_short():
    with override_settings(EYT_AUDIT_HMAC_KEY="short"):
        assert ids(checks.check_hmac_key()) == ["eyt_audit.W003"]


@pytest.mark.parametrize(
    "overrides",
    [{"EYT_AUDIT_REQUEST_ID_HEADER": "X-Request-ID"}, {"EYT_AUDIT_FORWARDED_FOR_HEADER": "x_forwarded_for"}],
)
def test_e004_for_headers_that_are_not_meta_keys(overrides):
    with override_settings(**overrides):
        assert ids(checks.check_header_settings()) == ["eyt_audit.E004"]
    with override_settings(EYT_AUDIT_REQUEST_ID_HEADER="HTTP_X_REQUEST_ID"):
        assert checks.check_header_settings() == []


def test_w004_when_time_zone_support_is_off():
    assert checks.check_time_zone_support() == []
    with override_settings(USE_TZ=False):
        assert ids(checks.check_time_zone_support()) == ["eyt_audit.W004"]


def test_e005_when_the_security_database_is_not_configured():
    assert checks.check_security_event_settings() == []
    with override_settings(EYT_AUDIT_SECURITY_DATABASE="default"):
        assert checks.check_security_event_settings() == []
    with override_settings(EYT_AUDIT_SECURITY_DATABASE="security"):
        assert ids(checks.check_security_event_settings()) == ["eyt_audit.E005"]


@pytest.mark.parametrize("value", [-1, "60", 1.5, True, None])
def test_e006_when_the_aggregation_window_is_not_whole_seconds(value):
    with override_settings(EYT_AUDIT_SECURITY_AGGREGATE_SECONDS=value):
        assert ids(checks.check_security_event_settings()) == ["eyt_audit.E006"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_e007_when_fail_closed_is_not_a_bool(value):
    assert checks.check_trail_settings() == []
    with override_settings(EYT_AUDIT_FAIL_CLOSED=value):
        messages = checks.check_trail_settings()
    assert ids(messages) == ["eyt_audit.E007"]
    assert repr(value) in messages[0].msg


@pytest.mark.parametrize("value", [-1, "365", 30.5, True, None])
def test_e008_when_the_minimum_retention_is_not_whole_days(value):
    with override_settings(EYT_AUDIT_MIN_RETENTION_DAYS=value):
        assert ids(checks.check_trail_settings()) == ["eyt_audit.E008"]
    with override_settings(EYT_AUDIT_MIN_RETENTION_DAYS=0):
        assert checks.check_trail_settings() == []


@pytest.mark.django_db  # MariaDB is told from MySQL by its version
def test_e012_on_mysql_but_not_on_mariadb(monkeypatch):
    from django.db import connection

    assert ids(checks.check_database(databases=["default"])) == []
    monkeypatch.setattr(connection, "vendor", "mysql")
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)  # MySQL
    assert ids(checks.check_database(databases=["default"])) == ["eyt_audit.E012"]
    assert ids(checks.check_database()) == []  # runserver: no database checks
