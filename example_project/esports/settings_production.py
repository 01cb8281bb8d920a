"""Deployment settings: the platform's settings with DEBUG off and HTTPS everywhere.

``DJANGO_SETTINGS_MODULE=esports.settings_production``. Needs ``DJANGO_SECRET_KEY`` (refuses to start without
one) and ``DJANGO_ALLOWED_HOSTS``; the app expects a TLS-terminating proxy in front of it that sets
``X-Forwarded-Proto: https``. ``manage.py check --deploy --fail-level WARNING`` passes with the scale-out variables
(README.md, "Scale-out").
"""

from __future__ import annotations

import os

os.environ["DJANGO_DEBUG"] = "false"  # before the base settings read it: no insecure fallbacks there either

from esports.settings import *  # noqa: F403
from esports.settings import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")

# Behind the proxy: it terminates TLS and says so; anything reaching the app over plain HTTP is redirected.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer's probe speaks plain HTTP to the app
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Sessions in the shared cache, backed by the database: the notification bell's unread count then costs no query,
# and with Redis esports.asgi / esports.wsgi answer it before Django (eyt_notify's UnreadCountFastPath).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
UNREAD_COUNT_FAST_PATH = bool(env.str("REDIS_URL", default=""))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# The preloaded HSTS flag is a commitment for every subdomain; leave it to the operator (check security.W021).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
