"""Exceptions of django-eyt-notify.

Configuration errors subclass ``ImproperlyConfigured``; delivery outcomes a channel reports are
``DeliveryError`` (retry later), ``PermanentDeliveryError`` (never retry) and ``NoAddress`` (nothing to send to).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class UnknownNotificationType(LookupError):
    """``notify()`` was given a type key that no ``register_type()`` call declared."""


class InvalidChannel(ImproperlyConfigured):
    """A channel alias is not configured in ``EYT_NOTIFY_CHANNELS`` or its backend cannot be built."""


class MissingDependency(ImportError):
    """An optional dependency of a channel is not installed; the message names the extra to install."""

    def __init__(self, channel: str, extra: str, module: str) -> None:
        super().__init__(
            f"The {channel} channel needs the {module!r} package. Install it with: "
            f'pip install "django-eyt-notify[{extra}]"',
            name=module,
        )
        self.extra = extra


class DeliveryError(Exception):
    """A send failed in a way that may succeed later. ``retry_after`` (seconds) comes from the provider if it said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A send failed in a way that retrying cannot fix (rejected address, bad request): the delivery goes dead."""


class NoAddress(Exception):
    """The recipient has no address on this channel (no email, phone, subscription or webhook): nothing to send."""


class InvalidBroker(ImproperlyConfigured):
    """``EYT_NOTIFY_LIVE`` is malformed or its backend cannot be built."""
