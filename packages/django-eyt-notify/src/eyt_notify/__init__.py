"""django-eyt-notify: typed notifications delivered on every channel a user wants, through a transactional outbox.

``from eyt_notify import notify`` works before the app registry is ready: the implementation is imported on call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eyt_notify.results import NotifyResult

if TYPE_CHECKING:
    from eyt_notify.types import NotificationType

__version__ = "0.1.0.dev0"
__all__ = ["NotifyResult", "notify"]


def notify(recipients: Any, type: str | NotificationType, **options: Any) -> NotifyResult:
    """Notify a user, queryset, iterable of users or ``Group``. See ``eyt_notify.fanout.notify`` for the options:
    ``title``, ``message``, ``context``, ``priority``, ``action_url``, ``channels``, ``idempotency_key``, ``actor``,
    ``target``, ``data``, ``expires_at``."""
    from eyt_notify.fanout import notify as _notify

    return _notify(recipients, type, **options)
