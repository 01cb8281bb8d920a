from django.apps import apps
from django.core import checks

from eyt_audit.apps import EytAuditConfig


def test_app_is_loaded_under_its_label():
    config = apps.get_app_config("eyt_audit")
    assert isinstance(config, EytAuditConfig)
    assert config.name == "eyt_audit"


def test_checks_are_registered_when_the_app_loads():
    registered = {check.__name__ for check in checks.registry.registry.get_checks()}
    assert {
        "check_hmac_key",
        "check_trusted_proxies",
        "check_lockout_settings",
        "check_counter_cache",
        "check_header_settings",
        "check_time_zone_support",
    } <= registered


def test_no_other_eyt_package_is_needed():
    assert not apps.is_installed("eyt_payments")
    assert not apps.is_installed("eyt_notify")
