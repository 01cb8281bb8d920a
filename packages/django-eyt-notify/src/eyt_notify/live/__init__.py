"""Live updates: a broker carries change events from any process to the ``stream/`` view of every web process.

``EYT_NOTIFY_LIVE = {"BACKEND": "eyt_notify.live.redis.RedisBroker", "OPTIONS": {"url": "redis://..."}}`` turns them
on; ``None`` (the default) leaves pages polling ``unread-count/``.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.module_loading import import_string

from eyt_notify.conf import settings
from eyt_notify.exceptions import InvalidBroker
from eyt_notify.live.base import BaseBroker, Event

__all__ = ["BaseBroker", "Event", "get_broker"]


@lru_cache(maxsize=1)
def get_broker() -> BaseBroker | None:
    """The configured broker, built once and rebuilt when ``EYT_NOTIFY_LIVE`` changes; ``None`` when off."""
    config = settings.EYT_NOTIFY_LIVE
    if config is None:
        return None
    if not isinstance(config, dict) or "BACKEND" not in config:
        raise InvalidBroker("EYT_NOTIFY_LIVE must be None or {'BACKEND': 'dotted.path', 'OPTIONS': {...}}.")
    try:
        backend = import_string(config["BACKEND"])
    except ImportError as error:
        raise InvalidBroker(f"Could not find live broker {config['BACKEND']!r}: {error}") from error
    broker: BaseBroker = backend(**config.get("OPTIONS", {}))
    return broker
