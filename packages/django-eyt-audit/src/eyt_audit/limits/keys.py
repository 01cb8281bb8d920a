"""Counter keys: normalised usernames, client IPs and request keys, hashed so any text makes a safe cache key."""

from __future__ import annotations

import hashlib
import ipaddress
import unicodedata
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from eyt_audit.limits.exceptions import InvalidRule

__all__ = [
    "KEY_FUNCTIONS",
    "counted_ip",
    "counter_key",
    "normalize_username",
    "request_ip",
    "resolve_key_function",
]

PREFIX = "eyt_audit:limits"
#: IPv6 clients are counted per network of this length: one subscriber gets a whole /64 and picks any address in it.
IPV6_PREFIX = 64

KeyFunction = Callable[[HttpRequest], "str | None"]


def normalize_username(username: str) -> str:
    """One form for every way of typing a username: NFKC, case-folded, surrounding whitespace stripped.

    ``" Alice "``, ``"ALICE"`` and a full-width ``"Alice"`` share one counter.
    """
    return unicodedata.normalize("NFKC", username).casefold().strip()


def counter_key(kind: str, *parts: str) -> str:
    """``eyt_audit:limits:<kind>:<sha256 of the parts>``; the parts never appear in the cache in clear."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{PREFIX}:{kind}:{digest}"


def request_ip(request: HttpRequest | None) -> str:
    """The client IP as the audit middleware reads it (trusted proxies only); ``"unknown"`` when unreadable."""
    from eyt_audit.middleware import client_ip

    if request is None:
        return "unknown"
    return client_ip(request) or "unknown"


def counted_ip(ip: str) -> str:
    """What a per-IP counter is kept for: an IPv4 address (also one mapped into IPv6) as it is, an IPv6 address
    as its ``/64`` network, so that the addresses of one subscriber share a counter; other text unchanged."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).compressed
    return str(address)


def key_by_ip(request: HttpRequest) -> str:
    """The client IP (from trusted proxies only; an IPv6 client as its /64 network)."""
    return f"ip:{counted_ip(request_ip(request))}"


def key_by_user(request: HttpRequest) -> str | None:
    """The authenticated user's primary key; ``None`` (the rule does not apply) for anonymous requests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"


def key_by_user_or_ip(request: HttpRequest) -> str:
    """The authenticated user's primary key, else the client IP."""
    return key_by_user(request) or key_by_ip(request)


KEY_FUNCTIONS: dict[str, KeyFunction] = {"ip": key_by_ip, "user": key_by_user, "user_or_ip": key_by_user_or_ip}


def resolve_key_function(key: Any) -> KeyFunction:
    """``"ip"``, ``"user"``, ``"user_or_ip"``, a callable ``(request) -> str | None`` or the dotted path of one."""
    if callable(key):
        return key  # type: ignore[no-any-return]
    if isinstance(key, str) and key in KEY_FUNCTIONS:
        return KEY_FUNCTIONS[key]
    if isinstance(key, str) and "." in key:
        try:
            function = import_string(key)
        except ImportError as error:
            raise InvalidRule(f"Could not import the rate-limit key function {key!r}: {error}") from None
        if callable(function):
            return function  # type: ignore[no-any-return]
    raise InvalidRule(
        f"{key!r} is not a rate-limit key: use 'ip', 'user', 'user_or_ip', a callable or its dotted path."
    )
