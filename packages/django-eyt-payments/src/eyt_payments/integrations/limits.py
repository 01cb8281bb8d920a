"""Rate limits from django-eyt-audit when it is installed; without it the views are not limited.

``eyt_audit.limits.ratelimit`` decides (a sliding window on the counter cache, shared with its middleware);
this module only reads the rate from our settings when a request arrives, so ``override_settings`` works, and
answers a refusal in the package's JSON error shape with ``Retry-After``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from eyt_payments.conf import settings
from eyt_payments.integrations.audit import is_enabled

View = Callable[..., HttpResponse]


@functools.lru_cache(maxsize=32)
def _limit(rate: str, group: str) -> Any:
    from eyt_audit.limits.ratelimit import Limit

    return Limit.build(rate=rate, key="user_or_ip", group=group, methods=["POST"])


def refusal(request: HttpRequest, setting: str, group: str) -> HttpResponse | None:
    """The 429 answer when ``request`` exceeds the rate in ``EYT_PAYMENTS_<setting>``; ``None`` to go on."""
    rate = getattr(settings, f"EYT_PAYMENTS_{setting}")
    if not rate or not is_enabled():
        return None
    from eyt_audit.limits.ratelimit import check

    refused = check(request, [_limit(str(rate), group)])
    if refused is None:
        return None
    from eyt_payments.views.responses import error_response

    if refused.status_code == 429:
        answer = error_response("rate_limited", _("Too many attempts. Please wait a moment and try again."), 429)
    else:  # the counters are down and the limit fails closed
        answer = error_response("limits_unavailable", _("This service is busy. Try again in a few seconds."), 503)
    if "Retry-After" in refused:
        answer["Retry-After"] = refused["Retry-After"]
    return answer


def rate_limited(setting: str, group: str) -> Callable[[View], View]:
    """Limit a view's POSTs to the rate in ``EYT_PAYMENTS_<setting>`` per user (per IP when anonymous). Sync and
    async views (the counter cache and ``request.user`` are read in a thread for the latter)."""

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                refused = await sync_to_async(refusal)(request, setting, group)
                return refused or await view(request, *args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return refusal(request, setting, group) or view(request, *args, **kwargs)

        return wrapper

    return decorator
