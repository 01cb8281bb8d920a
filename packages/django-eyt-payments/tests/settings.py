"""Bare settings: django-eyt-payments alone, next to Django's own apps."""

from eyt_testing.settings import caches, databases, tasks, tasks_app

SECRET_KEY = "eyt-payments-tests"
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
    "django.contrib.staticfiles",
    *tasks_app(),
    "eyt_payments",
    "tests.testapp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
TASKS = tasks()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.memory.MemoryGateway"}
SILENCED_SYSTEM_CHECKS = ["eyt_payments.W001"]
STATIC_URL = "/static/"
