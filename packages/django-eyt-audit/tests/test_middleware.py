import re

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings

from eyt_audit.context import current
from eyt_audit.middleware import client_ip, parse_ip
from eyt_audit.models import AuditEntry

XFF = "HTTP_X_FORWARDED_FOR"


def ip_of(rf, remote, forwarded=None):
    extra = {XFF: forwarded} if forwarded is not None else {}
    return client_ip(rf.get("/", REMOTE_ADDR=remote, **extra))


def test_remote_addr_without_trusted_proxies(rf):
    assert ip_of(rf, "203.0.113.9") == "203.0.113.9"


def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(client):
    response = client.get("/whoami/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.json()["ip"] == "203.0.113.9"


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=1)
def test_one_trusted_hop_reads_the_address_its_proxy_appended(rf):
    assert ip_of(rf, "10.0.0.2", "198.51.100.7") == "198.51.100.7"
    assert ip_of(rf, "10.0.0.2", "1.2.3.4, 198.51.100.7") == "198.51.100.7"  # the forged left part loses


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=2)
def test_a_chain_shorter_than_the_trusted_hops_falls_back_to_remote_addr(rf):
    assert ip_of(rf, "203.0.113.9", "1.2.3.4") == "203.0.113.9"


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_trusted_networks_are_skipped_from_the_right(rf):
    assert ip_of(rf, "10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9") == "198.51.100.7"
    assert ip_of(rf, "203.0.113.9", "1.2.3.4") == "203.0.113.9"  # not from a trusted proxy: header ignored


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_unreadable_hop_gives_no_address_rather_than_a_forged_one(rf):
    assert ip_of(rf, "10.0.0.2", "1.2.3.4, not-an-ip") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        (" 198.51.100.7 ", "198.51.100.7"),
        ("unknown", None),
        ("", None),
    ],
)
def test_addresses_with_ports_or_zones_are_read_and_garbage_is_none(value, expected):
    assert parse_ip(value) == expected


@override_settings(EYT_AUDIT_TRUSTED_PROXIES=1)
def test_a_forwarded_address_with_a_port_does_not_break_anything(client):
    response = client.get("/whoami/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7:4711")
    assert response.status_code == 200
    assert response.json()["ip"] == "198.51.100.7"


def test_a_request_id_is_generated_and_echoed(client):
    first = client.get("/whoami/")
    second = client.get("/whoami/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] == first.json()["request_id"] != second["X-Request-ID"]


def test_an_incoming_request_id_is_ignored_unless_its_header_is_trusted(client):
    response = client.get("/whoami/", HTTP_X_REQUEST_ID="abc-123")
    assert response.json()["request_id"] != "abc-123"


@override_settings(EYT_AUDIT_REQUEST_ID_HEADER="HTTP_X_REQUEST_ID")
def test_a_trusted_request_id_header_is_used_when_well_formed(client):
    assert client.get("/whoami/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    injected = client.get("/whoami/", HTTP_X_REQUEST_ID="abc\r\nSet-Cookie: x=1")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", injected)


@override_settings(EYT_AUDIT_RESPONSE_REQUEST_ID_HEADER=None)
def test_the_echo_header_can_be_turned_off(client):
    assert "X-Request-ID" not in client.get("/whoami/")


@pytest.mark.django_db
def test_entries_written_in_a_request_carry_its_context(client, user):
    client.force_login(user)
    response = client.get("/audited/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox\r\nX: y")
    entry = AuditEntry.objects.get(sequence=response.json()["sequence"])
    assert (entry.actor_pk, entry.actor_repr) == (str(user.pk), "ada")
    assert entry.ip_address == "203.0.113.9"
    assert entry.request_id == response["X-Request-ID"]
    assert entry.user_agent == "Firefox  X: y"
    assert re.fullmatch(r"[0-9a-f]{16}", entry.context["session"])
    assert client.session.session_key not in str(entry.context)


@pytest.mark.django_db
def test_anonymous_requests_record_no_actor(client):
    entry = AuditEntry.objects.get(sequence=client.get("/audited/").json()["sequence"])
    assert (entry.actor_pk, entry.actor_repr) == ("", "")


def test_the_context_ends_with_the_request(client):
    client.get("/whoami/")
    assert current() is None


def test_the_middleware_works_under_asgi(async_client):
    response = async_to_sync(async_client.get)("/async-whoami/")
    assert response.json() == {"ip": "127.0.0.1", "request_id": response["X-Request-ID"]}
    assert current() is None


# --- 403 responses become permission_denied security events --------------------------------------------------------


@pytest.fixture
def no_security_events(transactional_db):
    from eyt_audit.models import SecurityEvent

    SecurityEvent.objects.all().delete()
    return SecurityEvent.objects


@pytest.mark.parametrize("path", ["/forbidden/", "/forbidden-response/"])
def test_a_403_is_recorded_as_permission_denied(client, no_security_events, path):
    response = client.get(path, REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 403
    [event] = no_security_events.all()
    assert (event.event_type, event.ip_address, event.path, event.method) == (
        "permission_denied",
        "192.0.2.8",
        path,
        "GET",
    )
    assert event.request_id == response.headers["X-Request-ID"]


def test_a_403_under_asgi_is_recorded_too(async_client, no_security_events):
    response = async_to_sync(async_client.get)("/async-forbidden/")
    assert response.status_code == 403
    assert list(no_security_events.values_list("event_type", "path")) == [("permission_denied", "/async-forbidden/")]


@override_settings(EYT_AUDIT_RECORD_PERMISSION_DENIED=False)
def test_recording_403s_can_be_turned_off(client, no_security_events):
    assert client.get("/forbidden/").status_code == 403
    assert not no_security_events.exists()


def test_other_responses_record_nothing(client, no_security_events):
    assert client.get("/whoami/").status_code == 200
    assert client.get("/missing/").status_code == 404
    assert not no_security_events.exists()
