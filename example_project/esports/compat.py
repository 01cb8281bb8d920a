"""Django's Tasks framework: built in from Django 6.0, the django-tasks backport on 5.2."""

try:
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, default_task_backend, task, task_backends
except ImportError:  # Django 5.2
    from django_tasks import (  # type: ignore[no-redef]
        DEFAULT_TASK_BACKEND_ALIAS,
        default_task_backend,
        task,
        task_backends,
    )

__all__ = ["DEFAULT_TASK_BACKEND_ALIAS", "default_task_backend", "task", "task_backends"]
