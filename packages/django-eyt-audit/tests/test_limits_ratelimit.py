import json
import logging
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from eyt_audit.limits.exceptions import InvalidRate, InvalidRule
from eyt_audit.limits.ratelimit import UNSAFE, Limit, check, ratelimit
from tests import limits_support

# fixtures shared by the limits tests
broken_counters = limits_support.broken_counters
counters = limits_support.counters
security_events = limits_support.security_events

factory = RequestFactory()


def ok(request):
    return HttpResponse("ok")


def limited(rate="3/m", **options):
    return ratelimit(rate, group=uuid.uuid4().hex, **options)(ok)


def statuses(view, count, **request):
    return [view(factory.get("/thing/", **request)).status_code for _ in range(count)]


def test_n_requests_per_window_then_429(counters):
    assert statuses(limited("3/m"), 5) == [200, 200, 200, 429, 429]


def test_check_applies_limits_built_in_code(counters):
    """README: ``check(request, [Limit.build(...)])`` is ``None`` while admitted, then the refusal response."""
    limits = [Limit.build(rate="2/m", key="ip", group=uuid.uuid4().hex)]
    answers = [check(factory.get("/thing/"), limits) for _ in range(3)]
    assert answers[:2] == [None, None]
    assert answers[2].status_code == 429


def test_keys_by_ip_count_apart(counters):
    view = limited("1/m")
    assert statuses(view, 2, REMOTE_ADDR="10.1.1.1") == [200, 429]
    assert statuses(view, 1, REMOTE_ADDR="10.1.1.2") == [200]


def test_ipv6_addresses_of_one_64_network_share_a_counter(counters):
    """One subscriber holds a whole /64: rotating addresses inside it must not reset the limit."""
    view = limited("2/m")
    assert statuses(view, 1, REMOTE_ADDR="2001:db8:1:2::1") == [200]
    assert statuses(view, 2, REMOTE_ADDR="2001:db8:1:2:ffff::9") == [200, 429]
    assert statuses(view, 1, REMOTE_ADDR="2001:db8:1:3::1") == [200]


def test_an_ipv4_mapped_ipv6_address_counts_as_the_ipv4_address(counters):
    view = limited("1/m")
    assert statuses(view, 1, REMOTE_ADDR="10.9.9.9") == [200]
    assert statuses(view, 1, REMOTE_ADDR="::ffff:10.9.9.9") == [429]


def test_the_window_slides_and_admits_again_once_a_slot_frees(counters):
    view = limited("1/1s")
    assert statuses(view, 2) == [200, 429]
    for _ in range(4):  # on Redis the first wait is enough; the estimate of other caches may need a second
        refusal = view(factory.get("/"))
        if refusal.status_code == 200:
            break
        assert 1 <= int(refusal["Retry-After"]) <= 2
        time.sleep(float(refusal["Retry-After"]))
    assert refusal.status_code == 200
    assert statuses(view, 1) == [429]


def test_refusal_is_html_from_the_template_with_retry_after(counters):
    view = limited("1/m")
    view(factory.get("/"))
    response = view(factory.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("text/html")
    assert "Too many requests" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "request_options",
    [{"HTTP_ACCEPT": "application/json"}, {"content_type": "application/json", "data": "{}"}],
)
def test_refusal_is_json_for_json_requests(counters, request_options):
    view = limited("1/m")
    view(factory.post("/", **request_options))
    response = view(factory.post("/", **request_options))
    assert response.status_code == 429
    body = json.loads(response.content)
    assert body["code"] == "rate_limited"
    assert body["retry_after"] == int(response["Retry-After"])
    assert "Try again" in body["message"]


def test_only_the_given_methods_count(counters):
    view = limited("1/m", methods=UNSAFE)
    assert statuses(view, 3) == [200, 200, 200]  # GET is not limited
    assert [view(factory.post("/")).status_code for _ in range(2)] == [200, 429]


def test_views_in_one_group_share_counters(counters):
    group = uuid.uuid4().hex
    first, second = (ratelimit("1/m", group=group)(ok) for _ in range(2))
    assert first(factory.get("/")).status_code == 200
    assert second(factory.get("/")).status_code == 429


def test_user_key_limits_users_apart_and_skips_anonymous(counters, django_user_model):
    view = limited("1/m", key="user")
    ada, bob = (django_user_model(pk=pk, username=name) for pk, name in ((1, "ada"), (2, "bob")))
    for user, expected in ((ada, [200, 429]), (bob, [200, 429]), (AnonymousUser(), [200, 200])):
        requests = [factory.get("/") for _ in range(2)]
        for request in requests:
            request.user = user
        assert [view(request).status_code for request in requests] == expected


def test_user_or_ip_key_falls_back_to_the_ip(counters):
    view = limited("1/m", key="user_or_ip")
    requests = [factory.get("/", REMOTE_ADDR="10.3.3.3") for _ in range(2)]
    for request in requests:
        request.user = AnonymousUser()
    assert [view(request).status_code for request in requests] == [200, 429]


def test_callable_key_and_none_means_not_limited(counters):
    view = limited("1/m", key=lambda request: request.GET.get("token"))
    assert [view(factory.get("/", {"token": "a"})).status_code for _ in range(2)] == [200, 429]
    assert statuses(view, 3) == [200, 200, 200]


def test_rate_limit_enabled_false_turns_it_off(counters):
    view = limited("1/m")
    with override_settings(RATE_LIMIT_ENABLED=False):
        assert statuses(view, 3) == [200, 200, 200]
    with override_settings(EYT_AUDIT_RATE_LIMIT_ENABLED=False, RATE_LIMIT_ENABLED=True):
        assert statuses(view, 2) == [200, 200]
    assert statuses(view, 2) == [200, 429]


def test_async_views_are_limited(counters):
    @ratelimit("1/m", group=uuid.uuid4().hex)
    async def view(request):
        return HttpResponse("ok")

    call = async_to_sync(view)
    assert [call(factory.get("/")).status_code for _ in range(2)] == [200, 429]


def test_hits_are_reported_as_security_events(counters, security_events):
    view = limited("1/m")
    statuses(view, 2)
    assert [event["event_type"] for event in security_events] == ["rate_limited"]
    assert security_events[0]["metadata"]["retry_after"] >= 1


def test_fail_open_admits_and_reports_the_outage(broken_counters, security_events, caplog):
    with caplog.at_level(logging.ERROR, logger="eyt_audit.security"):
        assert statuses(limited("1/m"), 2) == [200, 200]
    assert {event["event_type"] for event in security_events} == {"limits_unavailable"}
    assert security_events[0]["metadata"]["fail_open"] is True
    assert "ConnectionError" in security_events[0]["metadata"]["error"]
    assert "limits_unavailable" in caplog.text


def test_fail_closed_refuses_with_503_while_the_cache_is_down(broken_counters, security_events):
    response = limited("1/m", fail_open=False)(factory.get("/", HTTP_ACCEPT="application/json"))
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "limits_unavailable"
    assert int(response["Retry-After"]) > 0
    assert "cache server down" not in response.content.decode()
    assert security_events[0]["metadata"]["fail_open"] is False


@pytest.mark.redis
def test_redis_down_fails_open_or_closed(security_events):
    down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": down}):
        assert limited("1/m")(factory.get("/")).status_code == 200
        assert limited("1/m", fail_open=False)(factory.get("/")).status_code == 503
    assert [event["metadata"]["fail_open"] for event in security_events] == [True, False]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"rate": "10/x"}, InvalidRate),
        ({"key": "session"}, InvalidRule),
        ({"methods": ["P OST"]}, InvalidRule),
        ({"key": "no.such.function"}, InvalidRule),
        ({"fail_open": "yes"}, InvalidRule),
    ],
)
def test_bad_arguments_raise_when_decorating(options, error):
    with pytest.raises(error):
        ratelimit(**{"rate": "1/m", **options})(ok)


@pytest.mark.parametrize("methods", [["FETCH"], "fetch", ["POST", "PUSH"]])
def test_a_method_http_does_not_have_is_refused_by_name_when_decorating(methods):
    with pytest.raises(ValueError, match="is not an HTTP method") as raised:
        ratelimit("1/m", methods=methods)(ok)
    assert ("PUSH" if "PUSH" in methods else "FETCH") in str(raised.value)
    assert isinstance(raised.value, InvalidRule)
    ratelimit("1/m", methods=["get", "OPTIONS"])(ok)


@pytest.mark.django_db
def test_password_spraying_from_rotating_ipv6_addresses_locks_their_64_network(counters):
    from django.contrib.auth import authenticate

    from eyt_audit.limits import lockout

    network, names = f"2001:db8:{uuid.uuid4().int % 65000:x}:1", [uuid.uuid4().hex for _ in range(4)]
    with override_settings(
        AUTHENTICATION_BACKENDS=["eyt_audit.limits.backends.LockoutModelBackend"],
        EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP=3,
    ):
        for index, name in enumerate(names):
            authenticate(factory.post("/login/", REMOTE_ADDR=f"{network}::{index + 1}"), username=name, password="x")
        assert [lockout.status(name).failures for name in names] == [1, 1, 1, 0]  # the 4th was refused
        assert lockout.status(names[3], f"{network}:abcd::1").reason == "ip"
        lockout.unlock(ip=f"{network}::99")
        assert lockout.status(names[3], f"{network}::1").locked is False
