"""Login lockout: an attempt is counted *before* its password is checked, in one atomic step, so no number of
concurrent attempts lets more than ``MAX_LOGIN_ATTEMPTS`` passwords be checked for an account.

Counters, each remembered ``ACCOUNT_LOCK_DURATION`` seconds after its last failure:

- per account (normalised username, from any IP): ``MAX_LOGIN_ATTEMPTS`` failures lock the account;
- per (IP, username) pair: ``MAX_LOGIN_ATTEMPTS`` failures lock that pair;
- per IP (over all usernames): ``EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP`` failures lock the IP (password spraying).

A successful login gives its reservation back and *trusts* the pair for ``EYT_AUDIT_LOCKOUT_TRUSTED_PAIR_DURATION``:
a trusted pair is refused only by its own pair counter, so someone who locks an account on purpose from elsewhere
does not lock its owner out of the places the owner has logged in from. Refused attempts count nothing and do
not extend a lock, so a lock always ends by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest

from eyt_audit.conf import seed_setting, settings
from eyt_audit.limits import events
from eyt_audit.limits.exceptions import LoginRefused, StorageUnavailable
from eyt_audit.limits.keys import counted_ip, counter_key, normalize_username, request_ip
from eyt_audit.limits.storage import LoginKeys, LoginLimits, Reservation, ceil_seconds, get_store

__all__ = ["Attempt", "LockStatus", "failed", "login_keys", "login_limits", "reserve", "status", "succeeded", "unlock"]

logger = logging.getLogger("eyt_audit.security")

#: ``request`` attribute set to the ``LoginRefused`` when an attempt is refused, for the login form's message.
REFUSAL_ATTRIBUTE = "eyt_audit_login_refused"


@dataclass(frozen=True)
class Attempt:
    """A login attempt allowed to reach its password check. ``reservation`` is ``None`` when the counters could
    not be reached and ``EYT_AUDIT_LOCKOUT_FAIL_OPEN`` let it through unguarded."""

    username: str
    ip: str
    keys: LoginKeys
    reservation: Reservation | None


@dataclass(frozen=True)
class LockStatus:
    """What ``status()`` reports: whether an attempt would be refused, why, for how long and the failures counted."""

    locked: bool
    reason: str
    retry_after: int
    failures: int


def login_limits() -> LoginLimits:
    """The lockout limits from the settings (``MAX_LOGIN_ATTEMPTS`` and friends), read now."""
    attempts = seed_setting("MAX_LOGIN_ATTEMPTS")
    return LoginLimits(
        account=attempts,
        pair=attempts,
        ip=settings.EYT_AUDIT_MAX_LOGIN_ATTEMPTS_PER_IP,
        window=seed_setting("ACCOUNT_LOCK_DURATION"),
    )


def login_keys(username: str, ip: str) -> LoginKeys:
    """The counters of ``username`` (normalised here) from ``ip`` (an IPv6 address counts as its /64)."""
    name, ip = normalize_username(username), counted_ip(ip)
    return LoginKeys(
        account=counter_key("account", name),
        pair=counter_key("pair", ip, name),
        # Attempts with no request have no IP: their "IP" counter is per username, so they never add up together.
        ip=counter_key("ip", ip) if ip != "unknown" else counter_key("ip", ip, name),
        trusted=counter_key("trusted", ip, name),
        pairs_index=counter_key("pairs", name),
    )


def reserve(username: str, request: HttpRequest | None = None) -> Attempt:
    """Count an attempt for ``username`` before its password is checked.

    Raises ``LoginRefused`` (a ``PermissionDenied``) when the account, the IP or the pair is locked, and when the
    counters cannot be reached unless ``EYT_AUDIT_LOCKOUT_FAIL_OPEN`` is on.
    """
    ip = request_ip(request)
    keys = login_keys(username, ip)
    try:
        reservation = get_store().reserve_login(keys, login_limits())
    except StorageUnavailable as error:
        return _unguarded(Attempt(username, ip, keys, None), request, error)
    if not reservation.allowed:
        retry_after = ceil_seconds(reservation.retry_after)
        events.report(
            events.LOGIN_REFUSED,
            username=username,
            request=request,
            metadata={"reason": reservation.reason, "retry_after": retry_after},
        )
        raise _refuse(LoginRefused(reservation.reason, retry_after), request)
    return Attempt(username, ip, keys, reservation)


def _unguarded(attempt: Attempt, request: HttpRequest | None, error: StorageUnavailable) -> Attempt:
    fail_open = bool(settings.EYT_AUDIT_LOCKOUT_FAIL_OPEN)
    events.report(
        events.LIMITS_UNAVAILABLE,
        severity="error",
        username=attempt.username,
        request=request,
        metadata={"limit": "lockout", "fail_open": fail_open, "error": repr(error.__cause__)},
    )
    if fail_open:
        return attempt
    raise _refuse(LoginRefused("unavailable", 0), request) from error


def _refuse(refusal: LoginRefused, request: HttpRequest | None) -> LoginRefused:
    if request is not None:
        setattr(request, REFUSAL_ATTRIBUTE, refusal)
    return refusal


def failed(attempt: Attempt, request: HttpRequest | None = None) -> None:
    """Record that the password of a reserved attempt was wrong (its count stays); report a lock it caused."""
    reservation = attempt.reservation
    failures = reservation.failures if reservation else (0, 0, 0)
    events.report(events.LOGIN_FAILED, username=attempt.username, request=request, metadata={"failures": failures[0]})
    if reservation is None:
        return
    limits = login_limits()
    reached = [
        name
        for name, count, limit, applies in (
            ("account", failures[0], limits.account, not reservation.trusted),
            ("pair", failures[1], limits.pair, True),
            ("ip", failures[2], limits.ip, not reservation.trusted),
        )
        if applies and count == limit
    ]
    if reached:
        events.report(
            events.LOCKOUT,
            severity="error",
            username=attempt.username,
            request=request,
            metadata={"locks": reached, "duration": limits.window},
        )


def succeeded(attempt: Attempt, request: HttpRequest | None = None) -> None:
    """Give back the reservation of an attempt whose password was right and trust its (IP, username) pair."""
    if attempt.reservation is None:
        return
    try:
        get_store().succeed_login(attempt.keys, settings.EYT_AUDIT_LOCKOUT_TRUSTED_PAIR_DURATION)
    except StorageUnavailable as error:
        events.report(
            events.LIMITS_UNAVAILABLE,
            severity="error",
            username=attempt.username,
            request=request,
            metadata={"limit": "lockout", "fail_open": True, "error": repr(error.__cause__)},
        )


def status(username: str, ip: str | None = None) -> LockStatus:
    """Whether an attempt for ``username`` from ``ip`` would be refused now, and why. Counts nothing."""
    answer = get_store().login_status(login_keys(username, ip or "unknown"), login_limits())
    return LockStatus(not answer.allowed, answer.reason, ceil_seconds(answer.retry_after), answer.failures[0])


def unlock(username: str | None = None, ip: str | None = None, *, by: str = "") -> None:
    """Lift locks. ``username``: its account counter and every (IP, username) pair counter of it. ``ip``: that
    IP's counter. Both: all of these. ``by`` names who did it, for the ``unlock`` event."""
    if username is None and ip is None:
        raise ValueError("unlock() needs a username, an IP, or both.")
    keys: list[str] = [counter_key("ip", counted_ip(ip))] if ip is not None else []
    index = None
    if username is not None:
        name_keys = login_keys(username, ip or "unknown")
        keys += [name_keys.account, name_keys.pair, name_keys.ip]
        index = name_keys.pairs_index
    get_store().clear(keys, pairs_index=index)
    events.report(events.UNLOCK, severity="info", username=username, metadata={"ip": ip, "by": by})
