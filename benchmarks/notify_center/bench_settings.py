"""Settings of the server both sides are measured on: one project with both apps, the same sessions and cache."""

import os
from urllib.parse import urlsplit

import django

_db = urlsplit(os.environ["BENCH_DATABASE_URL"])
_tasks = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"

SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "bench_urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    *([] if _tasks == "django.tasks" else ["django_tasks"]),
    "notifications",
    "eyt_notify",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        # ASGI runs sync views on changing threads: a pool, not persistent per-thread connections.
        "OPTIONS": {"pool": {"min_size": 2, "max_size": 8}},
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": "eyt-bench-center",
    }
}
# Both sides read the session from the cache (the database only on a cache miss).
SESSION_ENGINE = os.environ.get("BENCH_SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
TASKS = {"default": {"BACKEND": f"{_tasks}.backends.dummy.DummyBackend"}}
EYT_NOTIFY_CHANNELS = {"inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"}}
LOGGING_CONFIG = None
