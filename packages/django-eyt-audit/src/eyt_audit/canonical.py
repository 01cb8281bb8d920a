"""One canonical form for what goes into an entry, so the chain value computed when writing is the one computed
when verifying, on every database.

Values become JSON of str / int / bool / None / lists / dicts: datetimes in UTC ISO form, Decimals and floats as
strings, control characters (CR, LF, ...) replaced by spaces, and values under secret-looking keys masked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.functional import Promise

__all__ = ["MASKED", "canonical_bytes", "clean", "clean_text", "format_datetime", "is_secret", "mask_secrets"]

MASKED = "[masked]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def clean_text(value: str) -> str:
    """``value`` with CR, LF and every other control character replaced by a space."""
    return _CONTROL.sub(" ", value)


def format_datetime(value: dt.datetime) -> str:
    """ISO 8601 with microseconds; aware times in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def clean(value: Any) -> Any:
    """A JSON-safe, canonical copy of ``value``."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(key)): clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [clean(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return _clean_scalar(value)


def _clean_scalar(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, Decimal | float | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, Model):
        return clean(value.pk)
    if isinstance(value, Promise):
        return clean_text(str(value))
    return clean_text(str(value))


def is_secret(name: str, fragments: Iterable[str]) -> bool:
    """Whether the key ``name`` contains one of ``fragments`` (case-insensitive)."""
    return _matches(name, _lowered(fragments))


def mask_secrets(value: Any, fragments: Iterable[str]) -> Any:
    """``value`` (already cleaned) with every item under a secret-looking key replaced by ``MASKED``."""
    return _mask(value, _lowered(fragments))


def _lowered(fragments: Iterable[str]) -> tuple[str, ...]:
    return tuple(fragment.lower() for fragment in fragments)


def _matches(name: str, lowered: tuple[str, ...]) -> bool:
    name = name.lower()
    return any(fragment in name for fragment in lowered)


def _mask(value: Any, lowered: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {key: MASKED if _matches(key, lowered) else _mask(item, lowered) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, lowered) for item in value]
    return value


def canonical_bytes(values: Mapping[str, Any]) -> bytes:
    """The bytes an entry's chain value is computed over: sorted-key compact JSON, ASCII only (what
    ``json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`` gives)."""
    return _encode(values).encode()


def _json_encoder() -> Callable[[Any], str]:
    """``_ENCODER.encode``, minus the C encoder it builds on every call: built once here, as
    ``JSONEncoder.iterencode`` builds it (without the circular-reference check: cleaned values hold no cycles)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without json's C speedups
        return _ENCODER.encode
    encoder = make(None, _ENCODER.default, json.encoder.encode_basestring_ascii, None, ":", ",", True, False, True)

    def encode(value: Any) -> str:
        return "".join(encoder(value, 0))

    return encode


_encode = _json_encoder()
