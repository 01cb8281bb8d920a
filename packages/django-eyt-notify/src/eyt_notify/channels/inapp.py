"""The in-app channel: the ``Notification`` row itself, always stored, never in the outbox."""

from __future__ import annotations

from typing import ClassVar

from eyt_notify.channels.base import BaseChannel


class InAppChannel(BaseChannel):
    """The notification row itself: always stored by ``notify()``, so it has no outbox row to send."""

    external: ClassVar[bool] = False
