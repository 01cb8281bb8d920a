from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "esports/home.html")


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, cache and task-queue state; 503 when any of them is down. Never shows error text."""
    checks = {"database": _database_ok(), "cache": _cache_ok(), "tasks": _tasks_ok()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: database check failed")
        return "error"
    return "ok"


def _cache_ok() -> str:
    key, value = "esports:health", uuid.uuid4().hex
    try:
        cache.set(key, value, 10)
        ok = cache.get(key) == value
    except Exception:
        logger.exception("health: cache check failed")
        return "error"
    return "ok" if ok else "error"


def _tasks_ok() -> str:
    try:
        from esports.compat import default_task_backend

        problems = [message for message in default_task_backend.check() if message.is_serious()]
    except Exception:
        logger.exception("health: task backend check failed")
        return "error"
    return "error" if problems else "ok"
