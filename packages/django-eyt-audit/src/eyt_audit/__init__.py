"""django-eyt-audit: one request context, a tamper-evident audit trail, security events and limits.

``record``, ``security_event``, ``audit_context``, ``register`` and ``unregister`` are importable from here before
the app registry is ready; the modules behind them load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"
__all__ = ["audit_context", "record", "register", "security_event", "unregister"]

if TYPE_CHECKING:
    from eyt_audit.context import audit_context
    from eyt_audit.security import security_event
    from eyt_audit.tracking import register, unregister
    from eyt_audit.trail import record

_LAZY = {
    "record": "eyt_audit.trail",
    "audit_context": "eyt_audit.context",
    "register": "eyt_audit.tracking",
    "unregister": "eyt_audit.tracking",
    "security_event": "eyt_audit.security",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'eyt_audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
