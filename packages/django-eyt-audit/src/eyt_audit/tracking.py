"""``register(Model)``: an entry for every create, update and delete of a model, with field-level changes.

Each instance remembers the values it was loaded with (``post_init``), so a save compares in memory: no SELECT of
the old row, and no entry (nor transaction) when nothing changed. A save that changes something runs in one
transaction with its entry, also in autocommit mode. Bulk writes skip model signals: use ``eyt_audit.bulk``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import DecimalField, Field, Model
from django.db.models.signals import post_delete, post_init, post_save

from eyt_audit.canonical import MASKED, clean, is_secret
from eyt_audit.conf import settings

__all__ = ["Tracked", "is_registered", "register", "tracked", "unregister"]

MEMORY = "_eyt_audit_loaded"
_MISSING = object()
_registry: dict[type[Model], Tracked] = {}
_originals: dict[type[Model], dict[str, Any]] = {}

Normalise = Callable[[Any], Any]


@dataclass(frozen=True)
class Tracked:
    """How one model is tracked: the attributes compared, the ones whose values are never stored, and how each
    value is brought to the form the database stores."""

    model: type[Model]
    names: dict[str, str]  # attname -> field name, in field order
    masked: frozenset[str]  # attnames
    stored: dict[str, Normalise]  # attname -> _stored_form(field)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def remember(self, instance: Model, attnames: Iterable[str] | None = None) -> None:
        """Take the current values of the tracked fields as the loaded ones."""
        values = instance.__dict__
        memory = values.setdefault(MEMORY, {})
        for attname in self.names if attnames is None else attnames:
            if attname in values:
                value = values[attname]
                memory[attname] = copy.deepcopy(value) if isinstance(value, dict | list) else value
            else:
                memory.pop(attname, None)

    def changed_attnames(self, instance: Model, update_fields: Collection[str] | None = None) -> list[str]:
        """The tracked attributes whose value differs from the loaded one once both are in their stored form
        (``"5.00"`` or ``5`` for a ``Decimal("5.00")`` is no change). Raw values are compared first."""
        values = instance.__dict__
        memory = values.get(MEMORY, {})
        stored = self.stored
        changed = []
        for attname in self._candidates(update_fields):
            new = values.get(attname, _MISSING)
            if new is _MISSING:
                continue
            old = memory.get(attname, _MISSING)
            if old != new and (old is _MISSING or stored[attname](old) != stored[attname](new)):
                changed.append(attname)
        return changed

    def diff(self, instance: Model, update_fields: Collection[str] | None = None) -> dict[str, Any]:
        """``{field: [old, new]}`` for every tracked field changed since loading (``MASKED`` for masked ones)."""
        memory = instance.__dict__.get(MEMORY, {})
        return {
            self.names[attname]: self._pair(attname, memory.get(attname), instance.__dict__[attname])
            for attname in self.changed_attnames(instance, update_fields)
        }

    def snapshot(self, instance: Model, *, created: bool) -> dict[str, Any]:
        """All tracked values as ``[None, value]`` (created) or ``[value, None]`` (deleted)."""
        memory = instance.__dict__.get(MEMORY, {})
        changes = {}
        for attname, name in self.names.items():
            value = instance.__dict__.get(attname) if created else memory.get(attname, instance.__dict__.get(attname))
            changes[name] = self._pair(attname, None, value) if created else self._pair(attname, value, None)
        return changes

    def _candidates(self, update_fields: Collection[str] | None) -> Iterable[str]:
        if update_fields is None:
            return self.names
        return [a for a, name in self.names.items() if a in update_fields or name in update_fields]

    def _pair(self, attname: str, old: Any, new: Any) -> Any:
        if attname in self.masked:
            return MASKED
        stored = self.stored[attname]
        return [clean(stored(old)), clean(stored(new))]


def _stored_form(field: Field[Any, Any]) -> Normalise:
    """A function giving a value of ``field`` as the database stores it: through ``field.to_python()`` (the value
    itself when that refuses it), a ``DecimalField``'s rounded to its ``decimal_places``."""
    to_python = field.to_python
    quantise = _quantiser(field) if isinstance(field, DecimalField) and field.decimal_places is not None else None

    def normalise(value: Any) -> Any:
        if value is None:
            return None
        try:
            value = to_python(value)
        except (ValidationError, TypeError, ValueError):
            return value
        return quantise(value) if quantise is not None and isinstance(value, Decimal) else value

    return normalise


def _quantiser(field: DecimalField[Any, Any]) -> Callable[[Decimal], Decimal]:
    """Rounds to ``field.decimal_places``, half away from zero as PostgreSQL's ``numeric`` does."""
    quantum = Decimal(1).scaleb(-field.decimal_places)
    context = Context(prec=field.max_digits, rounding=ROUND_HALF_UP)

    def quantise(value: Decimal) -> Decimal:
        try:
            return value.quantize(quantum, context=context)
        except InvalidOperation:  # more than max_digits digits: the database refuses it anyway
            return value

    return quantise


def register(
    model: type[Model],
    fields: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    mask: Iterable[str] | None = None,
) -> type[Model]:
    """Track creates, updates and deletes of ``model``.

    ``fields`` limits tracking to those fields (default: every concrete field but the primary key and
    ``auto_now`` timestamps); ``exclude`` leaves some out; ``mask`` records that a field changed but never its
    values (fields named like ``EYT_AUDIT_SECRET_FIELDS`` are masked anyway). Calling it again replaces the
    model's configuration. Returns the model, so it can be used as a class decorator.
    """
    concrete = {field.name: field for field in model._meta.concrete_fields if not field.primary_key}
    chosen = _check_names(model, "fields", fields, concrete) if fields is not None else None
    excluded = _check_names(model, "exclude", exclude or (), concrete)
    masked = _check_names(model, "mask", mask or (), concrete)
    names = {
        field.attname: name
        for name, field in concrete.items()
        if (name in chosen if chosen is not None else not getattr(field, "auto_now", False)) and name not in excluded
    }
    secret = set(masked) | {name for name in names.values() if is_secret(name, settings.EYT_AUDIT_SECRET_FIELDS)}
    _registry[model] = Tracked(
        model=model,
        names=names,
        masked=frozenset(a for a, name in names.items() if name in secret),
        stored={attname: _stored_form(concrete[name]) for attname, name in names.items()},
    )
    uid = f"eyt_audit.tracking.{model._meta.label_lower}"
    post_init.connect(_remember_loaded, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_record_save, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(_record_delete, sender=model, weak=False, dispatch_uid=uid)
    _wrap_methods(model)
    return model


def unregister(model: type[Model]) -> None:
    """Stop tracking ``model``."""
    if _registry.pop(model, None) is None:
        return
    uid = f"eyt_audit.tracking.{model._meta.label_lower}"
    for signal in (post_init, post_save, post_delete):
        signal.disconnect(sender=model, dispatch_uid=uid)
    for name, original in _originals.pop(model).items():
        if original is None:
            delattr(model, name)
        else:
            setattr(model, name, original)


def is_registered(model: type[Model]) -> bool:
    """Whether ``register()`` tracks ``model``."""
    return model in _registry


def tracked(model: type[Model]) -> Tracked:
    """The tracking configuration of a registered model (``KeyError`` if it is not registered)."""
    return _registry[model]


def _check_names(model: type[Model], option: str, names: Iterable[str], concrete: dict[str, Any]) -> set[str]:
    if isinstance(names, str):
        raise TypeError(f"register({model.__name__}, {option}=...) takes a list of field names, not a string")
    unknown = sorted(set(names) - set(concrete))
    if unknown:
        raise ValueError(
            f"register({model.__name__}, {option}=...): {model._meta.label} has no field {', '.join(unknown)}; "
            f"choose from {', '.join(concrete)}"
        )
    return set(names)


def _wrap_methods(model: type[Model]) -> None:
    if model in _originals:
        return
    _originals[model] = {name: model.__dict__.get(name) for name in ("save_base", "refresh_from_db")}
    save_base = model.save_base
    refresh_from_db = model.refresh_from_db

    def tracked_save_base(self: Model, *args: Any, **kwargs: Any) -> Any:
        config = _registry.get(type(self))
        update_fields = kwargs.get("update_fields", args[4] if len(args) > 4 else None)
        if config is None or not (self._state.adding or config.changed_attnames(self, update_fields)):
            return save_base(self, *args, **kwargs)  # nothing to record: no transaction, no entry
        using = kwargs.get("using") or (args[3] if len(args) > 3 else None)
        with transaction.atomic(using=using or router.db_for_write(type(self), instance=self), savepoint=False):
            return save_base(self, *args, **kwargs)

    def tracked_refresh_from_db(self: Model, *args: Any, **kwargs: Any) -> None:
        refresh_from_db(self, *args, **kwargs)
        config = _registry.get(type(self))
        if config is not None:
            fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
            config.remember(self, None if fields is None else _attnames(config, fields))

    model.save_base = tracked_save_base  # type: ignore[method-assign]
    model.refresh_from_db = tracked_refresh_from_db  # type: ignore[method-assign]


def _attnames(config: Tracked, fields: Iterable[str]) -> list[str]:
    wanted = set(fields)
    return [attname for attname, name in config.names.items() if attname in wanted or name in wanted]


def _remember_loaded(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    _registry[sender].remember(instance)


def _record_save(
    sender: type[Model],
    instance: Model,
    created: bool,
    update_fields: Collection[str] | None,
    using: str,
    **kwargs: Any,
) -> None:
    from eyt_audit.trail import build_row, write

    config = _registry[sender]
    changes = config.snapshot(instance, created=True) if created else config.diff(instance, update_fields)
    if changes:
        verb = "created" if created else "updated"
        write([build_row(f"{config.label}.{verb}", instance, changes=changes)], using)
    config.remember(instance, None if created or update_fields is None else _attnames(config, update_fields))


def _record_delete(sender: type[Model], instance: Model, using: str, **kwargs: Any) -> None:
    from eyt_audit.trail import build_row, write

    config = _registry[sender]
    write([build_row(f"{config.label}.deleted", instance, changes=config.snapshot(instance, created=False))], using)
