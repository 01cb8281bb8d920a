"""Bare settings: django-eyt-notify alone, next to Django's own apps."""

import django

from eyt_testing import settings as base

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
    *base.DJANGO_APPS,
    *base.tasks_app(),
    "eyt_notify",
    "tests.testapp",
]
MIDDLEWARE = base.MIDDLEWARE
TEMPLATES = base.TEMPLATES
DATABASES = base.databases()
CACHES = base.caches()
TASKS = base.tasks("immediate")
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
