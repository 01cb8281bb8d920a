"""The in-app channel: the ``Notification`` row itself, always stored, never in the outbox."""

from __future__ import annotations

from typing import ClassVar

from eyt_notify.channels.base import BaseChannel


class InAppChannel(BaseChannel):
    external: ClassVar[bool] = False
