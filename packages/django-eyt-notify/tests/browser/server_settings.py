"""Settings of the ASGI server the browser tests start (and of the processes that act on its database).

The database is a SQLite file named by EYT_BROWSER_DB, shared by the server and every acting process. With
REDIS_URL the cache (counts, their invalidation) and the live broker are Redis, shared across processes too.
"""

import os

from tests.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["EYT_BROWSER_DB"]}}
_redis = os.environ.get("REDIS_URL")
_prefix = os.environ.get("EYT_BROWSER_PREFIX", "eyt-browser")
if _redis:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis, "KEY_PREFIX": _prefix}
    }
    EYT_NOTIFY_LIVE = {
        "BACKEND": "eyt_notify.live.redis.RedisBroker",
        "OPTIONS": {"url": _redis, "prefix": f"{_prefix}:live", "heartbeat": 5},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EYT_NOTIFY_POLL_INTERVAL = 1
