"""Settings shared by the delivery benchmark and its worker processes (all read from the environment)."""

import os

import django
import environ

DATABASES = {"default": environ.Env.db_url_config(os.environ["DELIVERY_BENCH_DATABASE_URL"])}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "eyt_notify",
    "deliverybench",
    *([] if django.VERSION >= (6, 0) else ["django_tasks"]),
]
TASKS_MODULE = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
TASKS = {"default": {"BACKEND": f"{TASKS_MODULE}.backends.dummy.DummyBackend"}}  # the workers do the sending
USE_TZ = True
SECRET_KEY = "bench"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DEFAULT_FROM_EMAIL = "bench@example.com"
EYT_NOTIFY_CHANNELS = {
    "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
    "email": {"BACKEND": "eyt_notify.channels.email.EmailChannel"},
}
_smtp = {"host": "127.0.0.1", "port": int(os.environ.get("DELIVERY_BENCH_SMTP_PORT", "25"))}
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _smtp["host"], _smtp["port"]
SILENCED_SYSTEM_CHECKS = ["eyt_notify.W001"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
