"""What happens after a user's notifications change: their cached count is dropped, then open pages are told.

Every change (created, read, unread, deleted) ends here once its transaction has committed, whichever process made
it: a web request, a task worker or a management command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import router, transaction

from eyt_notify import counts

if TYPE_CHECKING:
    from eyt_notify.models import Notification

__all__ = ["CREATED", "DELETED", "READ", "changed", "changed_on_commit"]

logger = logging.getLogger("eyt_notify.live")

CREATED, READ, DELETED = "created", "read", "deleted"


def changed(
    user_ids: Iterable[Any],
    reason: str,
    *,
    ids: Iterable[int] | None = None,
    notification: Notification | None = None,
) -> None:
    """Invalidate the unread counts of ``user_ids`` and publish a ``changed`` event to their open pages."""
    user_ids = list(user_ids)
    counts.invalidate(user_ids)
    from eyt_notify.live import get_broker

    broker = get_broker()
    if broker is None:
        return
    from eyt_notify.serializers import serialize

    payload: dict[str, Any] = {
        "reason": reason,
        "ids": sorted(ids) if ids is not None else None,
        "notification": serialize(notification) if notification is not None else None,
    }
    try:
        broker.publish(user_ids, "changed", payload)
    except Exception:  # the change is committed; a broker outage must not fail the caller (pages poll on error)
        logger.exception("Could not publish a %r event to %d users.", reason, len(user_ids))


def changed_on_commit(
    user_ids: Iterable[Any], reason: str, *, ids: Iterable[int] | None = None, using: str | None = None
) -> None:
    """``changed()`` once the current transaction commits (at once in autocommit mode)."""
    from eyt_notify.models import Notification

    user_ids, ids = list(user_ids), (list(ids) if ids is not None else None)
    transaction.on_commit(
        lambda: changed(user_ids, reason, ids=ids), using=using or router.db_for_write(Notification), robust=True
    )
