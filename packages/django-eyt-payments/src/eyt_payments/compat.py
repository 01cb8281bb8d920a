"""Django's Tasks framework: ``django.tasks`` on Django 6.x, the ``django_tasks`` backport on 5.2."""

from __future__ import annotations

try:
    from django.tasks import default_task_backend, task
except ImportError:  # Django 5.2
    from django_tasks import default_task_backend, task  # type: ignore[no-redef]

__all__ = ["default_task_backend", "task"]
