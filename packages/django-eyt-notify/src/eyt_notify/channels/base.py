"""The base class of channel backends.

A backend gets a claimed ``Delivery``; ``deliver()`` finds the recipient's address, renders the message in the
recipient's language and calls ``send()``. It returns the provider's message id, or raises ``DeliveryError``
(retried with backoff), ``PermanentDeliveryError`` (dead at once; also raised here for a type no longer registered
or a template that cannot be rendered) or ``NoAddress`` (skipped). The worker goes through ``batch()``, which a
backend may override to share a connection between the deliveries of a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.checks import CheckMessage
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from eyt_notify.adapter import get_adapter
from eyt_notify.exceptions import InvalidChannel, PermanentDeliveryError, UnknownNotificationType
from eyt_notify.rendering import absolute_url, render
from eyt_notify.types import get_type

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Delivery, Notification

__all__ = ["BaseChannel", "Message"]


@dataclass(frozen=True)
class Message:
    """A notification rendered for one channel and one recipient."""

    notification_id: int
    notification_type: str
    priority: str
    subject: str = ""
    body: str = ""
    html: str = ""
    url: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


class BaseChannel:
    """Subclasses set the capability flags and implement ``get_address()`` and ``send()``."""

    #: ``False`` only for in-app: the notification row is the delivery, no outbox row is written.
    external: ClassVar[bool] = True
    #: Template parts the channel renders (``subject``, ``body``, ``html``).
    parts: ClassVar[tuple[str, ...]] = ("subject", "body")
    #: OPTIONS the backend accepts; anything else is a configuration error.
    option_names: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, alias: str, **options: Any) -> None:
        unknown = sorted(set(options) - self.option_names)
        if unknown:
            accepted = ", ".join(sorted(self.option_names)) or "none"
            raise InvalidChannel(
                f"Unknown OPTIONS for channel {alias!r} ({type(self).__name__}): {', '.join(unknown)}. "
                f"Accepted: {accepted}."
            )
        self.alias = alias
        self.options = options

    def deliver(self, delivery: Delivery) -> str:
        """Send one delivery; returns the provider's message id (may be empty)."""
        address, message = self.prepare(delivery)
        return self.send(address, message, delivery)

    def prepare(self, delivery: Delivery) -> tuple[Any, Message]:
        """The recipient's address (``NoAddress`` if none) and the message rendered for them."""
        notification = delivery.notification
        user = notification.recipient
        address = self.get_address(user, notification)
        return address, self.render(notification, user)

    @contextmanager
    def batch(self) -> Iterator[Callable[[Delivery], str]]:
        """A function that delivers one delivery, like ``deliver()``, for several sent in a row.

        The worker sends each claimed batch of a channel through one ``batch()``. Backends that hold a connection
        override it to open the connection once per batch (email keeps one SMTP session); each delivery still
        returns or raises on its own, so one failure never decides another's outcome.
        """
        yield self.deliver

    def render(self, notification: Notification, user: AbstractBaseUser) -> Message:
        adapter = get_adapter()
        url = absolute_url(notification.action_url)
        context = {
            **notification.context,
            **adapter.get_template_context(notification, user),
            "notification": notification,
            "recipient": user,
            "action_url": url,
        }
        parts = self._render_parts(notification, context, adapter.get_language(user))
        return Message(
            notification_id=notification.pk,
            notification_type=notification.notification_type,
            priority=notification.priority,
            url=url,
            data=notification.data,
            **parts,
        )

    def _render_parts(
        self, notification: Notification, context: Mapping[str, Any], language: str | None
    ) -> dict[str, str]:
        """The rendered parts; what retrying cannot fix (a removed type, a broken template) is a permanent failure."""
        key = notification.notification_type
        try:
            ntype = get_type(key)
        except UnknownNotificationType as error:
            raise PermanentDeliveryError(
                f"The notification type {key!r} is not registered (removed, or never declared with register_type()): "
                "nothing to render."
            ) from error
        try:
            return render(ntype, self.alias, self.parts, context, language)
        except (TemplateSyntaxError, TemplateDoesNotExist) as error:
            raise PermanentDeliveryError(f"Cannot render {key!r} for {self.alias!r}: {error}") from error

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> Any:
        """Where to send for ``user``; raise ``NoAddress`` when there is nowhere."""
        raise NotImplementedError(f"{type(self).__name__}.get_address() must be implemented by the channel backend.")

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        """Hand ``message`` to the provider; return its message id."""
        raise NotImplementedError(f"{type(self).__name__}.send() must be implemented by the channel backend.")

    def check(self) -> list[CheckMessage]:
        """Configuration problems of this backend, reported by ``manage.py check``."""
        return []
