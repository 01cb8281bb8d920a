"""Bare settings: django-eyt-audit alone, next to Django's own apps."""

from eyt_testing.settings import caches, databases, tasks, tasks_app

SECRET_KEY = "eyt-audit-tests"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "eyt_audit",
    "tests.testapp",
    *tasks_app(),
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "eyt_audit.middleware.AuditContextMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
DATABASES = databases()
CACHES = caches()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EYT_AUDIT_HMAC_KEY = "eyt-audit-tests-hmac-key-of-at-least-32-bytes"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TASKS = tasks("immediate")
