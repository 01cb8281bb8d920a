"""Errors raised by django-eyt-audit."""

from __future__ import annotations


class AuditError(Exception):
    """Base class of the errors this package raises."""


class AppendOnlyError(AuditError):
    """An audit entry was about to be changed or deleted; entries are written once, by ``record()`` only."""


class AuditWriteError(AuditError):
    """An entry could not be written and ``EYT_AUDIT_FAIL_CLOSED`` is on."""
