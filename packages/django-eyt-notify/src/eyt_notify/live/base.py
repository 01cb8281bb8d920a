"""The broker interface: ``publish()`` from any process (sync); ``open_stream()`` then ``listen()`` in an async
stream view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from eyt_notify.exceptions import InvalidBroker

__all__ = ["READY", "BaseBroker", "Event"]

#: The name of the first event ``listen()`` yields, after any replayed ones: its id is where a reconnect resumes.
READY = "ready"


@dataclass(frozen=True)
class Event:
    """One server-sent event: ``id`` orders events per user and is what a reconnecting browser sends back."""

    id: str
    name: str
    data: str = "{}"

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` format (``data`` is one line of JSON)."""
        return f"id: {self.id}\nevent: {self.name}\ndata: {self.data}\n\n".encode()


class BaseBroker:
    """Subclasses implement ``publish()`` and ``listen()`` and may accept OPTIONS listed in ``option_names``."""

    option_names: ClassVar[frozenset[str]] = frozenset()
    #: Seconds between comment lines that keep idle connections (and proxies) open.
    heartbeat: float = 15.0

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - self.option_names)
        if unknown:
            raise InvalidBroker(
                f"Unknown OPTIONS for {type(self).__name__}: {', '.join(unknown)}. "
                f"Accepted: {', '.join(sorted(self.option_names)) or 'none'}."
            )
        self.options = options

    def publish(self, user_ids: Iterable[Any], event: str, data: dict[str, Any]) -> None:
        """Send ``event`` with JSON ``data`` to every open page of ``user_ids``; keep it for replay."""
        raise NotImplementedError(f"{type(self).__name__}.publish() must be implemented by the broker.")

    def listen(
        self, user_id: Any, last_event_id: str | None, slot: str | None = None
    ) -> AsyncGenerator[Event | None, None]:
        """Yield the events missed since ``last_event_id``, then a ``READY`` event, then each new event as it comes.

        ``None`` is yielded whenever ``heartbeat`` seconds pass without an event. ``slot`` (from ``open_stream()``)
        is held while the stream is open and given back when it ends.
        """
        raise NotImplementedError(f"{type(self).__name__}.listen() must be implemented by the broker.")

    async def open_stream(self, user_id: Any) -> str | None:
        """A slot for one more open stream of ``user_id``, to pass to ``listen()``, or ``None`` when the user has as
        many open as the broker allows (the view then answers 429). The base broker sets no limit."""
        return uuid.uuid4().hex

    @staticmethod
    def valid_event_id(value: str | None) -> bool:
        """Whether ``value`` could be an id this broker gave out (``<milliseconds>-<sequence>``)."""
        if not value or len(value) > 40:
            return False
        left, _, right = value.partition("-")
        return left.isdigit() and right.isdigit()
