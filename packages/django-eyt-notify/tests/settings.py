"""Bare settings: django-eyt-notify alone, next to Django's own apps."""

import django

from eyt_testing.settings import caches, databases, tasks, tasks_app

SECRET_KEY = "eyt-notify-tests"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "German")]
USE_I18N = True
ROOT_URLCONF = "tests.urls"
STATIC_URL = "/static/"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    *tasks_app(),
    "eyt_notify",
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
TASKS = tasks("immediate")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_FROM_EMAIL = "eyt@example.com"
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
EYT_NOTIFY_CHANNELS = {
    "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
    "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"},
    "memory": {"BACKEND": "eyt_notify.channels.locmem.LocMemChannel"},
    "discord": {"BACKEND": "eyt_notify.channels.discord.DiscordChannel"},
}
