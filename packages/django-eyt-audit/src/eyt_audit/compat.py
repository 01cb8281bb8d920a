"""Django's Tasks framework: ``django.tasks`` on Django 6.x, the ``django_tasks`` backport on Django 5.2."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # one definition for the type checker; the backport has the same API
    from django.tasks import task
else:
    try:
        from django.tasks import task
    except ImportError:  # Django 5.2
        try:
            from django_tasks import task
        except ImportError as error:
            raise ImportError(
                "eyt_audit.compat.task needs Django's Tasks framework: on Django 5.2 install the backport with "
                'pip install "django-eyt-audit[tasks]" (django-tasks) and add "django_tasks" to INSTALLED_APPS.'
            ) from error

__all__ = ["task"]
