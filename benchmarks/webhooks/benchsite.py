"""The Django project the benchmark's gunicorn serves: django-eyt-payments on PostgreSQL, behind a real host's
middleware stack (``benchstack``, the same on dj-stripe's side) with django-eyt-audit installed.

Its database name comes from BENCH_DB_NAME. The request does all it does in production: verify, store, and after
commit enqueue the wake-up task, on BENCH_TASKS: ``dummy`` (Django's DummyBackend: enqueues in memory, runs
nothing; not the immediate backend, which would process the event inside the request) or ``rq`` (django-tasks-rq
on Redis at BENCH_REDIS_URL, the example platform's scale-out backend; ``run.py`` empties it). Nothing processes
those tasks during the run: processing is measured by the worker in the parent process. The Stripe gateway points
at the run's localstripe (BENCH_STRIPE_API), so a call in the request would succeed and be counted
(``benchcount``), not fail fast.
"""

from __future__ import annotations

import os

import environ
from benchstack import APPS, CONN_MAX_AGE, MIDDLEWARE

database = environ.Env.db_url_config(os.environ["DATABASE_URL"])
database["NAME"] = os.environ["BENCH_DB_NAME"]
database["CONN_MAX_AGE"] = CONN_MAX_AGE

SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "benchurls"
INSTALLED_APPS = [*APPS, "eyt_audit", "eyt_payments"]
MIDDLEWARE = MIDDLEWARE
DATABASES = {"default": database}
if os.environ.get("BENCH_TASKS", "dummy") == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ["BENCH_REDIS_URL"]}}
else:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
EYT_PAYMENTS_WEBHOOK_SECRET = os.environ["BENCH_WEBHOOK_SECRET"]
EYT_PAYMENTS_WEBHOOK_ENQUEUE = True
EYT_PAYMENTS_GATEWAY = {
    "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
    "OPTIONS": {"api_base": os.environ.get("BENCH_STRIPE_API", "http://127.0.0.1:9")},
}
EYT_PAYMENTS_SECRET_KEY = os.environ.get("BENCH_STRIPE_KEY", "sk_test_bench")
