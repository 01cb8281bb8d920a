"""Django's Tasks framework: built in from Django 6.0, the django-tasks backport on 5.2."""

try:
    from django.tasks import default_task_backend, task
except ImportError:  # Django 5.2
    from django_tasks import default_task_backend, task  # type: ignore[no-redef]

__all__ = ["default_task_backend", "task"]
