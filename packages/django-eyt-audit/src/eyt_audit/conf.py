"""Settings of django-eyt-audit, each read when it is used so ``override_settings`` works.

Every name below is a Django setting with the ``EYT_AUDIT_`` prefix; the README documents each one.
Where the original platform named a setting (``MAX_LOGIN_ATTEMPTS``, ``ACCOUNT_LOCK_DURATION``,
``RATE_LIMIT_ENABLED``), that setting is the default when ours is unset.
"""

from __future__ import annotations

from typing import Any

from appconf import AppConf
from django.conf import settings as django_settings

#: Django's settings. Typed loosely: the prefixed names are added by django-appconf when this module loads.
settings: Any = django_settings

__all__ = ["EytAuditConf", "seed_setting", "settings"]


class EytAuditConf(AppConf):
    #: Secret for the HMAC chain. Keep it outside the database; ``None`` derives one from SECRET_KEY (check W001).
    HMAC_KEY: str | bytes | None = None
    #: Trusted reverse proxies in front of Django: ``0`` (none, use REMOTE_ADDR), a count of hops, or a list of
    #: proxy addresses/networks. Only then is X-Forwarded-For read, from the right.
    TRUSTED_PROXIES: int | list[str] = 0
    #: Header holding the client IP set by the trusted proxies.
    FORWARDED_FOR_HEADER = "HTTP_X_FORWARDED_FOR"
    #: Header carrying an incoming request id; ``None`` means always generate one.
    REQUEST_ID_HEADER: str | None = None
    #: Header that echoes the request id on every response.
    RESPONSE_REQUEST_ID_HEADER = "X-Request-ID"
    #: ``False``: a failure to write an entry is logged and the caller goes on. ``True``: it raises.
    FAIL_CLOSED = False
    #: Field names whose values are never stored, in any model (case-insensitive substrings).
    SECRET_FIELDS = ("password", "token", "secret", "api_key", "card_number", "cvc", "session")
    #: Login attempts before a lock; ``None`` uses ``MAX_LOGIN_ATTEMPTS``, else 5.
    MAX_LOGIN_ATTEMPTS: int | None = None
    #: Lock length in seconds; ``None`` uses ``ACCOUNT_LOCK_DURATION``, else 3600.
    ACCOUNT_LOCK_DURATION: int | None = None
    #: Rate limiting on or off; ``None`` uses ``RATE_LIMIT_ENABLED``, else on.
    RATE_LIMIT_ENABLED: bool | None = None
    #: Cache alias for lockout and rate-limit counters (Redis in production).
    CACHE_ALIAS = "default"
    #: Failed logins from one IP, over all usernames, before that IP is refused (password spraying).
    MAX_LOGIN_ATTEMPTS_PER_IP = 50
    #: Seconds an (IP, username) pair stays trusted after a successful login: a trusted pair is not refused by
    #: the account or IP lock (only by its own pair counter), so an attacker cannot lock the owner out.
    LOCKOUT_TRUSTED_PAIR_DURATION = 30 * 24 * 3600
    #: ``False``: logins are refused while the counter cache is unreachable; ``True``: they go on unguarded.
    LOCKOUT_FAIL_OPEN = False
    #: Rules of ``RateLimitMiddleware``: dicts with ``path`` (regex), ``rate`` (``"10/m"``) and optional
    #: ``methods``, ``key`` (``"ip"``, ``"user"``, ``"user_or_ip"``, a callable or its dotted path), ``group``,
    #: ``fail_open`` (default ``True``).
    RATE_LIMITS: list[dict[str, Any]] = []
    #: Database alias whose database stores security events (on a connection of its own, outside the caller's
    #: transaction); ``None`` uses the alias the router picks for ``SecurityEvent``.
    SECURITY_DATABASE: str | None = None
    #: Identical security events (type, username as the lockout normalises it, IP, path, actor) within one window
    #: of this many seconds add to one row's ``count``; ``0`` stores every event on a row of its own.
    SECURITY_AGGREGATE_SECONDS = 60
    #: ``AuditContextMiddleware`` records a ``permission_denied`` security event for every 403 response.
    RECORD_PERMISSION_DENIED = True
    #: ``eyt_audit_prune`` refuses to remove entries younger than this many days (PCI DSS asks for 12 months).
    MIN_RETENTION_DAYS = 365

    class Meta:
        prefix = "eyt_audit"


_SEED_DEFAULTS: dict[str, tuple[str, Any]] = {
    "MAX_LOGIN_ATTEMPTS": ("MAX_LOGIN_ATTEMPTS", 5),
    "ACCOUNT_LOCK_DURATION": ("ACCOUNT_LOCK_DURATION", 3600),
    "RATE_LIMIT_ENABLED": ("RATE_LIMIT_ENABLED", True),
}


def seed_setting(name: str) -> Any:
    """Our setting if set, else the original platform's setting of that name, else the built-in default."""
    value = getattr(settings, f"EYT_AUDIT_{name}")
    if value is not None:
        return value
    seed_name, default = _SEED_DEFAULTS[name]
    return getattr(settings, seed_name, default)
