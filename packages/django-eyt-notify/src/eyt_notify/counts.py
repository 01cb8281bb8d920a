"""Unread counts per user, read from the cache and computed from the partial index on a miss.

Two cache entries per user: a *version* token and the *count* stored with the version it was computed under.
A change deletes the version (after commit); a reader trusts a count only while its version is the current one.
A reader that computed from an older state and writes late stores a count under a version that no longer exists,
so a stale write racing an invalidation is never served: the next read recomputes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import router, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from eyt_notify.conf import settings

__all__ = [
    "UnreadCount",
    "cache_keys",
    "cached_count",
    "current_version",
    "invalidate",
    "invalidate_on_commit",
    "unread_count",
]

_CHUNK = 1000
#: Versions outlive counts; a version that expires anyway only costs one recomputation.
VERSION_TIMEOUT = 30 * 86400


@dataclass(frozen=True)
class UnreadCount:
    """A user's unread count and the cache version it belongs to (the ETag changes whenever either does)."""

    count: int
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}-{self.count}"'


def _cache() -> BaseCache:
    return caches[settings.EYT_NOTIFY_CACHE_ALIAS]


def cache_keys(user_id: Any) -> tuple[str, str]:
    """The cache keys of ``user_id``'s count and version, for a caller that reads them with its own ``get_many``."""
    return f"eyt_notify:unread:{user_id}", f"eyt_notify:unread-version:{user_id}"


def unread_count(user_id: Any, *, fresh: bool = False, cached: Mapping[str, Any] | None = None) -> UnreadCount:
    """The number of unread, unexpired notifications of ``user_id``: one cache read on a hit, one query on a miss.

    ``fresh=True`` counts in the database and caches nothing: right after a change inside a transaction that has
    not committed yet (``ATOMIC_REQUESTS``), the cached count is about to be dropped. ``cached`` is what the caller
    just read of ``cache_keys(user_id)`` in the same ``EYT_NOTIFY_CACHE_ALIAS`` (no cache read of its own then).
    """
    if fresh:
        return UnreadCount(_count_from_database(user_id)[0], "fresh")
    cache = _cache()
    count_key, version_key = cache_keys(user_id)
    found = cached if cached is not None else cache.get_many([count_key, version_key])
    hit = cached_count(found, user_id)
    if hit is not None:
        return hit
    version = found.get(version_key)
    if version is None:
        version = current_version(cache, version_key, VERSION_TIMEOUT)
    count, next_expiry = _count_from_database(user_id)
    cache.set(count_key, (version, count), timeout=_timeout(next_expiry))
    return UnreadCount(count, version)


def cached_count(found: Mapping[str, Any], user_id: Any) -> UnreadCount | None:
    """The count in ``found`` (what was read of ``cache_keys(user_id)``) if it is trusted: stored under the current
    version. ``None`` means it must be counted again."""
    count_key, version_key = cache_keys(user_id)
    version, entry = found.get(version_key), found.get(count_key)
    if version is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return UnreadCount(entry[1], version)
    return None


def current_version(cache: BaseCache, key: str, timeout: int) -> str:
    """The version token under ``key``, started if there is none (``add``: of two racing starters, one wins and
    both use its token). A change deletes the token, so whatever was cached under the old one is no longer
    trusted."""
    version = secrets.token_hex(8)
    if not cache.add(key, version, timeout=timeout):
        version = cache.get(key) or version
    return version


def _count_from_database(user_id: Any) -> tuple[int, dt.datetime | None]:
    """One aggregate over the partial index of unread rows: the count and the next expiry among them."""
    from eyt_notify.models import Notification

    now = timezone.now()
    result = (
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .aggregate(count=Count("pk"), next_expiry=Min("expires_at"))
    )
    return result["count"], result["next_expiry"]


def _timeout(next_expiry: dt.datetime | None) -> int:
    """Cache the count no longer than ``UNREAD_COUNT_TIMEOUT``, nor past the moment an unread one expires."""
    timeout = int(settings.EYT_NOTIFY_UNREAD_COUNT_TIMEOUT)
    if next_expiry is not None:
        timeout = min(timeout, max(1, int((next_expiry - timezone.now()).total_seconds()) + 1))
    return timeout


def invalidate(user_ids: Iterable[Any]) -> None:
    """Forget the cached counts of ``user_ids`` now (one cache call per thousand users)."""
    cache = _cache()
    ids = iter(user_ids)
    while chunk := list(islice(ids, _CHUNK)):
        cache.delete_many([cache_keys(user_id)[1] for user_id in chunk])


def invalidate_on_commit(user_ids: Iterable[Any], using: str | None = None) -> None:
    """Forget the cached counts of ``user_ids`` once the current transaction commits (at once in autocommit)."""
    from eyt_notify.models import Notification

    ids = list(user_ids)
    transaction.on_commit(lambda: invalidate(ids), using=using or router.db_for_write(Notification), robust=True)
