"""The cached unread count: hits without queries, misses with one, invalidation and the stale-write guard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from eyt_notify import counts, notify
from eyt_notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def make(user, **options):
    return notify(user, "system.notice", title="Hi", **options).notification


def test_a_miss_counts_once_and_a_hit_needs_no_query(user, django_assert_num_queries):
    make(user)
    make(user)
    with django_assert_num_queries(1):
        assert counts.unread_count(user.pk).count == 2
    with django_assert_num_queries(0):
        assert counts.unread_count(user.pk).count == 2


def test_counts_are_per_user(user, make_user):
    other = make_user()
    make(user)
    assert counts.unread_count(user.pk).count == 1
    assert counts.unread_count(other.pk).count == 0


def test_invalidate_drops_the_count(user):
    make(user)
    before = counts.unread_count(user.pk)
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())  # a raw change: no invalidation
    assert counts.unread_count(user.pk).count == 1
    counts.invalidate([user.pk])
    after = counts.unread_count(user.pk)
    assert after.count == 0
    assert after.etag != before.etag


def test_a_stale_write_racing_an_invalidation_is_never_served(user):
    """A reader that counted before a change but stores after its invalidation must not win."""
    make(user)
    count_key, version_key = counts.cache_keys(user.pk)
    counts.unread_count(user.pk)
    version_seen_by_slow_reader = cache.get(version_key)
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    counts.invalidate([user.pk])  # the change commits and invalidates
    assert counts.unread_count(user.pk).count == 0  # a fast reader recomputes
    cache.set(count_key, (version_seen_by_slow_reader, 1))  # the slow reader's stale write lands last
    assert counts.unread_count(user.pk).count == 0


def test_read_and_expired_notifications_do_not_count(user):
    make(user)
    make(user).mark_read()
    make(user, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert counts.unread_count(user.pk).count == 1


def test_the_count_is_cached_no_longer_than_the_next_expiry(user, settings):
    settings.EYT_NOTIFY_UNREAD_COUNT_TIMEOUT = 3600
    assert counts._timeout(None) == 3600
    assert counts._timeout(timezone.now() + dt.timedelta(seconds=30)) in (30, 31)
    assert counts._timeout(timezone.now() - dt.timedelta(seconds=30)) == 1


def test_fresh_counts_in_the_database_and_caches_nothing(user, django_assert_num_queries):
    make(user)
    assert counts.unread_count(user.pk).count == 1
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    with django_assert_num_queries(1):
        assert counts.unread_count(user.pk, fresh=True).count == 0
    assert counts.unread_count(user.pk).count == 1  # the cached entry was left alone


def test_invalidate_on_commit_waits_for_the_commit(user, django_capture_on_commit_callbacks):
    make(user)
    counts.unread_count(user.pk)
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts.invalidate_on_commit([user.pk])
    assert counts.unread_count(user.pk).count == 1
    callbacks[0]()
    assert counts.unread_count(user.pk).count == 0


@pytest.mark.redis
def test_the_count_cache_on_redis(user, django_assert_num_queries):
    make(user)
    with django_assert_num_queries(1):
        assert counts.unread_count(user.pk).count == 1
    with django_assert_num_queries(0):
        assert counts.unread_count(user.pk).count == 1
    counts.invalidate([user.pk])
    with django_assert_num_queries(1):
        assert counts.unread_count(user.pk).count == 1
