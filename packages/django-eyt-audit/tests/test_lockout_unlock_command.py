import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from eyt_audit.limits import lockout
from tests import limits_support

# fixtures shared by the limits tests
broken_counters = limits_support.broken_counters
counters = limits_support.counters


def lock(username, ip="10.0.0.1", times=5):
    from django.test import RequestFactory

    for _ in range(times):
        attempt = lockout.reserve(username, RequestFactory().post("/", REMOTE_ADDR=ip))
        lockout.failed(attempt)


def run(*args):
    out = StringIO()
    call_command("eyt_audit_unlock", *args, stdout=out)
    return out.getvalue()


def test_unlock_a_username(counters):
    name = f"ada-{uuid.uuid4().hex[:8]}"
    lock(name)
    assert lockout.status(name).locked
    assert run(f"  {name.upper()} ") == f"Unlocked username '  {name.upper()} ' (it was locked: account).\n"
    assert not lockout.status(name, "10.0.0.1").locked


def test_unlock_an_ip(counters):
    names = [uuid.uuid4().hex for _ in range(2)]
    from django.test import override_settings

    with override_settings(EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP=2):
        for name in names:
            lock(name, ip="10.7.7.7", times=1)
        assert lockout.status("someone-else", "10.7.7.7").reason == "ip"
        assert "IP 10.7.7.7" in run("--ip", " 10.7.7.7")
        assert not lockout.status("someone-else", "10.7.7.7").locked


@pytest.mark.parametrize(("args", "message"), [((), "Give a USERNAME"), (("--ip", "not-an-ip"), "is not an IP")])
def test_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_counters_down_is_a_clear_error(broken_counters):
    with pytest.raises(CommandError, match="could not be reached"):
        run("ada")
