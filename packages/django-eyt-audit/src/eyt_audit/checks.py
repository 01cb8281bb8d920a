"""System checks for django-eyt-audit (ids ``eyt_audit.E00x`` / ``eyt_audit.W00x``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from eyt_audit.conf import seed_setting, settings

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


MIN_KEY_BYTES = 32
META_KEY = re.compile(r"(HTTP_)?[A-Z0-9_]+")


@register(Tags.security)
def check_hmac_key(**kwargs: Any) -> list[CheckMessage]:
    """W001: ``EYT_AUDIT_HMAC_KEY`` is unset; W003: it is shorter than 32 bytes."""
    key = settings.EYT_AUDIT_HMAC_KEY
    if key:
        if len(key.encode() if isinstance(key, str) else key) >= MIN_KEY_BYTES:
            return []
        return [
            Warning(
                f"EYT_AUDIT_HMAC_KEY is shorter than {MIN_KEY_BYTES} bytes.",
                hint='Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"',
                id="eyt_audit.W003",
            )
        ]
    return [
        Warning(
            "EYT_AUDIT_HMAC_KEY is not set; the audit chain is keyed by a value derived from SECRET_KEY.",
            hint="Set EYT_AUDIT_HMAC_KEY from a secret store, apart from the database and SECRET_KEY, so that "
            "someone with database access cannot recompute the chain.",
            id="eyt_audit.W001",
        )
    ]


@register()
def check_trusted_proxies(**kwargs: Any) -> list[CheckMessage]:
    """E001: ``EYT_AUDIT_TRUSTED_PROXIES`` is neither a count nor a list of addresses."""
    proxies = settings.EYT_AUDIT_TRUSTED_PROXIES
    if isinstance(proxies, bool) or not isinstance(proxies, int | Sequence) or isinstance(proxies, str):
        return [_proxies_error(f"got {proxies!r}")]
    if isinstance(proxies, int):
        return [] if proxies >= 0 else [_proxies_error(f"a count cannot be negative ({proxies})")]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except (TypeError, ValueError):
            return [_proxies_error(f"{proxy!r} is not an IP address or network")]
    return []


def _proxies_error(why: str) -> Error:
    return Error(
        f"EYT_AUDIT_TRUSTED_PROXIES must be a number of proxy hops or a list of proxy addresses: {why}.",
        hint="Use 0 when Django faces clients directly, 1 behind one load balancer, or ['10.0.0.0/8'].",
        id="eyt_audit.E001",
    )


@register()
def check_lockout_settings(**kwargs: Any) -> list[CheckMessage]:
    """E002: the lockout settings are not positive whole numbers."""
    errors: list[CheckMessage] = []
    for name in ("MAX_LOGIN_ATTEMPTS", "ACCOUNT_LOCK_DURATION"):
        value = seed_setting(name)
        if not _whole(value, least=1):
            errors.append(
                Error(
                    f"{name} (or EYT_AUDIT_{name}) must be a positive whole number, not {value!r}.",
                    id="eyt_audit.E002",
                )
            )
    return errors


@register(Tags.caches)
def check_counter_cache(**kwargs: Any) -> list[CheckMessage]:
    """E003: the counter cache alias is not in ``CACHES``; W002: that cache is local to each process."""
    from django.conf import settings as django_settings

    alias = settings.EYT_AUDIT_CACHE_ALIAS
    caches = getattr(django_settings, "CACHES", {})
    if alias not in caches:
        return [
            Error(
                f"EYT_AUDIT_CACHE_ALIAS is {alias!r}, which is not in CACHES.",
                hint=f"Choose one of: {', '.join(sorted(caches)) or '(no caches configured)'}.",
                id="eyt_audit.E003",
            )
        ]
    if caches[alias].get("BACKEND") in PROCESS_LOCAL_CACHES:
        return [
            Warning(
                f"The cache {alias!r} that holds lockout and rate-limit counters is local to each process.",
                hint="Limits then hold per process only. Use a shared cache such as "
                "django.core.cache.backends.redis.RedisCache when running more than one process.",
                id="eyt_audit.W002",
            )
        ]
    return []


@register()
def check_header_settings(**kwargs: Any) -> list[CheckMessage]:
    """E004: a header setting is not a ``request.META`` key."""
    errors: list[CheckMessage] = []
    for name in ("FORWARDED_FOR_HEADER", "REQUEST_ID_HEADER"):
        value = getattr(settings, f"EYT_AUDIT_{name}")
        if value is not None and not (isinstance(value, str) and META_KEY.fullmatch(value)):
            errors.append(
                Error(
                    f"EYT_AUDIT_{name} must be a request.META key such as 'HTTP_X_REQUEST_ID', not {value!r}.",
                    hint="Django upper-cases header names, turns '-' into '_' and prefixes them with HTTP_.",
                    id="eyt_audit.E004",
                )
            )
    return errors


@register()
def check_trail_settings(**kwargs: Any) -> list[CheckMessage]:
    """E007: ``EYT_AUDIT_FAIL_CLOSED`` is not a bool; E008: ``EYT_AUDIT_MIN_RETENTION_DAYS`` is not whole days."""
    errors: list[CheckMessage] = []
    fail_closed = settings.EYT_AUDIT_FAIL_CLOSED
    if not isinstance(fail_closed, bool):
        errors.append(Error(f"EYT_AUDIT_FAIL_CLOSED must be True or False, not {fail_closed!r}.", id="eyt_audit.E007"))
    days = settings.EYT_AUDIT_MIN_RETENTION_DAYS
    if not _whole(days, least=0):
        errors.append(
            Error(
                f"EYT_AUDIT_MIN_RETENTION_DAYS must be a whole number of days (0 or more), not {days!r}.",
                hint="eyt_audit_prune refuses to remove entries younger than this; PCI DSS asks for 365.",
                id="eyt_audit.E008",
            )
        )
    return errors


@register()
def check_time_zone_support(**kwargs: Any) -> list[CheckMessage]:
    """W004: ``USE_TZ`` is off."""
    from django.conf import settings as django_settings

    if django_settings.USE_TZ:
        return []
    return [
        Warning(
            "USE_TZ is False: audit entry times are stored without a time zone.",
            hint="Entries stay verifiable only while TIME_ZONE does not change. Set USE_TZ = True.",
            id="eyt_audit.W004",
        )
    ]


@register()
def check_rate_limit_rules(**kwargs: Any) -> list[CheckMessage]:
    """E010: an ``EYT_AUDIT_RATE_LIMITS`` rule cannot be used."""
    from django.core.exceptions import ImproperlyConfigured

    from eyt_audit.limits.middleware import compile_rules

    try:
        compile_rules(settings.EYT_AUDIT_RATE_LIMITS)
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="See 'Rate limiting' in the django-eyt-audit README.", id="eyt_audit.E010")]
    return []


@register()
def check_lockout_extra_settings(**kwargs: Any) -> list[CheckMessage]:
    """E011: the per-IP limit, the trusted-pair duration or ``LOCKOUT_FAIL_OPEN`` is malformed."""
    errors: list[CheckMessage] = []
    for name in ("MAX_LOGIN_ATTEMPTS_PER_IP", "LOCKOUT_TRUSTED_PAIR_DURATION"):
        value = getattr(settings, f"EYT_AUDIT_{name}")
        if not _whole(value, least=1):
            errors.append(
                Error(f"EYT_AUDIT_{name} must be a positive whole number, not {value!r}.", id="eyt_audit.E011")
            )
    if not isinstance(settings.EYT_AUDIT_LOCKOUT_FAIL_OPEN, bool):
        errors.append(
            Error(
                f"EYT_AUDIT_LOCKOUT_FAIL_OPEN must be True or False, not {settings.EYT_AUDIT_LOCKOUT_FAIL_OPEN!r}.",
                id="eyt_audit.E011",
            )
        )
    return errors


NON_ATOMIC_CACHES = (
    "django.core.cache.backends.db.DatabaseCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


@register(Tags.caches)
def check_counter_cache_atomicity(**kwargs: Any) -> list[CheckMessage]:
    """W010: the counter cache is the database or file cache, which cannot increment atomically."""
    from django.conf import settings as django_settings

    backend = getattr(django_settings, "CACHES", {}).get(settings.EYT_AUDIT_CACHE_ALIAS, {}).get("BACKEND")
    if backend not in NON_ATOMIC_CACHES:
        return []
    return [
        Warning(
            f"The counter cache {settings.EYT_AUDIT_CACHE_ALIAS!r} ({backend.rsplit('.', 1)[-1]}) cannot "
            "increment atomically.",
            hint="Concurrent logins and requests can then pass the limits. Use Redis (RedisCache) for the counters.",
            id="eyt_audit.W010",
        )
    ]


@register()
def check_security_event_settings(**kwargs: Any) -> list[CheckMessage]:
    """E005: ``EYT_AUDIT_SECURITY_DATABASE`` is not in ``DATABASES``; E006: the aggregate window is malformed."""
    from django.conf import settings as django_settings

    errors: list[CheckMessage] = []
    alias = settings.EYT_AUDIT_SECURITY_DATABASE
    databases = getattr(django_settings, "DATABASES", {})
    if alias is not None and alias not in databases:
        errors.append(
            Error(
                f"EYT_AUDIT_SECURITY_DATABASE is {alias!r}, which is not in DATABASES.",
                hint=f"Choose one of: {', '.join(sorted(databases)) or '(no databases configured)'}, or None.",
                id="eyt_audit.E005",
            )
        )
    seconds = settings.EYT_AUDIT_SECURITY_AGGREGATE_SECONDS
    if not _whole(seconds, least=0):
        errors.append(
            Error(
                f"EYT_AUDIT_SECURITY_AGGREGATE_SECONDS must be a whole number of seconds (0 or more), not {seconds!r}.",
                id="eyt_audit.E006",
            )
        )
    return errors


@register(Tags.database)
def check_database(databases: Sequence[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """E012: MySQL returns no rows from ``INSERT``, which storing a security event needs (MariaDB 10.5+ does).
    A database check: ``migrate`` and ``check --database`` run it."""
    from django.db import connections

    return [
        Error(
            f"The database {alias!r} is MySQL, which django-eyt-audit does not support: it cannot store security "
            "events (INSERT ... RETURNING).",
            hint="Use PostgreSQL, MariaDB 10.5 or later, or SQLite.",
            id="eyt_audit.E012",
        )
        for alias in databases or ()
        if connections[alias].vendor == "mysql" and not connections[alias].features.can_return_columns_from_insert
    ]


def _whole(value: Any, *, least: int) -> bool:
    """``value`` is a whole number (not a bool) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
