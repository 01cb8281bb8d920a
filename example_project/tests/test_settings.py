import importlib
import sys

import django
import pytest

from esports import settings as platform_settings


def load_settings(monkeypatch, **environment):
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "STRIPE_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "esports.settings")
    return importlib.import_module("esports.settings")


def mail_settings(settings):
    """The mail connection in either form: MAILERS on Django 6.1+, EMAIL_* before."""
    if django.VERSION >= (6, 1):
        assert not hasattr(settings, "EMAIL_BACKEND")
        mailer = settings.MAILERS["default"]
        return {"backend": mailer["BACKEND"], **mailer["OPTIONS"]}
    return {"backend": settings.EMAIL_BACKEND, "host": settings.EMAIL_HOST, "port": settings.EMAIL_PORT}


@pytest.fixture(autouse=True)
def restore_module():
    yield
    sys.modules["esports.settings"] = platform_settings


def test_embedded_defaults(monkeypatch):
    settings = load_settings(monkeypatch)
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings.TASKS["default"]["BACKEND"].endswith("immediate.ImmediateBackend")
    assert mail_settings(settings)["backend"] == "django.core.mail.backends.console.EmailBackend"
    assert (settings.MAX_LOGIN_ATTEMPTS, settings.ACCOUNT_LOCK_DURATION, settings.RATE_LIMIT_ENABLED) == (5, 3600, True)


def test_scale_out_from_the_environment(monkeypatch):
    settings = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://eyt:pw@db.internal:5432/eyt",
        REDIS_URL="redis://cache.internal:6379/1",
        EMAIL_HOST="smtp.internal",
        EMAIL_PORT="2525",
        MAX_LOGIN_ATTEMPTS="3",
        ACCOUNT_LOCK_DURATION="1800",
        RATE_LIMIT_ENABLED="false",
        STRIPE_SECRET_KEY="sk_test_123",
    )
    database = settings.DATABASES["default"]
    assert (database["ENGINE"], database["HOST"], database["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "eyt",
    )
    assert settings.CACHES["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    mail = mail_settings(settings)
    assert mail["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (mail["host"], mail["port"]) == ("smtp.internal", 2525)
    assert (settings.MAX_LOGIN_ATTEMPTS, settings.ACCOUNT_LOCK_DURATION, settings.RATE_LIMIT_ENABLED) == (
        3,
        1800,
        False,
    )
    assert settings.STRIPE_SECRET_KEY == "sk_test_123"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(monkeypatch, DJANGO_DEBUG="false")
