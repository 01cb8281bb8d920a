"""What both benchmark servers share, so the two sides differ only in the webhook app they serve.

The middleware stack is a real host's: Django's default stack (``startproject``) with django-eyt-audit's
``AuditContextMiddleware`` after authentication, as the example platform has it (its whole-site rate limits are
left out: no rule matches a webhook path). ``benchcount.CountingMiddleware`` is outermost, so the counts include
every query the stack runs. Stripe sends no cookie, so sessions and users stay lazy and cost no query on either
side. Both sides keep persistent database connections (``CONN_MAX_AGE``).
"""

from __future__ import annotations

CONN_MAX_AGE = 60

APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

MIDDLEWARE = [
    "benchcount.CountingMiddleware",  # per-request SQL and Stripe request counts, as response headers
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "eyt_audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
