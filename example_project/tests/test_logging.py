import io
import logging

from django.utils.module_loading import import_string

from esports.logs import RedactSecretsFilter


def format_through_filter(message, *args):
    record = logging.LogRecord("eyt_payments", logging.INFO, __file__, 1, message, args, None)
    RedactSecretsFilter().filter(record)
    return record.getMessage()


def test_stripe_secrets_are_masked():
    line = format_through_filter(
        "key %s secret %s client %s", "sk_live_51Habc123", "whsec_abcDEF987", "pi_3Nabc_secret_XYZ123"
    )
    assert line == "key [redacted] secret [redacted] client [redacted]"


def test_line_breaks_cannot_forge_log_lines():
    assert format_through_filter("user %s", "alice\nINFO fake entry") == "user alice INFO fake entry"


def test_ordinary_messages_are_untouched():
    assert format_through_filter("payment %s succeeded", "pi_3Nabc") == "payment pi_3Nabc succeeded"


def test_log_lines_of_a_request_carry_its_id(client, db, settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in ("request_context", "redact_secrets"):
        handler.addFilter(import_string(settings.LOGGING["filters"][name]["()"])())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", REMOTE_ADDR="198.51.100.7")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert f"request={response['X-Request-ID']} ip=198.51.100.7 Not Found: /no-such-page/" in stream.getvalue()
