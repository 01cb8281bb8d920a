"""Signals of the limits. Alerting and the ``SecurityEvent`` trail subscribe here."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent for every security event the limits report (login failures, lockouts, unlocks, refusals, rate-limit
#: hits, counter-cache outages). kwargs: ``event_type`` (str), ``severity`` (str), ``username`` (str | None, the
#: attempted username as typed, never a password), ``request`` (HttpRequest | None), ``metadata`` (dict).
security_event_reported = Signal()
