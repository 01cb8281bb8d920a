"""What ``notify()`` returns (kept apart from the models so ``eyt_notify`` imports before the apps load)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eyt_notify.models import Notification

__all__ = ["NotifyResult"]


@dataclass(frozen=True)
class NotifyResult:
    """What ``notify()`` created: counts, and the notification itself when one user was given."""

    created: int
    deliveries: int
    notification: Notification | None = field(default=None)
