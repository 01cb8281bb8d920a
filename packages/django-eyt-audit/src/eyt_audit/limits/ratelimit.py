"""Rate limits: the ``ratelimit`` view decorator and the decision it shares with ``RateLimitMiddleware``.

Each limit is a sliding window on the counter cache: a request is admitted only if fewer than ``count`` requests
with the same group and key were admitted in the last ``period`` seconds, so no burst at any moment, a window
edge included, gets more than the rate through. On Redis the decision for every limit of a request is one Lua
call (all-or-nothing); see ``eyt_audit.limits.storage`` for other caches.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from eyt_audit.conf import seed_setting
from eyt_audit.limits import events
from eyt_audit.limits.exceptions import InvalidRule, StorageUnavailable
from eyt_audit.limits.keys import KeyFunction, counter_key, resolve_key_function
from eyt_audit.limits.rates import Rate, parse_rate
from eyt_audit.limits.responses import limits_unavailable, too_many_requests
from eyt_audit.limits.storage import Window, ceil_seconds, get_store

__all__ = ["ALL", "METHODS", "UNSAFE", "Limit", "check", "ratelimit"]

#: ``methods=`` values: every method (the default), or only the methods that change things.
ALL: frozenset[str] | None = None
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The HTTP methods ``methods=`` may name (RFC 9110 and PATCH).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Limit:
    """One rate for one group of requests, counted per key (``key(request)``; ``None`` skips the limit)."""

    rate: Rate
    key: KeyFunction
    group: str
    methods: frozenset[str] | None = None
    fail_open: bool = True
    path: re.Pattern[str] | None = None

    def applies_to(self, request: HttpRequest) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return False
        return self.path is None or self.path.search(request.path_info) is not None

    @classmethod
    def build(
        cls,
        *,
        rate: Any,
        key: Any = "ip",
        group: str,
        methods: Iterable[str] | str | None = None,
        fail_open: bool = True,
        path: str | None = None,
    ) -> Limit:
        """A ``Limit`` from settings-style values; raises ``InvalidRate`` / ``InvalidRule`` naming the problem."""
        if not isinstance(fail_open, bool):
            raise InvalidRule(f"fail_open must be True or False, not {fail_open!r}.")
        return cls(parse_rate(rate), resolve_key_function(key), group, _methods(methods), fail_open, _path(path))


def _methods(methods: Iterable[str] | str | None) -> frozenset[str] | None:
    if methods is None:
        return None
    if isinstance(methods, str):
        methods = [methods]
    names = frozenset(str(method).upper() for method in methods)
    if not names:
        raise InvalidRule(f"methods must be HTTP method names such as ['POST'], not {methods!r}.")
    unknown = sorted(names - METHODS)
    if unknown:
        choices = ", ".join(sorted(METHODS))
        raise InvalidRule(f"methods={methods!r}: {', '.join(unknown)} is not an HTTP method; choose from {choices}.")
    return names


def _path(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as error:
        raise InvalidRule(f"path {pattern!r} is not a regular expression: {error}") from None


def check(request: HttpRequest, limits: Sequence[Limit]) -> HttpResponse | None:
    """``None`` when ``request`` may go on; the refusal response otherwise. Honours ``RATE_LIMIT_ENABLED``."""
    if not seed_setting("RATE_LIMIT_ENABLED"):
        return None
    applicable = [
        (limit, value) for limit in limits if limit.applies_to(request) if (value := limit.key(request)) is not None
    ]
    if not applicable:
        return None
    windows = [
        Window(counter_key("rate", limit.group, str(limit.rate), str(value)), limit.rate) for limit, value in applicable
    ]
    groups = [limit.group for limit, _ in applicable]
    try:
        decision = get_store().hit(windows)
    except StorageUnavailable as error:
        fail_open = all(limit.fail_open for limit, _ in applicable)
        events.report(
            events.LIMITS_UNAVAILABLE,
            severity="error",
            request=request,
            metadata={"limit": "rate", "groups": groups, "fail_open": fail_open, "error": repr(error.__cause__)},
        )
        return None if fail_open else limits_unavailable(request)
    if decision.allowed:
        return None
    retry_after = ceil_seconds(decision.retry_after)
    events.report(events.RATE_LIMITED, request=request, metadata={"groups": groups, "retry_after": retry_after})
    return too_many_requests(request, retry_after)


def ratelimit(
    rate: str | Rate,
    *,
    key: str | KeyFunction = "ip",
    methods: Iterable[str] | str | None = ALL,
    group: str | None = None,
    fail_open: bool = True,
) -> Callable[[View], View]:
    """Limit a view to ``rate`` (``"10/m"``) per ``key``: ``"ip"``, ``"user"`` (authenticated users only),
    ``"user_or_ip"`` or a callable ``(request) -> str | None``. Only ``methods`` are counted (all by default).
    Views sharing a ``group`` share counters (default: the view's dotted name). ``fail_open``: admit or refuse
    (503) while the counter cache is down. Works on sync and async views; a bad rate or key raises at import.
    """

    def decorator(view: View) -> View:
        name = group or f"{view.__module__}.{view.__qualname__}"
        limit = Limit.build(rate=rate, key=key, group=name, methods=methods, fail_open=fail_open)
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refusal = await sync_to_async(check)(request, [limit])
                return refusal if refusal is not None else await view(request, *args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refusal = check(request, [limit])
            return refusal if refusal is not None else view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
