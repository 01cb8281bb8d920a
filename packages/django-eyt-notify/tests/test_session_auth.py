"""The zero-query login check of unread-count/: cached auth hashes, and everything that must invalidate them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches

from eyt_notify import notify, session_auth

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_sessions")]
URL = "/notifications/unread-count/"


@pytest.fixture
def logged_in(client, user):
    notify(user, "system.notice", title="Hi")
    client.force_login(user)
    return client


def test_a_cache_hit_needs_no_database_query(logged_in, django_assert_num_queries):
    with django_assert_num_queries(2):  # first request: the user (Django's own check) and the count
        assert logged_in.get(URL).json() == {"unread_count": 1}
    with django_assert_num_queries(0):
        assert logged_in.get(URL).json() == {"unread_count": 1}


def test_a_cache_hit_is_the_session_and_one_more_cache_read(logged_in):
    logged_in.get(URL)
    default = caches["default"]
    with (
        mock.patch.object(default, "get", wraps=default.get) as get,
        mock.patch.object(default, "get_many", wraps=default.get_many) as get_many,
    ):
        assert logged_in.get(URL).json() == {"unread_count": 1}
    (read_together,) = [call.args[0] for call in get_many.call_args_list]  # the login check and the count
    assert {key.split(":")[1] for key in read_together} == {
        "session-auth",
        "session-auth-version",
        "unread",
        "unread-version",
    }
    alone = [call.args[0] for call in get.call_args_list if call.args[0] not in read_together]
    assert len(alone) == 1 and alone[0].startswith("django.contrib.sessions")  # the session (locmem reads one by one)


def test_a_password_change_logs_the_old_session_out(logged_in, user):
    assert logged_in.get(URL).status_code == 200
    user.set_password("a new secret")
    user.save()
    response = logged_in.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_deactivated_user_is_logged_out(logged_in, user):
    assert logged_in.get(URL).status_code == 200
    user.is_active = False
    user.save()
    assert logged_in.get(URL).status_code == 401


def test_a_password_changed_behind_save_is_caught_when_the_entry_expires(logged_in, user):
    assert logged_in.get(URL).status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(password="md5$x$y")
    assert logged_in.get(URL).status_code == 200  # within EYT_NOTIFY_AUTH_CACHE_TIMEOUT (documented)
    cache.delete(f"eyt_notify:session-auth:{user.pk}")  # the entry expires
    assert logged_in.get(URL).status_code == 401


def _late_write(user, old_hash):
    """A request that read the version and loaded the user before a password change caches the old hash after it."""
    version = session_auth._version(user.pk)
    return lambda: cache.set(
        f"eyt_notify:session-auth:{user.pk}", (version, "django.contrib.auth.backends.ModelBackend", old_hash)
    )


def test_an_old_hash_cached_late_by_a_racing_request_is_not_trusted(logged_in, user):
    assert logged_in.get(URL).status_code == 200
    write_late = _late_write(user, user.get_session_auth_hash())
    user.set_password("a new secret")
    user.save()
    write_late()
    assert logged_in.get(URL).status_code == 401


def test_the_hash_is_forgotten_again_when_the_change_commits(logged_in, user, committed):
    assert logged_in.get(URL).status_code == 200
    old_hash = user.get_session_auth_hash()
    with committed():
        user.set_password("a new secret")
        user.save()
        _late_write(user, old_hash)()  # before the commit, other requests still read the old row
    assert logged_in.get(URL).status_code == 401


def test_a_forged_session_hash_is_refused(client, user):
    client.force_login(user)
    assert client.get(URL).status_code == 200
    session = client.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    assert client.get(URL).status_code == 401


def test_fast_auth_can_be_turned_off(logged_in, settings, django_assert_num_queries):
    settings.EYT_NOTIFY_FAST_AUTH = False
    logged_in.get(URL)
    with django_assert_num_queries(1):  # the user; the count is cached
        assert logged_in.get(URL).status_code == 200


def test_anonymous_requests_are_401_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(URL).status_code == 401
