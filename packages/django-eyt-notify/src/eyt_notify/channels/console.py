"""Writes each message to a stream (stdout by default): a development double."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, ClassVar

from eyt_notify.channels.base import BaseChannel, Message

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Delivery, Notification


class ConsoleChannel(BaseChannel):
    """OPTIONS: ``stream`` (a file object; default ``sys.stdout``)."""

    option_names: ClassVar[frozenset[str]] = frozenset({"stream"})

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> str:
        return user.get_username()

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        stream = self.options.get("stream") or sys.stdout
        stream.write(
            f"[{self.alias}] to {address} #{message.notification_id} {message.notification_type} "
            f"({message.priority})\n{message.subject}\n{message.body}\n{'-' * 79}\n"
        )
        stream.flush()
        return f"console-{delivery.pk}"
