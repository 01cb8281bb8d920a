"""Discord through webhooks: per user (adapter), per type or one default webhook URL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.checks import CheckMessage, Error

from eyt_notify.adapter import get_adapter
from eyt_notify.channels.base import BaseChannel, Message
from eyt_notify.exceptions import DeliveryError, NoAddress, PermanentDeliveryError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Delivery, Notification

CONTENT_LIMIT = 2000


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A Discord webhook never redirects: a 3xx is a refusal, never a hop to another URL (an internal one: SSRF)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class DiscordChannel(BaseChannel):
    """OPTIONS: ``webhook_url`` (default), ``webhook_urls`` (type key -> URL), ``username``, ``timeout`` (10)."""

    parts: ClassVar[tuple[str, ...]] = ("body",)
    option_names: ClassVar[frozenset[str]] = frozenset({"webhook_url", "webhook_urls", "username", "timeout"})

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> str:
        url = (
            get_adapter().get_discord_webhook_url(user, notification)
            or self.options.get("webhook_urls", {}).get(notification.notification_type)
            or self.options.get("webhook_url")
        )
        if not url:
            raise NoAddress("No Discord webhook for this recipient or type.")
        return str(url)

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        if not str(address).startswith(("https://", "http://")):
            raise PermanentDeliveryError("A Discord webhook URL must be http(s).")
        payload: dict[str, Any] = {"content": message.body[:CONTENT_LIMIT], "allowed_mentions": {"parse": []}}
        if self.options.get("username"):
            payload["username"] = self.options["username"]
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            f"{address}{'&' if '?' in address else '?'}wait=true",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "django-eyt-notify"},
            method="POST",
        )
        try:
            with _opener.open(request, timeout=float(self.options.get("timeout", 10))) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            raise _error_for(error) from error
        except OSError as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        try:
            return str(json.loads(body or b"{}").get("id", ""))
        except ValueError:
            return ""

    def check(self) -> list[CheckMessage]:
        urls = [self.options.get("webhook_url"), *self.options.get("webhook_urls", {}).values()]
        bad = [url for url in urls if url and not str(url).startswith(("https://", "http://"))]
        if bad:
            return [
                Error(
                    f"The Discord channel {self.alias!r} has webhook URLs that are not http(s): {bad}.",
                    id="eyt_notify.E003",
                )
            ]
        return []


def _error_for(error: urllib.error.HTTPError) -> DeliveryError:
    body = error.read() or b""
    if error.code == 429:
        return DeliveryError("Discord rate limit (429).", retry_after=_retry_after(error, body))
    if error.code >= 500:
        return DeliveryError(f"Discord answered {error.code}.")
    return PermanentDeliveryError(f"Discord rejected the message ({error.code}): {body[:200].decode(errors='replace')}")


def _retry_after(error: urllib.error.HTTPError, body: bytes) -> float | None:
    try:
        value = json.loads(body).get("retry_after")
    except (ValueError, AttributeError):
        value = None
    if value is None:
        value = error.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
