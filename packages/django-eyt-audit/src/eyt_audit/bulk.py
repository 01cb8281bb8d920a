"""The tracked path for bulk writes of registered models, which Django's model signals never see.

``QuerySet.delete()`` needs nothing: it sends ``post_delete`` for each row of a tracked model. For the rest, call
these instead of the QuerySet methods; each runs in one transaction and appends all its entries at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import router, transaction
from django.db.models import Model, QuerySet

from eyt_audit.tracking import tracked
from eyt_audit.trail import build_row, write

__all__ = ["bulk_create", "bulk_update", "update"]

M = TypeVar("M", bound=Model)


def bulk_create(objs: Sequence[M], **kwargs: Any) -> list[M]:
    """``Model.objects.bulk_create(objs, **kwargs)`` plus one ``<label>.created`` entry per object.

    The database must return the new primary keys (PostgreSQL, SQLite 3.35+), as Django's ``bulk_create`` does.
    """
    if not objs:
        return []
    model = type(objs[0])
    config = tracked(model)
    using = router.db_for_write(model)
    with transaction.atomic(using=using, savepoint=False):
        created = model._default_manager.using(using).bulk_create(objs, **kwargs)
        rows = [
            build_row(f"{config.label}.created", obj, changes=config.snapshot(obj, created=True)) for obj in created
        ]
        write(rows, using)
    for obj in created:
        config.remember(obj)
    return created


def bulk_update(objs: Sequence[Model], fields: Iterable[str], **kwargs: Any) -> int:
    """``Model.objects.bulk_update(objs, fields, **kwargs)`` plus an ``<label>.updated`` entry per object whose
    tracked values changed since it was loaded."""
    if not objs:
        return 0
    fields = list(fields)
    model = type(objs[0])
    config = tracked(model)
    using = router.db_for_write(model)
    with transaction.atomic(using=using, savepoint=False):
        count = model._default_manager.using(using).bulk_update(objs, fields, **kwargs)
        rows = [
            build_row(f"{config.label}.updated", obj, changes=changes)
            for obj in objs
            if (changes := config.diff(obj, fields))
        ]
        write(rows, using)
    for obj in objs:
        config.remember(obj)
    return count


def update(queryset: QuerySet[Any], **values: Any) -> int:
    """``queryset.update(**values)`` plus an ``<label>.updated`` entry per row that changed.

    Locks the rows (``SELECT ... FOR UPDATE`` where supported), updates them and reads them back, so expressions
    such as ``F("stock") - 1`` are recorded with their results. Meant for batches, not for whole tables at once.
    """
    model = queryset.model
    config = tracked(model)
    using = queryset.db
    with transaction.atomic(using=using, savepoint=False):
        before = {obj.pk: obj for obj in queryset.select_for_update()}
        rows_of = model._base_manager.using(using).filter(pk__in=list(before))
        count: int = rows_of.update(**values)
        rows = []
        for obj in rows_of.order_by("pk"):
            old = before[obj.pk]
            changes = config.diff(_with_values_of(old, obj, config.names), None)
            if changes:
                rows.append(build_row(f"{config.label}.updated", obj, changes=changes))
        write(rows, using)
    return count


def _with_values_of(old: Model, new: Model, attnames: Iterable[str]) -> Model:
    """``old`` carrying ``new``'s values, so ``diff`` compares loaded-before against read-after."""
    for attname in attnames:
        if attname in new.__dict__:
            old.__dict__[attname] = new.__dict__[attname]
    return old
