import subprocess
import sys

from django.apps import apps
from django.core import checks

from eyt_notify.apps import EytNotifyConfig


def test_app_is_loaded_under_its_label():
    assert isinstance(apps.get_app_config("eyt_notify"), EytNotifyConfig)


def test_checks_are_registered_when_the_app_loads():
    registered = {check.__name__ for check in checks.registry.registry.get_checks()}
    assert {"check_channels", "check_types", "check_numbers", "check_task_backend"} <= registered


def test_no_other_eyt_package_is_needed():
    assert not apps.is_installed("eyt_audit")
    assert not apps.is_installed("eyt_payments")


def test_notify_is_importable_before_apps_load():
    code = "from eyt_notify import notify, NotifyResult; import eyt_notify; print(eyt_notify.__version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.1.0.dev0"
