import logging

from django.test import RequestFactory

from eyt_audit import audit_context
from eyt_audit.log import RequestContextFilter
from eyt_audit.middleware import AuditContextMiddleware


def make_record():
    return logging.LogRecord("app", logging.INFO, __file__, 1, "payment taken", (), None)


def test_outside_a_request_the_fields_are_dashes():
    record = make_record()
    assert RequestContextFilter().filter(record) is True
    assert (record.request_id, record.client_ip) == ("-", "-")


def test_inside_a_request_the_record_carries_its_id_and_client_ip():
    seen = {}

    def view(request):
        record = make_record()
        RequestContextFilter().filter(record)
        seen.update(request_id=record.request_id, client_ip=record.client_ip)
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = AuditContextMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
    assert seen["client_ip"] == "203.0.113.9"
    assert seen["request_id"] == response["X-Request-ID"] != "-"


def test_a_command_context_has_its_own_request_id():
    with audit_context(reason="nightly job"):
        record = make_record()
        RequestContextFilter().filter(record)
    assert record.request_id != "-"


def test_django_request_records_logged_after_the_middleware_still_carry_the_request_id():
    from django.http import HttpResponseNotFound

    request = RequestFactory().get("/missing/", REMOTE_ADDR="198.51.100.7")
    response = AuditContextMiddleware(lambda r: HttpResponseNotFound())(request)
    record = make_record()
    record.request = request  # what django.request's log_response passes in ``extra``
    RequestContextFilter().filter(record)
    assert (record.request_id, record.client_ip) == (response["X-Request-ID"], "198.51.100.7")
