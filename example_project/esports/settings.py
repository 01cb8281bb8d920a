"""Settings of the example esports platform, read from the environment.

Unset, every value falls back to the embedded profile: SQLite, local-memory cache, the immediate task backend,
console email and the local payment simulator. The scale-out profile is the same code with DATABASE_URL,
REDIS_URL, TASK_BACKEND=rq and LIVE_UPDATES=true (and esports.settings_production for the deployment settings);
STRIPE_* keys switch the simulator for Stripe test mode. README.md lists every variable.
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
    "esports.apps.EsportsConfig",
    "tournaments",
    "coaching",
    "teams",
    "venues",
]
try:  # Django 5.2 runs background tasks through the django-tasks backport
    import django.tasks

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
    "eyt_audit.limits.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "esports.urls"
WSGI_APPLICATION = "esports.wsgi.application"
ASGI_APPLICATION = "esports.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],  # the project's overrides of the packages' page layouts
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
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://")}
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="eyt")

# Background work: the immediate backend runs tasks in the request (embedded); TASK_BACKEND=rq sends them to the
# "default" queue on Redis for `manage.py rqworker default --job-class django_tasks_rq.Job` (scale-out).
TASK_BACKEND = env.str("TASK_BACKEND", default="immediate")
if TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise environ.ImproperlyConfigured("TASK_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env.str("RQ_URL", default=REDIS_URL)}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"}}
else:
    raise environ.ImproperlyConfigured(f"TASK_BACKEND must be 'immediate' or 'rq', not {TASK_BACKEND!r}.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["eyt_audit.limits.backends.LockoutModelBackend"]  # login lockout before the hash
CSRF_FAILURE_VIEW = "eyt_audit.views.csrf_failure"  # a CSRF failure is a security event
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

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

# Stripe test mode when keys are given, else the offline simulator. The simulator signs its webhook events and
# delivers them through the real webhook pipeline; without STRIPE_WEBHOOK_SECRET it signs with a secret derived
# from SECRET_KEY, which the webhook endpoint accepts only while the simulator is the gateway.
EYT_PAYMENTS_GATEWAY = {
    "BACKEND": "eyt_payments.gateways.stripe.StripeGateway"
    if STRIPE_SECRET_KEY
    else "eyt_payments.gateways.local.LocalGateway"
}
EYT_PAYMENTS_ADAPTER = "esports.adapters.PaymentsAdapter"
EYT_PAYMENTS_CURRENCIES = ["usd", "eur", "jpy"]
EYT_PAYMENTS_CREATE_INTENT_RATE = env.str("CREATE_INTENT_RATE", default="20/m")

# Whole-site rules of eyt_audit's RateLimitMiddleware (RATE_LIMIT_ENABLED=false turns them off).
EYT_AUDIT_RATE_LIMITS = [
    {"path": r"^/accounts/login/$", "methods": ["POST"], "rate": env.str("LOGIN_RATE", default="30/h"), "key": "ip"},
    {"path": r"^/teams/\d+/(invite|announce)/$", "methods": ["POST"], "rate": "30/h", "key": "user"},
]

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

# Links in emails are made absolute with this; live updates (Server-Sent Events) go through Redis when asked for,
# otherwise the bell polls every EYT_NOTIFY_POLL_INTERVAL seconds.
EYT_NOTIFY_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
EYT_NOTIFY_POLL_INTERVAL = env.int("NOTIFY_POLL_INTERVAL", default=15)
EYT_NOTIFY_CHANNELS = {
    "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
    "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"},
}
EYT_NOTIFY_LIVE = None
if env.bool("LIVE_UPDATES", default=False):
    if not REDIS_URL:
        raise environ.ImproperlyConfigured("LIVE_UPDATES=true needs REDIS_URL.")
    EYT_NOTIFY_LIVE = {
        "BACKEND": "eyt_notify.live.redis.RedisBroker",
        "OPTIONS": {"url": REDIS_URL, "prefix": f"{CACHES['default']['KEY_PREFIX']}:live"},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "eyt_audit.log.RequestContextFilter"},
        "redact_secrets": {"()": "esports.logs.RedactSecretsFilter"},
    },
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s request=%(request_id)s ip=%(client_ip)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context", "redact_secrets"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        name: {"level": "INFO"} for name in ("eyt_payments", "eyt_notify", "eyt_audit", "esports", "django.request")
    },
}
