"""The JSON endpoints: ownership, CSRF, methods, schema, counts after each change, ETag/304 and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from eyt_notify import notify
from eyt_notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other(make_user):
    return make_user("bob")


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def make(user, title="Match starts", count=1, **options):
    options.setdefault("channels", ["inapp"])
    return [
        notify(user, "match.starting", title=f"{title} {i}" if count > 1 else title, **options).notification
        for i in range(count)
    ]


def count_of(client):
    return client.get(reverse("eyt_notify:unread_count")).json()["unread_count"]


def test_recent_has_the_documented_schema(logged_in, user, other):
    [notification] = make(user, message="Final at 20:00", action_url="/matches/7/", actor=other, data={"match": 7})
    body = logged_in.get(reverse("eyt_notify:recent")).json()
    assert body["unread_count"] == 1
    assert body["notifications"] == [
        {
            "id": notification.pk,
            "type": "match.starting",
            "category": "matches",
            "title": "Match starts",
            "message": "Final at 20:00",
            "priority": "high",
            "url": f"/notifications/{notification.pk}/",
            "action_url": "/matches/7/",
            "is_read": False,
            "created_at": notification.created_at.isoformat(),
            "read_at": None,
            "actor": {"id": other.pk, "name": "bob"},
            "data": {"match": 7},
        }
    ]


def test_times_are_utc_also_with_use_tz_off(logged_in, user, settings):
    settings.USE_TZ, settings.TIME_ZONE = False, "America/New_York"
    [notification] = make(user)
    Notification.objects.filter(pk=notification.pk).update(created_at=dt.datetime(2026, 7, 1, 20, 0))  # EDT
    [item] = logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]
    assert item["created_at"] == "2026-07-02T00:00:00+00:00"


def test_recent_names_the_actor_of_a_custom_user_model_by_its_str_not_its_login(logged_in, user, other, monkeypatch):
    from django.contrib.auth.models import AbstractUser

    # a custom user model: no get_full_name(), the login may be a private email address, __str__ is its name
    monkeypatch.delattr(AbstractUser, "get_full_name")
    monkeypatch.setattr(type(other), "get_username", lambda self: "bob@example.com")
    monkeypatch.setattr(type(other), "__str__", lambda self: "Bob Builder")
    make(user, actor=other)
    [notification] = logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]
    assert notification["actor"] == {"id": other.pk, "name": "Bob Builder"}


def test_recent_hides_unsafe_action_urls_and_other_users_rows(logged_in, user, other):
    make(user, action_url="javascript:alert(1)")
    make(other, title="Bob's")
    [item] = logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]
    assert item["action_url"] == ""
    assert item["title"] == "Match starts"


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
def test_recent_rejects_a_bad_limit(logged_in, limit):
    response = logged_in.get(reverse("eyt_notify:recent"), {"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "limit" in response.json()["error"]["fields"]


def test_recent_query_count_does_not_grow_with_the_rows(logged_in, user, other, django_assert_num_queries):
    make(user, count=2, actor=other)
    logged_in.get(reverse("eyt_notify:recent"))  # warms the cached count
    # session, user, the page of notifications with their actors
    with django_assert_num_queries(3):
        assert len(logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]) == 2
    make(user, count=8, actor=other)
    logged_in.get(reverse("eyt_notify:unread_count"))
    with django_assert_num_queries(3):
        assert len(logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]) == 10


@pytest.mark.parametrize(
    ("name", "args"),
    [("recent", []), ("unread_count", []), ("mark_all_read", []), ("read", [1]), ("delete", [1])],
)
def test_json_endpoints_need_a_login(client, name, args):
    method = client.get if name in ("recent", "unread_count") else client.post
    response = method(reverse(f"eyt_notify:{name}", args=args))
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Log in to see your notifications."}}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["read", "delete"])
def test_another_users_notification_is_a_404_and_stays_unchanged(logged_in, other, name):
    [theirs] = make(other)
    response = logged_in.post(reverse(f"eyt_notify:{name}", args=[theirs.pk]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(("name", "args"), [("mark_all_read", []), ("read", [None]), ("delete", [None])])
def test_state_changes_refuse_get(logged_in, user, name, args):
    [mine] = make(user)
    response = logged_in.get(reverse(f"eyt_notify:{name}", args=[mine.pk if a is None else a for a in args]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert Notification.objects.get(pk=mine.pk).read_at is None


@pytest.mark.parametrize(("name", "needs_id"), [("mark_all_read", False), ("read", True), ("delete", True)])
def test_state_changes_need_a_csrf_token(user, name, needs_id):
    [mine] = make(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse(f"eyt_notify:{name}", args=[mine.pk] if needs_id else [])
    refused = client.post(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert Notification.objects.filter(pk=mine.pk, read_at__isnull=True).exists()
    client.get(reverse("eyt_notify:list"))  # sets the CSRF cookie
    accepted = client.post(url, headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert accepted.status_code == 200
    assert accepted.json()["unread_count"] == 0


def test_the_count_is_right_after_every_change(logged_in, user, committed):
    assert count_of(logged_in) == 0
    with committed():
        first, second, third = make(user, count=3)
    assert count_of(logged_in) == 3

    with committed():
        response = logged_in.post(reverse("eyt_notify:read", args=[first.pk]))
    assert response.json()["unread_count"] == 2
    assert response.json()["notification"]["is_read"] is True
    assert count_of(logged_in) == 2

    with committed():
        response = logged_in.post(reverse("eyt_notify:read", args=[first.pk]))  # twice changes nothing
    assert response.json()["unread_count"] == 2

    with committed():
        response = logged_in.post(reverse("eyt_notify:delete", args=[second.pk]))
    assert response.json() == {"deleted": second.pk, "unread_count": 1}
    assert count_of(logged_in) == 1

    with committed():
        make(user, title="Another")
    assert count_of(logged_in) == 2

    with committed():
        response = logged_in.post(reverse("eyt_notify:mark_all_read"))
    assert response.json() == {"marked": 2, "unread_count": 0}
    assert count_of(logged_in) == 0

    with committed():
        Notification.objects.get(pk=third.pk).mark_unread()
    assert count_of(logged_in) == 1


def test_mark_all_read_answers_how_many_the_count_showed(logged_in, user):
    import datetime as dt

    from django.utils import timezone

    make(user, count=2)
    make(user, title="Gone", expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert count_of(logged_in) == 2
    response = logged_in.post(reverse("eyt_notify:mark_all_read"))
    assert response.json() == {"marked": 2, "unread_count": 0}


def test_the_cached_count_changes_only_after_commit(logged_in, user, django_capture_on_commit_callbacks):
    make(user)
    assert count_of(logged_in) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = logged_in.post(reverse("eyt_notify:mark_all_read"))
        assert response.json()["unread_count"] == 0  # the answer counts what this request did
    assert len(callbacks) == 1
    callbacks[0]()
    assert count_of(logged_in) == 0


def test_a_fan_out_invalidates_every_recipients_count(client, make_user, committed):
    from django.contrib.auth import get_user_model

    users = [make_user() for _ in range(3)]
    client.force_login(users[2])
    assert count_of(client) == 0
    with committed():
        recipients = get_user_model().objects.filter(pk__in=[u.pk for u in users])
        notify(recipients, "team.invite", title="Join", channels=["inapp"])
    assert count_of(client) == 1


def test_a_form_post_with_next_goes_back(logged_in, user):
    [mine] = make(user)
    response = logged_in.post(reverse("eyt_notify:read", args=[mine.pk]), {"next": "/notifications/?state=unread"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?state=unread"
    offsite = logged_in.post(reverse("eyt_notify:mark_all_read"), {"next": "https://evil.example/"})
    assert offsite.status_code == 200


def test_unread_count_answers_304_while_unchanged(logged_in, user, committed):
    make(user)
    first = logged_in.get(reverse("eyt_notify:unread_count"))
    assert first.status_code == 200
    etag = first["ETag"]
    again = logged_in.get(reverse("eyt_notify:unread_count"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    with committed():
        Notification.objects.for_user(user).mark_all_read()
    changed = logged_in.get(reverse("eyt_notify:unread_count"), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json() == {"unread_count": 0}
    assert changed["ETag"] != etag


def test_unread_count_is_never_cached_by_browsers(logged_in):
    response = logged_in.get(reverse("eyt_notify:unread_count"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_unread_count_with_database_sessions_costs_the_session_and_nothing_else(
    logged_in, user, django_assert_num_queries
):
    make(user)
    logged_in.get(reverse("eyt_notify:unread_count"))
    with django_assert_num_queries(1):  # the database session; login and count come from the cache
        assert logged_in.get(reverse("eyt_notify:unread_count")).json() == {"unread_count": 1}
