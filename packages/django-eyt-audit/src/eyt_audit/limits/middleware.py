"""``RateLimitMiddleware``: the rules of ``EYT_AUDIT_RATE_LIMITS`` applied to every request.

Place it after ``AuthenticationMiddleware`` when a rule keys by user. Every rule whose ``path`` and ``methods``
match counts the request; it is refused if any of them is full (on Redis, decided in one atomic call).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from eyt_audit.conf import settings
from eyt_audit.limits.exceptions import InvalidRate, InvalidRule
from eyt_audit.limits.ratelimit import Limit, check

__all__ = ["RateLimitMiddleware", "compile_rules", "rules"]

RULE_FIELDS = {"path", "rate", "methods", "key", "group", "fail_open"}

_compiled: list[Limit] | None = None


def compile_rules(raw: Any) -> list[Limit]:
    """``Limit`` objects from ``EYT_AUDIT_RATE_LIMITS``; raises ``InvalidRule`` / ``InvalidRate`` naming the rule."""
    if not isinstance(raw, list | tuple):
        raise InvalidRule(f"EYT_AUDIT_RATE_LIMITS must be a list of rules, not {type(raw).__name__}.")
    compiled = []
    for index, rule in enumerate(raw):
        where = f"EYT_AUDIT_RATE_LIMITS[{index}]"
        if not isinstance(rule, dict) or "path" not in rule or "rate" not in rule:
            raise InvalidRule(f"{where} must be a dict with at least 'path' and 'rate'.")
        unknown = set(rule) - RULE_FIELDS
        if unknown:
            raise InvalidRule(f"{where} has unknown fields {sorted(unknown)}; allowed: {sorted(RULE_FIELDS)}.")
        try:
            compiled.append(
                Limit.build(
                    group=str(rule.get("group") or f"rule:{rule['path']}"),
                    **{name: value for name, value in rule.items() if name != "group"},
                )
            )
        except (InvalidRate, InvalidRule) as error:
            raise type(error)(f"{where}: {error}") from None
    return compiled


def rules() -> list[Limit]:
    """The compiled rules, rebuilt when ``EYT_AUDIT_RATE_LIMITS`` changes."""
    global _compiled
    if _compiled is None:
        _compiled = compile_rules(settings.EYT_AUDIT_RATE_LIMITS)
    return _compiled


@receiver(setting_changed)
def _forget_rules(setting: str, **kwargs: Any) -> None:
    global _compiled
    if setting == "EYT_AUDIT_RATE_LIMITS":
        _compiled = None


class RateLimitMiddleware:
    """Refuses requests over an ``EYT_AUDIT_RATE_LIMITS`` rule with 429 (JSON or HTML). Sync and async."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        refusal = check(request, rules())
        response: HttpResponseBase = refusal if refusal is not None else self.get_response(request)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        refusal = await sync_to_async(check)(request, rules())
        return refusal if refusal is not None else await self.get_response(request)
