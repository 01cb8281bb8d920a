"""Bare settings: django-eyt-audit alone, next to Django's own apps."""

from eyt_testing import settings as base

SECRET_KEY = "eyt-audit-tests"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
STATIC_URL = "/static/"
INSTALLED_APPS = [
    *base.DJANGO_APPS,
    "eyt_audit",
    "tests.testapp",
    *base.tasks_app(),
]
MIDDLEWARE = [
    *base.MIDDLEWARE,
    "eyt_audit.middleware.AuditContextMiddleware",
]
TEMPLATES = base.TEMPLATES
DATABASES = base.databases()
CACHES = base.caches()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EYT_AUDIT_HMAC_KEY = "eyt-audit-tests-hmac-key-of-at-least-32-bytes"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TASKS = base.tasks("immediate")
