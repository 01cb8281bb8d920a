import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from eyt_audit.limits.exceptions import InvalidRate, InvalidRule
from eyt_audit.limits.middleware import RateLimitMiddleware, compile_rules
from tests import limits_support

# fixtures shared by the limits tests
counters = limits_support.counters

factory = RequestFactory()


def respond(request):
    return HttpResponse("ok")


async def respond_async(request):
    return HttpResponse("ok")


def rules(*entries):
    group = uuid.uuid4().hex
    return [{"group": f"{group}-{index}", **entry} for index, entry in enumerate(entries)]


def test_a_rule_limits_the_paths_and_methods_it_names(counters):
    middleware = RateLimitMiddleware(respond)
    with override_settings(EYT_AUDIT_RATE_LIMITS=rules({"path": r"^/api/", "methods": ["POST"], "rate": "2/m"})):
        assert [middleware(factory.post("/api/x/")).status_code for _ in range(3)] == [200, 200, 429]
        assert middleware(factory.get("/api/x/")).status_code == 200
        assert middleware(factory.post("/elsewhere/")).status_code == 200


def test_every_matching_rule_must_have_room_and_a_refusal_counts_in_none(counters):
    settings = rules({"path": r"^/api/", "rate": "3/m"}, {"path": r"^/api/login/", "rate": "1/m"})
    middleware = RateLimitMiddleware(respond)
    with override_settings(EYT_AUDIT_RATE_LIMITS=settings):
        assert [middleware(factory.get("/api/login/")).status_code for _ in range(3)] == [200, 429, 429]
        # the two refused logins did not use the broader rule's slots
        assert [middleware(factory.get("/api/other/")).status_code for _ in range(3)] == [200, 200, 429]


def test_the_refusal_is_json_for_json_clients(counters):
    middleware = RateLimitMiddleware(respond)
    with override_settings(EYT_AUDIT_RATE_LIMITS=rules({"path": "^/", "rate": "1/h"})):
        middleware(factory.get("/"))
        response = middleware(factory.get("/", HTTP_ACCEPT="application/json"))
    assert response.status_code == 429
    assert json.loads(response.content)["retry_after"] == int(response["Retry-After"])
    assert 0 < int(response["Retry-After"]) <= 3600


def test_the_middleware_works_under_asgi(counters):
    middleware = RateLimitMiddleware(respond_async)
    with override_settings(EYT_AUDIT_RATE_LIMITS=rules({"path": "^/", "rate": "1/m"})):
        call = async_to_sync(middleware)
        assert [call(factory.get("/")).status_code for _ in range(2)] == [200, 429]


def test_rules_follow_setting_changes(counters):
    middleware = RateLimitMiddleware(respond)
    with override_settings(EYT_AUDIT_RATE_LIMITS=rules({"path": "^/", "rate": "1/m"})):
        assert [middleware(factory.get("/")).status_code for _ in range(2)] == [200, 429]
    assert [middleware(factory.get("/")).status_code for _ in range(2)] == [200, 200]


def test_a_rule_can_fail_closed(counters):
    middleware = RateLimitMiddleware(respond)
    settings = rules({"path": "^/", "rate": "1/m", "fail_open": False})
    with override_settings(
        EYT_AUDIT_RATE_LIMITS=settings, CACHES={"default": {"BACKEND": "tests.limits_support.BrokenCache"}}
    ):
        assert middleware(factory.get("/")).status_code == 503


def by_header(request):
    return request.headers.get("X-Api-Key")


def test_key_by_dotted_path(counters):
    middleware = RateLimitMiddleware(respond)
    settings = rules({"path": "^/", "rate": "1/m", "key": "tests.test_limits_middleware.by_header"})
    with override_settings(EYT_AUDIT_RATE_LIMITS=settings):
        assert [middleware(factory.get("/", HTTP_X_API_KEY="k1")).status_code for _ in range(2)] == [200, 429]
        assert middleware(factory.get("/", HTTP_X_API_KEY="k2")).status_code == 200


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        ({"path": "^/"}, InvalidRule, "EYT_AUDIT_RATE_LIMITS must be a list"),
        ([{"path": "^/"}], InvalidRule, "EYT_AUDIT_RATE_LIMITS[0] must be a dict with at least 'path' and 'rate'"),
        ([{"path": "^/", "rate": "1/m", "burst": 3}], InvalidRule, "unknown fields ['burst']"),
        ([{"path": "(", "rate": "1/m"}], InvalidRule, "is not a regular expression"),
        ([{"path": "^/", "rate": "lots"}], InvalidRate, "EYT_AUDIT_RATE_LIMITS[0]: 'lots' is not a rate"),
        ([{"path": "^/", "rate": "1/m", "key": "cookie"}], InvalidRule, "is not a rate-limit key"),
    ],
)
def test_bad_rules_raise_naming_the_rule(raw, error, message):
    with pytest.raises(error) as raised:
        compile_rules(raw)
    assert message in str(raised.value)
