"""The HTML pages: list filters, search, pagination and query counts; detail; the preferences form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from eyt_notify import notify
from eyt_notify.adapter import NotifyAdapter
from eyt_notify.models import Notification, QuietHours
from eyt_notify.preferences import enabled_channels

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def make(user, key="system.notice", title="Hello", **options):
    return notify(user, key, title=title, channels=["inapp"], **options).notification


def titles(response):
    return [n.title for n in response.context["page_obj"]]


def test_the_list_needs_a_login(client):
    response = client.get(reverse("eyt_notify:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_filters_by_state_type_and_priority(logged_in, user):
    make(user, title="Old news").mark_read()
    make(user, "match.starting", title="Kick-off", priority="urgent")
    make(user, "team.invite", title="Join us", priority="low")
    url = reverse("eyt_notify:list")
    assert titles(logged_in.get(url)) == ["Join us", "Kick-off", "Old news"]
    assert titles(logged_in.get(url, {"state": "unread"})) == ["Join us", "Kick-off"]
    assert titles(logged_in.get(url, {"state": "read"})) == ["Old news"]
    assert titles(logged_in.get(url, {"type": "match.starting"})) == ["Kick-off"]
    assert titles(logged_in.get(url, {"priority": "low"})) == ["Join us"]


def test_search_looks_in_title_and_message(logged_in, user, make_user):
    make(user, title="Final tonight")
    make(user, title="Reminder", message="The FINAL starts at 20:00")
    make(user, title="Other")
    make(make_user(), title="Final for someone else")
    assert titles(logged_in.get(reverse("eyt_notify:list"), {"q": "final"})) == ["Reminder", "Final tonight"]


def test_a_bad_filter_is_a_400_with_the_error(logged_in):
    response = logged_in.get(reverse("eyt_notify:list"), {"priority": "huge"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_expired_notifications_are_not_listed(logged_in, user):
    from django.utils import timezone

    make(user, title="Gone", expires_at=timezone.now() - dt.timedelta(minutes=1))
    make(user, title="Here")
    assert titles(logged_in.get(reverse("eyt_notify:list"))) == ["Here"]


def test_item_ids_are_not_localized(logged_in, user, settings):
    settings.LANGUAGE_CODE, settings.USE_THOUSAND_SEPARATOR = "de", True
    Notification.objects.filter(pk=make(user).pk).update(id=1234)
    assert 'data-id="1234"' in logged_in.get(reverse("eyt_notify:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_pagination_keeps_the_filters(logged_in, user, settings):
    settings.EYT_NOTIFY_PAGE_SIZE = 2
    for i in range(5):
        make(user, title=f"n{i}")
    response = logged_in.get(reverse("eyt_notify:list"), {"state": "unread", "page": 2})
    assert titles(response) == ["n2", "n1"]
    assert 'href="?state=unread&amp;page=3"' in response.content.decode()
    assert titles(logged_in.get(reverse("eyt_notify:list"), {"page": 99})) == ["n0"]


def test_the_list_has_no_n_plus_one(logged_in, user, make_user, django_assert_num_queries):
    actor = make_user("carol")
    make(user, actor=actor)
    logged_in.get(reverse("eyt_notify:list"))
    # session, user, page count, the page with actors (the bell's count is cached)
    with django_assert_num_queries(4):
        logged_in.get(reverse("eyt_notify:list"))
    for _ in range(9):
        make(user, actor=make_user())
    logged_in.get(reverse("eyt_notify:list"))
    with django_assert_num_queries(4):
        response = logged_in.get(reverse("eyt_notify:list"))
    assert len(titles(response)) == 10


class NicknameAdapter(NotifyAdapter):
    def get_display_name(self, user):
        return f"@{user.get_username()}"


def test_the_pages_name_the_actor_as_the_json_does(logged_in, user, make_user, settings):
    actor = make_user("carol", first_name="Carol", last_name="Danvers")
    pk = make(user, actor=actor).pk
    assert "Carol Danvers ·" in logged_in.get(reverse("eyt_notify:list")).content.decode()
    assert "· Carol Danvers" in logged_in.get(reverse("eyt_notify:detail", args=[pk])).content.decode()
    settings.EYT_NOTIFY_ADAPTER = f"{__name__}.NicknameAdapter"  # a host's adapter reaches the pages too
    assert "@carol ·" in logged_in.get(reverse("eyt_notify:list")).content.decode()
    [item] = logged_in.get(reverse("eyt_notify:recent")).json()["notifications"]
    assert item["actor"]["name"] == "@carol"


def test_titles_are_escaped(logged_in, user):
    make(user, title="<img src=x onerror=alert(1)>")
    body = logged_in.get(reverse("eyt_notify:list")).content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_the_detail_marks_read(logged_in, user, committed):
    notification = make(user, action_url="/matches/7/")
    with committed():
        response = logged_in.get(reverse("eyt_notify:detail", args=[notification.pk]))
    assert response.status_code == 200
    assert 'href="/matches/7/"' in response.content.decode()
    notification.refresh_from_db()
    assert notification.is_read


def test_the_detail_drops_a_javascript_action_url(logged_in, user):
    notification = make(user, action_url="javascript:alert(1)")
    body = logged_in.get(reverse("eyt_notify:detail", args=[notification.pk])).content.decode()
    assert "javascript:" not in body


def test_another_users_detail_is_a_404(logged_in, make_user):
    theirs = make(make_user())
    assert logged_in.get(reverse("eyt_notify:detail", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_preferences_show_required_channels_locked(logged_in):
    body = logged_in.get(reverse("eyt_notify:preferences")).content.decode()
    assert 'name="pref__payment.receipt__email" id="id_pref__payment.receipt__email" checked disabled' in body
    assert 'name="pref__match.starting__memory" id="id_pref__match.starting__memory">' in body  # off by default
    assert 'name="pref__match.starting__email" id="id_pref__match.starting__email" checked>' in body


def test_preferences_save_and_are_honoured(logged_in, user):
    response = logged_in.post(
        reverse("eyt_notify:preferences"),
        {
            "pref__match.starting__memory": "on",  # email left out: turned off
            "pref__team.invite__memory": "on",
            "quiet-enabled": "on",
            "quiet-start": "22:00",
            "quiet-end": "07:00",
            "quiet-timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    assert enabled_channels(user, "match.starting") == ["inapp", "memory"]
    quiet = QuietHours.objects.get(user=user)
    assert (quiet.start, quiet.end, quiet.timezone, quiet.enabled) == (dt.time(22), dt.time(7), "Europe/Berlin", True)
    body = logged_in.get(reverse("eyt_notify:preferences")).content.decode()
    assert 'name="pref__match.starting__email" id="id_pref__match.starting__email">' in body


def test_a_required_channel_cannot_be_turned_off_by_posting(logged_in, user):
    logged_in.post(reverse("eyt_notify:preferences"), {"pref__match.starting__email": "on"})
    assert "email" in enabled_channels(user, "payment.receipt")
    assert not user.eyt_notify_preferences.filter(key="payment.receipt").exists()


def test_invalid_quiet_hours_change_nothing(logged_in, user):
    response = logged_in.post(
        reverse("eyt_notify:preferences"),
        {"quiet-enabled": "on", "quiet-start": "22:00", "quiet-end": "07:00", "quiet-timezone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert not QuietHours.objects.filter(user=user).exists()
    assert enabled_channels(user, "match.starting") == ["inapp", "email"]


def test_turning_quiet_hours_off_keeps_the_times(logged_in, user):
    QuietHours.objects.create(user=user, start=dt.time(22), end=dt.time(7), timezone="UTC")
    logged_in.post(reverse("eyt_notify:preferences"), {"pref__match.starting__email": "on"})
    quiet = QuietHours.objects.get(user=user)
    assert (quiet.enabled, quiet.start) == (False, dt.time(22))
