"""What happens after a user's notifications change: their cached count is dropped, then open pages are told.

Every change (created, read, unread, deleted) ends here once its transaction has committed, whichever process made
it: a web request, a task worker or a management command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.db import router, transaction

from eyt_notify import counts
from eyt_notify.conf import settings

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
    """Invalidate the unread counts of ``user_ids`` and publish a ``changed`` event to their open pages.

    ``user_ids`` is consumed in chunks of ``EYT_NOTIFY_BATCH_SIZE`` (each chunk invalidated, then told), so a lazy
    iterable of any length (a fan-out's recipients read with a server-side cursor) never sits in memory at once.
    """
    from eyt_notify.live import get_broker

    broker = get_broker()
    payload: dict[str, Any] = {}
    if broker is not None:
        from eyt_notify.serializers import serialize

        payload = {
            "reason": reason,
            "ids": sorted(ids) if ids is not None else None,
            "notification": serialize(notification) if notification is not None else None,
        }
    users = iter(user_ids)
    cache_up = True
    while chunk := list(islice(users, settings.EYT_NOTIFY_BATCH_SIZE)):
        if cache_up:
            cache_up = _invalidate(chunk, reason)  # before the event: a page that refetches must not read the old count
        if broker is None:
            continue
        try:
            broker.publish(chunk, "changed", payload)
        except Exception:  # the change is committed; a broker outage must not fail the caller (pages poll on error)
            logger.exception("Could not publish a %r event; the remaining pages of this change poll.", reason)
            broker = None  # keep invalidating the rest, stop trying the broker


def _invalidate(user_ids: list[Any], reason: str) -> bool:
    """Drop the users' cached counts; on a cache outage log it once and say so (the change is committed: the caller
    must not fail, and the counts expire by themselves within ``EYT_NOTIFY_UNREAD_COUNT_TIMEOUT``)."""
    try:
        counts.invalidate(user_ids)
    except Exception:
        logger.exception(
            "Could not drop the cached unread counts after a %r change (cache unavailable); "
            "they may show an old number until they expire.",
            reason,
        )
        return False
    return True


def changed_on_commit(
    user_ids: Iterable[Any], reason: str, *, ids: Iterable[int] | None = None, using: str | None = None
) -> None:
    """``changed()`` once the current transaction commits (at once in autocommit mode)."""
    from eyt_notify.models import Notification

    user_ids, ids = list(user_ids), (list(ids) if ids is not None else None)
    transaction.on_commit(
        lambda: changed(user_ids, reason, ids=ids), using=using or router.db_for_write(Notification), robust=True
    )
