"""Database, cache and task settings for test projects, chosen by the environment.

``DATABASE_URL`` unset: SQLite. ``REDIS_URL`` unset: local-memory cache. The same test settings therefore run on
the embedded defaults and on the PostgreSQL/Redis tiers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import environ


def run_name() -> str:
    """Tells concurrent test runs apart (tox sets TOX_ENV_NAME), so parallel runs never share a database or keys."""
    name = os.environ.get("TOX_ENV_NAME") or Path.cwd().name
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    config = environ.Env.db_url_config(url)
    config["TEST"] = {"NAME": f"test_eyt_{run_name()}"[:63]}
    return {"default": config}


def caches() -> dict[str, Any]:
    url = os.environ.get("REDIS_URL")
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    config = environ.Env.cache_url_config(url)
    return {
        "default": {**config, "BACKEND": "eyt_testing.cache.PrefixedRedisCache", "KEY_PREFIX": f"eyt-test-{run_name()}"}
    }


def tasks_app() -> list[str]:
    """The backport needs to be an installed app on Django 5.2; Django 6 has ``django.tasks`` built in."""
    try:
        import django.tasks  # noqa: F401
    except ImportError:
        return ["django_tasks"]
    return []


def tasks(backend: str = "immediate") -> dict[str, Any]:
    module = "django.tasks" if not tasks_app() else "django_tasks"
    classes = {"immediate": "immediate.ImmediateBackend", "dummy": "dummy.DummyBackend"}
    return {"default": {"BACKEND": f"{module}.backends.{classes[backend]}"}}


#: Django's own apps that every bare test project installs before the package under test.
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
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
