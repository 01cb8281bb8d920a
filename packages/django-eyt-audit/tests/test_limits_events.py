import logging

from django.test import RequestFactory

from eyt_audit.limits import events
from eyt_audit.limits.signals import security_event_reported
from tests import limits_support

# fixtures shared by the limits tests
security_events = limits_support.security_events


def test_report_sends_the_signal_with_clean_values(security_events):
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.0.0.9")
    events.report("login_failed", username="eve\r\nINFO forged line", request=request, metadata={"n\n": "a\rb"})
    assert security_events == [
        {
            "event_type": "login_failed",
            "severity": "warning",
            "username": "eve  INFO forged line",
            "metadata": {"n ": "a b"},
        }
    ]


def test_report_logs_one_line_without_cr_or_lf(caplog):
    request = RequestFactory().post("/login/\r\nx", REMOTE_ADDR="10.0.0.9")
    with caplog.at_level(logging.INFO, logger="eyt_audit.security"):
        events.report("lockout", severity="error", username="ada\nroot", request=request, metadata={"locks": ["pair"]})
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "\n" not in message
    assert "\r" not in message
    assert 'username="ada root"' in message
    assert "ip=10.0.0.9" in message
    assert '"locks": ["pair"]' in message


def test_a_failing_receiver_is_logged_and_does_not_stop_the_caller(caplog, security_events):
    def broken(**kwargs):
        raise RuntimeError("alerting is down")

    security_event_reported.connect(broken, dispatch_uid="eyt-test-broken")
    try:
        with caplog.at_level(logging.ERROR, logger="eyt_audit.security"):
            events.report("unlock", severity="info", username="ada")
    finally:
        security_event_reported.disconnect(dispatch_uid="eyt-test-broken")
    assert [event["event_type"] for event in security_events] == ["unlock"]
    assert "failed on unlock" in caplog.text
