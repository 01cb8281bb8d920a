"""The Django project the benchmark's gunicorn serves: django-eyt-payments alone on PostgreSQL.

Its database name comes from BENCH_DB_NAME; events are only stored by the request (EYT_PAYMENTS_WEBHOOK_ENQUEUE
is off) so the request is measured alone and processing is measured by the worker in the parent process.
The Stripe gateway points at the run's localstripe (BENCH_STRIPE_API), so a call in the request would succeed and be
counted (``benchcount``), not fail fast.
"""

from __future__ import annotations

import os

import environ

database = environ.Env.db_url_config(os.environ["DATABASE_URL"])
database["NAME"] = os.environ["BENCH_DB_NAME"]
database["CONN_MAX_AGE"] = 60

SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "benchurls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "eyt_payments"]
MIDDLEWARE = ["benchcount.CountingMiddleware"]  # per-request SQL and Stripe request counts, as response headers
DATABASES = {"default": database}
EYT_PAYMENTS_WEBHOOK_SECRET = os.environ["BENCH_WEBHOOK_SECRET"]
EYT_PAYMENTS_WEBHOOK_ENQUEUE = False
EYT_PAYMENTS_GATEWAY = {
    "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
    "OPTIONS": {"api_base": os.environ.get("BENCH_STRIPE_API", "http://127.0.0.1:9")},
}
EYT_PAYMENTS_SECRET_KEY = os.environ.get("BENCH_STRIPE_KEY", "sk_test_bench")
