"""Django's Tasks framework: ``django.tasks`` on Django 6.x, the ``django_tasks`` backport on Django 5.2."""

from __future__ import annotations

try:
    from django.tasks import task
except ImportError:  # Django 5.2: pip install django-tasks
    from django_tasks import task

__all__ = ["task"]
