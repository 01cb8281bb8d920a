"""Bare settings: django-eyt-payments alone, next to Django's own apps."""

from eyt_testing import settings as base

SECRET_KEY = "eyt-payments-tests"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = [
    *base.DJANGO_APPS,
    *base.tasks_app(),
    "eyt_payments",
    "tests.testapp",
]
MIDDLEWARE = base.MIDDLEWARE
TEMPLATES = base.TEMPLATES
DATABASES = base.databases()
CACHES = base.caches()
TASKS = base.tasks()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.memory.MemoryGateway"}
SILENCED_SYSTEM_CHECKS = ["eyt_payments.W001"]
STATIC_URL = "/static/"
