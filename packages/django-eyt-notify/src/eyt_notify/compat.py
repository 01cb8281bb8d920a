"""Django's Tasks framework: ``django.tasks`` on Django 6.x, the ``django_tasks`` backport on 5.2."""

from __future__ import annotations

try:
    from django.tasks import task, task_backends
except ImportError:  # Django 5.2
    from django_tasks import task, task_backends  # type: ignore[no-redef]

__all__ = ["task", "task_backends"]
