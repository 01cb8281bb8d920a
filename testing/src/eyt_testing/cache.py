"""A Redis cache for test runs that share one Redis server: ``clear()`` deletes only this run's keys.

Django's ``RedisCache.clear()`` is ``FLUSHDB``, which would wipe the counters of every other test run (parallel
tox environments, several packages) using the same database.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    def clear(self) -> bool:
        client = self._cache.get_client(write=True)
        pattern = self.make_key("*")
        for batch in _batched(client.scan_iter(match=pattern, count=1000), 500):
            client.delete(*batch)
        return True


def _batched(keys, size):  # type: ignore[no-untyped-def]
    batch = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
