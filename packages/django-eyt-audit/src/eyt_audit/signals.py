"""Signals of django-eyt-audit, for forwarding entries and security events to a SIEM or alerting."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after the transaction that wrote an entry commits. kwargs: ``entry`` (an ``AuditEntry``).
entry_recorded = Signal()

#: Sent when an entry could not be written. kwargs: ``action`` (str), ``error`` (the exception).
entry_failed = Signal()

#: Sent after a security event was stored (at once, on a connection of its own; on SQLite inside a transaction,
#: when that transaction ends). kwargs: ``event`` (a ``SecurityEvent``: the row of the event's aggregation window,
#: with its ``count`` so far), ``created`` (bool: ``True`` for the window's first event).
security_event_recorded = Signal()
