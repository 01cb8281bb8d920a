"""Channel backends by alias, configured in ``EYT_NOTIFY_CHANNELS`` and built on first use.

``channels["email"]`` returns the configured backend for the alias ``email``; the cache is cleared when the
setting changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from eyt_notify.conf import settings
from eyt_notify.exceptions import InvalidChannel, MissingDependency

if TYPE_CHECKING:
    from eyt_notify.channels.base import BaseChannel

__all__ = ["ChannelHandler", "channels"]


class ChannelHandler:
    """The configured channel backends by alias, built on first use and cached (``channels[alias]``)."""

    def __init__(self) -> None:
        self._built: dict[str, BaseChannel] = {}

    @property
    def settings(self) -> dict[str, dict[str, Any]]:
        configured: dict[str, dict[str, Any]] = settings.EYT_NOTIFY_CHANNELS
        return configured

    def __getitem__(self, alias: str) -> BaseChannel:
        try:
            return self._built[alias]
        except KeyError:
            channel = self._built[alias] = self.create(alias)
            return channel

    def __contains__(self, alias: object) -> bool:
        return alias in self.settings

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings)

    def create(self, alias: str) -> BaseChannel:
        try:
            config = self.settings[alias]
        except KeyError:
            configured = ", ".join(sorted(self.settings)) or "none"
            raise InvalidChannel(
                f"The channel {alias!r} is not configured in EYT_NOTIFY_CHANNELS (configured: {configured})."
            ) from None
        if not isinstance(config, dict) or "BACKEND" not in config:
            raise InvalidChannel(f"EYT_NOTIFY_CHANNELS[{alias!r}] must be a dict with a 'BACKEND' dotted path.")
        path = config["BACKEND"]
        try:
            backend: type[BaseChannel] = import_string(path)
        except MissingDependency:
            raise
        except ImportError as error:
            raise InvalidChannel(f"Could not find backend {path!r} for channel {alias!r}: {error}") from error
        return backend(alias, **config.get("OPTIONS", {}))

    def reset(self) -> None:
        self._built.clear()


channels = ChannelHandler()
