from __future__ import annotations

import logging
import uuid
from typing import Any

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
    except Exception as error:
        return _failed("database", error)
    return "ok"


def _cache_ok() -> str:
    key, value = "esports:health", uuid.uuid4().hex
    try:
        cache.set(key, value, 10)
        ok = cache.get(key) == value
    except Exception as error:
        return _failed("cache", error)
    return "ok" if ok else "error"


def _tasks_ok() -> str:
    try:
        from esports.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends

        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if any(message.is_serious() for message in backend.check()):
            return "error"
        _ping_task_queues(backend)
    except Exception as error:
        return _failed("task queue", error)
    return "ok"


def _ping_task_queues(backend: Any) -> None:
    """A queue on Redis (RQ) must answer a PING; the database and in-process backends are covered above."""
    if type(backend).__module__.startswith("django_tasks_rq"):
        import django_rq

        for name in backend.queues:
            django_rq.get_queue(name).connection.ping()


def _failed(what: str, error: Exception) -> str:
    # One line, not a traceback: a load balancer probes every few seconds for as long as the outage lasts.
    logger.warning("health: %s check failed: %r", what, error)
    return "error"
