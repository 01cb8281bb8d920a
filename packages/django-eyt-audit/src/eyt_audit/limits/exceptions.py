"""Errors raised by the limits."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied


class InvalidRate(ImproperlyConfigured, ValueError):
    """A rate that is not ``<count>/<period>``, e.g. ``"10/m"``, ``"1000/h"``, ``"5/30s"`` (also a ``ValueError``,
    as ``ratelimit()`` raises it for a bad argument)."""


class InvalidRule(ImproperlyConfigured, ValueError):
    """An entry of ``EYT_AUDIT_RATE_LIMITS`` or an argument of ``ratelimit()`` that cannot be used (also a
    ``ValueError``)."""


class StorageUnavailable(Exception):
    """The counter cache could not be reached or answered with an error; ``__cause__`` holds the original."""


class LoginRefused(PermissionDenied):
    """A login attempt refused before its password was checked: the account, the IP or the (IP, username) pair
    is locked, or the counters cannot be reached and ``EYT_AUDIT_LOCKOUT_FAIL_OPEN`` is off.

    Subclasses ``PermissionDenied`` so ``django.contrib.auth.authenticate()`` stops at once.
    """

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(f"login refused ({reason}); retry after {retry_after} s")
        #: ``"account"``, ``"ip"``, ``"pair"`` or ``"unavailable"``.
        self.reason = reason
        #: Whole seconds until the lock lifts by itself (0 when unknown).
        self.retry_after = retry_after
