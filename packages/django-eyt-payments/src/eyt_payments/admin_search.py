"""Admin search on the user a row belongs to, through whichever login and email fields the user model has."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model


def user_search_fields(relation: str, user_model: type[Model] | None = None) -> tuple[str, ...]:
    """Search lookups through ``relation`` on the user model's login field and email field, those it has: a custom
    user model may have no ``username`` (an email login) or no ``email``."""
    model: Any = user_model or get_user_model()
    email_field = model.get_email_field_name() if hasattr(model, "get_email_field_name") else "email"
    names = dict.fromkeys((model.USERNAME_FIELD, email_field))
    return tuple(f"{relation}__{name}" for name in names if _has_field(model, name))


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
