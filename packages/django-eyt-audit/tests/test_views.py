import pytest
from django.test import Client, override_settings

from eyt_audit.models import SecurityEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_events_yet():
    SecurityEvent.objects.all().delete()


@override_settings(CSRF_FAILURE_VIEW="eyt_audit.views.csrf_failure")
def test_a_csrf_failure_is_recorded_once_and_answered_by_djangos_page():
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="evil-form")
    response = client.post("/csrf-protected/", {"amount": "1000"}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    [event] = SecurityEvent.objects.all()
    assert (event.event_type, event.ip_address, event.path, event.method) == (
        "csrf_failure",
        "198.51.100.4",
        "/csrf-protected/",
        "POST",
    )
    assert event.metadata == {"reason": "CSRF cookie not set."}
    assert event.request_id == response.headers["X-Request-ID"]


@override_settings(CSRF_FAILURE_VIEW="eyt_audit.views.csrf_failure")
def test_a_request_with_its_token_passes_and_records_nothing():
    client = Client(enforce_csrf_checks=True)
    token = "a" * 32  # a CSRF secret, sent as the cookie and as the form field
    client.cookies["csrftoken"] = token
    response = client.post("/csrf-protected/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert not SecurityEvent.objects.exists()
