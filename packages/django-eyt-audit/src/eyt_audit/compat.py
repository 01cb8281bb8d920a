"""Django's Tasks framework: ``django.tasks`` on Django 6.x, the ``django_tasks`` backport on Django 5.2."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # one definition for the type checker; the backport has the same API
    from django.tasks import task
else:
    try:
        from django.tasks import task
    except ImportError:  # Django 5.2: pip install django-tasks
        from django_tasks import task

__all__ = ["task"]
