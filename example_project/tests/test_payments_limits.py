"""django-eyt-payments' create-intent is rate limited by django-eyt-audit when both are installed."""

import json

import pytest

pytestmark = pytest.mark.django_db


def create_intent(client, ref):
    return client.post(
        "/payments/create-intent/",
        data=json.dumps({"type": "tournament_fee", "ref": ref, "amount": "0.01"}),
        content_type="application/json",
    )


def test_create_intent_is_rate_limited_per_user(client, player, make_user, settings):
    settings.EYT_PAYMENTS_CREATE_INTENT_RATE = "2/m"
    client.force_login(player)
    answers = [create_intent(client, "999999") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [404, 404, 429]
    assert answers[0].json()["error"]["code"] == "unknown_payable"
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert int(answers[2]["Retry-After"]) > 0

    client.force_login(make_user("someone-else"))
    assert create_intent(client, "999999").status_code == 404  # another user has a window of their own


def test_rate_limit_enabled_false_switches_it_off(client, player, settings):
    settings.EYT_PAYMENTS_CREATE_INTENT_RATE = "1/m"
    settings.RATE_LIMIT_ENABLED = False
    client.force_login(player)
    assert [create_intent(client, "999999").status_code for _ in range(3)] == [404, 404, 404]


def test_an_async_view_of_the_host_is_limited_too(rf, player, settings):
    from asgiref.sync import async_to_sync
    from django.http import HttpResponse

    from eyt_payments.integrations.limits import rate_limited

    @rate_limited("CREATE_INTENT_RATE", "host_async_checkout")
    async def checkout(request):
        return HttpResponse("ok")

    settings.EYT_PAYMENTS_CREATE_INTENT_RATE = "2/m"
    request = rf.post("/checkout/", REMOTE_ADDR="203.0.113.7")
    request.user = player
    answers = [async_to_sync(checkout)(request) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert json.loads(answers[2].content)["error"]["code"] == "rate_limited"
