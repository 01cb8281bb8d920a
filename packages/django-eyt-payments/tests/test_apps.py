from django.apps import apps
from django.core import checks
from django.core.management import call_command

from eyt_payments.apps import EytPaymentsConfig


def test_app_is_loaded_under_its_label():
    config = apps.get_app_config("eyt_payments")
    assert isinstance(config, EytPaymentsConfig)
    assert config.name == "eyt_payments"


def test_checks_are_registered_when_the_app_loads():
    registered = {check.__name__ for check in checks.registry.registry.get_checks()}
    assert {"check_gateway", "check_currencies", "check_amount_and_fee_tables", "check_adapter"} <= registered


def test_no_other_eyt_package_is_needed():
    assert not apps.is_installed("eyt_audit")
    assert not apps.is_installed("eyt_notify")


def test_migrations_match_the_models(db, capsys):
    call_command("makemigrations", "eyt_payments", "--check", "--dry-run")
    assert "No changes detected" in capsys.readouterr().out
