"""Atomic counters in the Django cache named by ``EYT_AUDIT_CACHE_ALIAS``.

``RedisStore`` (Django's ``RedisCache`` or django-redis) decides each rate-limit hit and each login reservation
in one Lua script: one round trip, atomic across every process, exact. ``CacheStore`` serves any other cache with
``cache.add()`` / ``cache.incr()``: exact per counter where ``incr`` is atomic (memcached, local memory within
one process) but weaker: its sliding window is an estimate from two fixed buckets (up to 2x the rate for traffic
bunched at a bucket's end), lock times are upper bounds, and the database cache's ``incr`` is not atomic at all.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import BaseCache, caches

from eyt_audit.conf import settings
from eyt_audit.limits import scripts
from eyt_audit.limits.exceptions import StorageUnavailable
from eyt_audit.limits.rates import Rate

__all__ = [
    "CacheStore",
    "CounterStore",
    "Decision",
    "LoginKeys",
    "LoginLimits",
    "RedisStore",
    "Reservation",
    "Window",
    "get_store",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """One rate applied to one counter key."""

    key: str
    rate: Rate


@dataclass(frozen=True)
class Decision:
    """A rate-limit answer: admitted or not, seconds until a slot frees, slots left after this request."""

    allowed: bool
    retry_after: float = 0.0
    remaining: int = 0


@dataclass(frozen=True)
class LoginKeys:
    """The counters one login attempt touches."""

    account: str
    pair: str
    ip: str
    trusted: str
    pairs_index: str


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed per account, (IP, username) pair and IP, and how long a failure is remembered."""

    account: int
    pair: int
    ip: int
    window: int  # seconds a failure is remembered after the last one


@dataclass(frozen=True)
class Reservation:
    """A login attempt's answer. Refused: ``reason`` is ``"account"``, ``"ip"`` or ``"pair"``. Reserved:
    ``failures`` are the account, pair and IP counts including this attempt; ``trusted`` when the pair had
    logged in successfully before."""

    allowed: bool
    reason: str = ""
    retry_after: float = 0.0
    failures: tuple[int, int, int] = (0, 0, 0)
    trusted: bool = False


class CounterStore(ABC):
    """The operations the limits need; every one raises ``StorageUnavailable`` when the cache fails."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    @abstractmethod
    def hit(self, windows: Sequence[Window]) -> Decision:
        """Admit one request only if every window has room, and then count it in all of them."""

    @abstractmethod
    def reserve_login(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        """Count one attempt before its password is checked, unless a counter is at its limit."""

    @abstractmethod
    def succeed_login(self, keys: LoginKeys, trust_seconds: int) -> None:
        """Give back a reservation whose password was right, clear the pair, trust the pair."""

    @abstractmethod
    def login_status(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        """What ``reserve_login`` would answer, without counting (``allowed=False`` means locked)."""

    @abstractmethod
    def clear(self, keys: Sequence[str], pairs_index: str | None = None) -> None:
        """Delete counters, and with ``pairs_index`` every pair counter recorded in it."""


def _unavailable(error: Exception) -> StorageUnavailable:
    unavailable = StorageUnavailable(f"the counter cache failed: {error.__class__.__name__}")
    unavailable.__cause__ = error
    return unavailable


class RedisStore(CounterStore):
    """Lua scripts on the Redis server behind Django's ``RedisCache`` (or django-redis)."""

    def __init__(self, cache: BaseCache, client_factory: Callable[[], Any]) -> None:
        super().__init__(cache)
        self._client_factory = client_factory

    def _run(self, source: str, keys: Sequence[str], args: Sequence[Any]) -> list[Any]:
        import redis

        full_keys = [self.cache.make_key(key) for key in keys]
        try:
            client = self._client_factory()
            try:
                return client.evalsha(_sha(source), len(full_keys), *full_keys, *args)  # type: ignore[no-any-return]
            except redis.exceptions.NoScriptError:
                return client.eval(source, len(full_keys), *full_keys, *args)  # type: ignore[no-any-return]
        except (redis.exceptions.RedisError, OSError) as error:
            raise _unavailable(error) from error

    def hit(self, windows: Sequence[Window]) -> Decision:
        args: list[Any] = [secrets.token_hex(8)]
        for window in windows:
            args += [window.rate.count, window.rate.period * 1000]
        allowed, wait, remaining = self._run(scripts.HIT, [window.key for window in windows], args)
        return Decision(bool(allowed), retry_after=int(wait) / 1000, remaining=int(remaining))

    def reserve_login(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        answer = self._run(scripts.RESERVE, _login_keys(keys), _login_args(limits))
        if not answer[0]:
            return Reservation(False, reason=_text(answer[1]), retry_after=int(answer[2]) / 1000)
        failures = (int(answer[2]), int(answer[3]), int(answer[4]))
        return Reservation(True, failures=failures, trusted=bool(answer[1]))

    def succeed_login(self, keys: LoginKeys, trust_seconds: int) -> None:
        self._run(scripts.SUCCEED, _login_keys(keys)[:4], [trust_seconds * 1000])

    def login_status(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        locked, reason, left, account = self._run(scripts.STATUS, _login_keys(keys), _login_args(limits))
        return Reservation(
            not locked, reason=_text(reason), retry_after=int(left) / 1000, failures=(int(account), 0, 0)
        )

    def clear(self, keys: Sequence[str], pairs_index: str | None = None) -> None:
        import redis

        try:
            client = self._client_factory()
            names = [self.cache.make_key(key) for key in keys]
            if pairs_index is not None:
                index = self.cache.make_key(pairs_index)
                names += [index, *client.smembers(index)]
            client.delete(*names)
        except (redis.exceptions.RedisError, OSError) as error:
            raise _unavailable(error) from error


def _login_keys(keys: LoginKeys) -> list[str]:
    return [keys.account, keys.pair, keys.ip, keys.trusted, keys.pairs_index]


def _login_args(limits: LoginLimits) -> list[int]:
    return [limits.account, limits.pair, limits.ip, limits.window * 1000]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


_SHAS: dict[str, str] = {}


def _sha(source: str) -> str:
    if source not in _SHAS:
        _SHAS[source] = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324  (Redis names scripts by SHA-1)
    return _SHAS[source]


class CacheStore(CounterStore):
    """Any Django cache, through ``add`` / ``incr`` / ``decr``. See the module docstring for what it cannot do."""

    def _guard(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except Exception as error:  # any cache backend, any failure: the caller decides open or closed
            raise _unavailable(error) from error

    def _incr(self, key: str, timeout: int) -> int:
        for _ in range(3):
            self.cache.add(key, 0, timeout)
            try:
                return self.cache.incr(key)
            except ValueError:  # expired between add() and incr()
                continue
        raise StorageUnavailable(f"could not increment the counter {key!r}")

    def hit(self, windows: Sequence[Window]) -> Decision:
        return self._guard(lambda: self._hit(windows))

    def _hit(self, windows: Sequence[Window]) -> Decision:
        now = time.time()
        counted: list[str] = []
        wait, remaining = 0.0, -1
        for window in windows:
            period = window.rate.period
            bucket, elapsed = divmod(now, period)
            current = f"{window.key}:{int(bucket)}"
            used = self._incr(current, 2 * period + 1)
            counted.append(current)
            previous = self.cache.get(f"{window.key}:{int(bucket) - 1}", 0)
            estimate = previous * (1 - elapsed / period) + used
            if estimate > window.rate.count:
                wait = max(wait, _estimated_wait(window.rate.count - used + 1, previous, elapsed, period))
            else:
                left = int(window.rate.count - estimate)
                remaining = left if remaining < 0 else min(remaining, left)
        if wait:
            for key in counted:
                self.cache.decr(key)
            return Decision(False, retry_after=wait)
        return Decision(True, remaining=max(remaining, 0))

    def reserve_login(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        return self._guard(lambda: self._reserve(keys, limits))

    def _reserve(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        trusted = self.cache.get(keys.trusted) is not None
        counters = [] if trusted else [(keys.account, limits.account, "account"), (keys.ip, limits.ip, "ip")]
        counters.append((keys.pair, limits.pair, "pair"))
        for key, limit, reason in counters:  # a quick refusal that counts nothing
            if self.cache.get(key, 0) >= limit:
                return Reservation(False, reason=reason, retry_after=self._left(key))
        counts = {key: self._incr(key, limits.window) for key in (keys.account, keys.pair, keys.ip)}
        for key, limit, reason in counters:
            if counts[key] > limit:  # lost a race: give every increment back
                for counted in counts:
                    self.cache.decr(counted)
                return Reservation(False, reason=reason, retry_after=self._left(key))
        expires = time.time() + limits.window
        for key in counts:
            self.cache.touch(key, limits.window)
            self.cache.set(f"{key}:expires", expires, limits.window)
        index = set(self.cache.get(keys.pairs_index, ()))
        self.cache.set(keys.pairs_index, index | {keys.pair}, limits.window)
        failures = (counts[keys.account], counts[keys.pair], counts[keys.ip])
        return Reservation(True, failures=failures, trusted=trusted)

    def _left(self, key: str) -> float:
        expires = self.cache.get(f"{key}:expires")
        return max(0.0, expires - time.time()) if expires else 0.0

    def succeed_login(self, keys: LoginKeys, trust_seconds: int) -> None:
        def succeed() -> None:
            for key in (keys.account, keys.ip):
                if self.cache.get(key, 0) > 0:
                    self.cache.decr(key)
            self.cache.delete_many([keys.pair, f"{keys.pair}:expires"])
            self.cache.set(keys.trusted, 1, trust_seconds)

        self._guard(succeed)

    def login_status(self, keys: LoginKeys, limits: LoginLimits) -> Reservation:
        def status() -> Reservation:
            failures = (self.cache.get(keys.account, 0), 0, 0)
            counters = []
            if self.cache.get(keys.trusted) is None:
                counters += [(keys.account, limits.account, "account"), (keys.ip, limits.ip, "ip")]
            counters.append((keys.pair, limits.pair, "pair"))
            for key, limit, reason in counters:
                if self.cache.get(key, 0) >= limit:
                    return Reservation(False, reason=reason, retry_after=self._left(key), failures=failures)
            return Reservation(True, failures=failures)

        return self._guard(status)

    def clear(self, keys: Sequence[str], pairs_index: str | None = None) -> None:
        def clear() -> None:
            names = list(keys)
            if pairs_index is not None:
                names += [pairs_index, *self.cache.get(pairs_index, ())]
            self.cache.delete_many([*names, *(f"{name}:expires" for name in names)])

        self._guard(clear)


def _estimated_wait(room: int, previous: int, elapsed: float, period: int) -> float:
    """Seconds until the previous bucket's weight leaves ``room`` for one request; at least to the bucket's end
    when the current bucket alone is full."""
    if room <= 0 or previous <= 0:
        return period - elapsed
    return max(0.001, (1 - room / previous) * period - elapsed) if room < previous else 0.001


def redis_client_factory(cache: BaseCache) -> Callable[[], Any] | None:
    """A function returning the redis-py client behind ``cache`` (Django's or django-redis), else ``None``.

    The client is made once per cache object (Django keeps one per thread); it shares the cache's connection pool.
    """
    module = type(cache).__module__
    if module == "django.core.cache.backends.redis":
        backend = cache._cache  # type: ignore[attr-defined]
    elif module.startswith("django_redis") and hasattr(getattr(cache, "client", None), "get_client"):
        backend = cache.client  # type: ignore[attr-defined]
    else:
        return None

    def client() -> Any:
        made = cache.__dict__.get(_CLIENT_ATTRIBUTE)
        if made is None:
            made = cache.__dict__[_CLIENT_ATTRIBUTE] = backend.get_client(write=True)
        return made

    return client


_CLIENT_ATTRIBUTE = "_eyt_audit_redis_client"


def get_store(alias: str | None = None) -> CounterStore:
    """The store for ``EYT_AUDIT_CACHE_ALIAS``: ``RedisStore`` on Redis, ``CacheStore`` on anything else."""
    cache = caches[alias or settings.EYT_AUDIT_CACHE_ALIAS]
    factory = redis_client_factory(cache)
    return RedisStore(cache, factory) if factory is not None else CacheStore(cache)


def ceil_seconds(seconds: float) -> int:
    """Whole seconds for ``Retry-After`` and messages: never 0 for a wait that is not over."""
    return max(1, math.ceil(seconds)) if seconds > 0 else 0
