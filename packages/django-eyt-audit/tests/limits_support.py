"""Support for the limits tests: a cache that always fails, a password hasher that counts its checks, a
backend that checks one password without a database (the worker processes share no test database), and fixtures.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import MD5PasswordHasher, check_password
from django.core.cache.backends.base import BaseCache
from django.test import override_settings

from eyt_audit.limits.backends import LockoutBackendMixin

COUNTER_ENV = "EYT_TEST_PASSWORD_CHECKS_KEY"


class BrokenCache(BaseCache):
    """Every operation fails, as a cache whose server is down would."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache server down")

    add = get = set = touch = delete = incr = decr = get_many = delete_many = clear = _fail


class CountingHasher(MD5PasswordHasher):
    """Counts ``verify()`` calls: in Redis under ``$EYT_TEST_PASSWORD_CHECKS_KEY`` when set (so every process adds
    to one count), else in ``checks``. Sleeps a little to widen the window a non-atomic lockout would lose."""

    algorithm = "counting_md5"
    checks = 0
    _lock = threading.Lock()

    def verify(self, password: str, encoded: str) -> bool:
        key = os.environ.get(COUNTER_ENV)
        if key:
            import redis

            redis.Redis.from_url(os.environ["REDIS_URL"]).incr(key)
        else:
            with CountingHasher._lock:
                CountingHasher.checks += 1
        threading.Event().wait(0.02)
        return super().verify(password, encoded)


RIGHT_PASSWORD = "correct horse battery staple"


class OnePasswordBackend(BaseBackend):
    """Accepts any username with ``RIGHT_PASSWORD``, checking it through the password hashers (no database)."""

    encoded: str | None = None

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import AnonymousUser

        if OnePasswordBackend.encoded is None:
            OnePasswordBackend.encoded = make_password(RIGHT_PASSWORD, hasher="counting_md5")
        if check_password(password, OnePasswordBackend.encoded):
            user = AnonymousUser()
            user.username = username  # type: ignore[misc]
            return user
        return None


class LockoutOnePasswordBackend(LockoutBackendMixin, OnePasswordBackend):
    """``OnePasswordBackend`` behind the lockout."""


# --- fixtures (imported by the limits test modules) -----------------------------------------------------------


def _redis_cache() -> dict[str, Any]:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", ""),
        "KEY_PREFIX": f"eyt-test-{uuid.uuid4().hex}",
    }


def _local_cache() -> dict[str, Any]:
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def counters(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs a test on each counter store: local memory (``CacheStore``) and Redis (``RedisStore``), with a key
    prefix of its own."""
    cache = _local_cache() if request.param == "locmem" else _redis_cache()
    with override_settings(CACHES={"default": cache}):
        yield request.param


@pytest.fixture
def redis_counters() -> Iterator[None]:
    with override_settings(CACHES={"default": _redis_cache()}):
        yield


@pytest.fixture
def broken_counters() -> Iterator[None]:
    with override_settings(CACHES={"default": {"BACKEND": "tests.limits_support.BrokenCache"}}):
        yield


@pytest.fixture
def security_events() -> Iterator[list[dict[str, Any]]]:
    """The events reported through ``security_event_reported`` during the test."""
    from eyt_audit.limits.signals import security_event_reported

    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append({name: kwargs[name] for name in ("event_type", "severity", "username", "metadata")})

    security_event_reported.connect(receiver, dispatch_uid="eyt-test-security-events")
    yield received
    security_event_reported.disconnect(dispatch_uid="eyt-test-security-events")
