"""Tooling of the scale-out profile: ``Stack`` starts PostgreSQL-backed web processes and a worker on loopback."""

from scaleout.launcher import Stack, StackError

__all__ = ["Stack", "StackError"]
