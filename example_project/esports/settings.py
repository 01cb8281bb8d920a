"""Settings of the example esports platform, read from the environment.

Unset, every value falls back to the embedded profile: SQLite, local-memory cache, the immediate task backend,
console email and the local payment simulator. Set DATABASE_URL, REDIS_URL, STRIPE_* and EMAIL_* to scale out.
"""

from __future__ import annotations

from pathlib import Path

import django
import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-embedded-demo-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "eyt_audit",
    "eyt_payments",
    "eyt_notify",
    "esports",
]
try:  # Django 5.2 runs background tasks through the django-tasks backport
    import django.tasks  # noqa: F401

    TASKS_MODULE = "django.tasks"
except ImportError:
    INSTALLED_APPS.append("django_tasks")
    TASKS_MODULE = "django_tasks"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "eyt_audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "esports.urls"
WSGI_APPLICATION = "esports.wsgi.application"
ASGI_APPLICATION = "esports.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://")}
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default=f"{TASKS_MODULE}.backends.immediate.ImmediateBackend")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The original platform's names, honoured by the packages as their defaults.
STRIPE_PUBLIC_KEY = env.str("STRIPE_PUBLIC_KEY", default="")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
MAX_LOGIN_ATTEMPTS = env.int("MAX_LOGIN_ATTEMPTS", default=5)
ACCOUNT_LOCK_DURATION = env.int("ACCOUNT_LOCK_DURATION", default=3600)

_email_host = env.str("EMAIL_HOST", default="")
_mail_backend = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if _email_host
    else "django.core.mail.backends.console.EmailBackend",
)
_smtp_options = {
    "host": _email_host or "localhost",
    "port": env.int("EMAIL_PORT", default=25),
    "username": env.str("EMAIL_HOST_USER", default=""),
    "password": env.str("EMAIL_HOST_PASSWORD", default=""),
    "use_tls": env.bool("EMAIL_USE_TLS", default=False),
}
if django.VERSION >= (6, 1):  # MAILERS replaces EMAIL_BACKEND and the other EMAIL_* connection settings
    MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _smtp_options if "smtp" in _mail_backend else {}}}
else:
    EMAIL_BACKEND = _mail_backend
    EMAIL_HOST = _smtp_options["host"]
    EMAIL_PORT = _smtp_options["port"]
    EMAIL_HOST_USER = _smtp_options["username"]
    EMAIL_HOST_PASSWORD = _smtp_options["password"]
    EMAIL_USE_TLS = _smtp_options["use_tls"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="EYT Gaming <noreply@eyt.example>")

EYT_AUDIT_HMAC_KEY = env.str("EYT_AUDIT_HMAC_KEY", default=None)
EYT_AUDIT_TRUSTED_PROXIES = env.int("EYT_AUDIT_TRUSTED_PROXIES", default=0)
