"""The Django project dj-stripe's benchmark gunicorn serves: dj-stripe 2.11 on PostgreSQL, behind the same
middleware stack as ours (``benchstack``, with django-eyt-audit installed from this repository).

It runs in its own virtual environment (dj-stripe 2.11 pins stripe<16; see ``run.py``). The database URL comes from
DATABASE_URL with the name replaced by BENCH_DB_NAME, Stripe's API from BENCH_STRIPE_API (localstripe, through
dj-stripe's documented ``STRIPE_API_HOST``). dj-stripe's default webhook validation (``verify_signature``) is kept.
``benchcount.CountingMiddleware`` reports each request's SQL statements and Stripe requests as response headers.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from benchstack import APPS, CONN_MAX_AGE, MIDDLEWARE

_url = urlsplit(os.environ["DATABASE_URL"])

SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "djstripe_urls"
INSTALLED_APPS = [*APPS, "eyt_audit", "djstripe"]
MIDDLEWARE = MIDDLEWARE
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BENCH_DB_NAME"],
        "USER": _url.username or "postgres",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 5432),
        "CONN_MAX_AGE": CONN_MAX_AGE,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STRIPE_LIVE_MODE = False
STRIPE_TEST_SECRET_KEY = os.environ["BENCH_STRIPE_KEY"]
STRIPE_API_HOST = os.environ["BENCH_STRIPE_API"]
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
# dj-stripe's migrations take minutes of CPU on this machine: the tables are made from the models instead
# (``migrate --run-syncdb``, as pytest-django's --nomigrations does), the schema the migrations end in.
MIGRATION_MODULES = dict.fromkeys(("auth", "contenttypes", "sessions", "eyt_audit", "djstripe"))
SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]  # STRIPE_API_HOST without DEBUG: on purpose, it is localstripe
