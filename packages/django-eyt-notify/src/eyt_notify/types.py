"""The registry of notification types, declared in code.

```python
from eyt_notify.types import NotificationType, register_type

register_type(NotificationType("match.starting", category="matches", channels=("inapp", "email", "webpush"),
                               default_channels=("inapp", "webpush"), default_priority="high"))
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from eyt_notify.exceptions import UnknownNotificationType

__all__ = [
    "INAPP",
    "PRIORITIES",
    "NotificationType",
    "get_type",
    "register_type",
    "registered_types",
    "unregister_type",
]

#: The alias of the in-app channel: the notification row itself, always stored.
INAPP = "inapp"
PRIORITIES = ("low", "normal", "high", "urgent")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class NotificationType:
    """What a kind of notification is and where it goes by default.

    ``channels`` are the channel aliases the type may use (users may opt in to any of them); ``default_channels``
    those that are on until a user turns them off (default: all of ``channels``); ``required_channels`` those a user
    cannot turn off. ``templates`` maps a channel alias to a template folder replacing ``eyt_notify/<key>/<channel>``.
    """

    key: str
    category: str = "general"
    channels: tuple[str, ...] = (INAPP, "email")
    default_channels: tuple[str, ...] | None = None
    required_channels: tuple[str, ...] = ()
    default_priority: str = "normal"
    templates: Mapping[str, str] = field(default_factory=dict)
    verbose_name: str = ""

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"Notification type key {self.key!r} must be 1-100 of a-z, 0-9, '.', '_' or '-'.")
        if not _KEY.match(self.category):
            raise ValueError(
                f"Category {self.category!r} of type {self.key!r} must be 1-100 of a-z, 0-9, '.', '_', '-'."
            )
        if self.default_priority not in PRIORITIES:
            raise ValueError(f"default_priority of {self.key!r} must be one of {', '.join(PRIORITIES)}.")
        channels = tuple(dict.fromkeys(self.channels))
        object.__setattr__(self, "channels", channels)
        defaults = channels if self.default_channels is None else tuple(self.default_channels)
        object.__setattr__(self, "default_channels", defaults)
        for name, subset in (("default_channels", defaults), ("required_channels", self.required_channels)):
            stray = [channel for channel in subset if channel not in channels]
            if stray:
                raise ValueError(f"{name} of {self.key!r} name channels not in its channels: {', '.join(stray)}.")

    @property
    def external_channels(self) -> tuple[str, ...]:
        """Channels that need a delivery row (every channel but in-app)."""
        return tuple(channel for channel in self.channels if channel != INAPP)

    def is_default(self, channel: str) -> bool:
        return channel in (self.default_channels or ()) or channel in self.required_channels

    def __str__(self) -> str:
        return self.verbose_name or self.key


_registry: dict[str, NotificationType] = {}


def register_type(notification_type: NotificationType, *, replace: bool = False) -> NotificationType:
    """Declare a type. Registering another type under a taken key raises unless ``replace=True``."""
    existing = _registry.get(notification_type.key)
    if existing is not None and existing != notification_type and not replace:
        raise ValueError(f"Notification type {notification_type.key!r} is already registered differently.")
    _registry[notification_type.key] = notification_type
    return notification_type


def unregister_type(key: str) -> None:
    """Remove a type (useful in tests)."""
    _registry.pop(key, None)


def get_type(key: str | NotificationType) -> NotificationType:
    """The registered type of ``key``; an unknown key raises ``UnknownNotificationType`` listing the known ones."""
    if isinstance(key, NotificationType):
        if _registry.get(key.key) == key:
            return key
        raise UnknownNotificationType(
            f"Notification type {key.key!r} is not registered as given: declare it with "
            "eyt_notify.types.register_type() first (the worker that sends it looks it up by key)."
        )
    try:
        return _registry[key]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none registered"
        raise UnknownNotificationType(
            f"Unknown notification type {key!r} (known: {known}). Declare it with eyt_notify.types.register_type()."
        ) from None


def registered_types() -> Iterable[NotificationType]:
    """Every registered type, in registration order."""
    return tuple(_registry.values())
