"""The audit context: who is acting, from where, in which request. One contextvar, so threads and asyncio tasks
each see their own.

The middleware binds it for a request; ``audit_context()`` binds it in commands, shells and tasks;
``snapshot()`` / ``restored()`` carry it from the code that enqueues a task into the worker that runs it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils.crypto import salted_hmac

__all__ = ["Actor", "AuditContext", "audit_context", "current", "restored", "snapshot"]

_current: ContextVar[AuditContext | None] = ContextVar("eyt_audit_context", default=None)


@dataclasses.dataclass(frozen=True)
class Actor:
    """A reference to whoever acted: the primary key as a string and ``str()`` of the user at that moment."""

    pk: str = ""
    repr: str = ""


@dataclasses.dataclass(frozen=True)
class AuditContext:
    """Everything an entry is stamped with besides what ``record()`` is told.

    ``request`` is kept only while a request is being handled, so that ``request.user`` and the session are read
    lazily, when (and only if) something is recorded.
    """

    actor: Actor | None = None
    ip_address: str | None = None
    request_id: str = ""
    user_agent: str = ""
    session: str = ""
    reason: str = ""
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    request: Any = dataclasses.field(default=None, repr=False, compare=False)

    def resolved_actor(self) -> Actor | None:
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        return actor_of(user)

    def resolved_session(self) -> str:
        if self.session or self.request is None:
            return self.session
        return session_fingerprint(getattr(self.request, "session", None))

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe data, request-bound values resolved."""
        actor = self.resolved_actor()
        return {
            "actor": dataclasses.asdict(actor) if actor else None,
            "ip_address": self.ip_address,
            "request_id": self.request_id,
            "user_agent": self.user_agent,
            "session": self.resolved_session(),
            "reason": self.reason,
            "extra": dict(self.extra),
        }


def actor_of(user: Any) -> Actor | None:
    """An ``Actor`` for a user object; ``None`` for no user or an anonymous one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Actor(pk=str(user.pk), repr=str(user))


def session_fingerprint(session: Any) -> str:
    """A short keyed digest of the session key: correlates a session's entries without storing its id."""
    key = getattr(session, "session_key", None)
    if not key:
        return ""
    return salted_hmac("eyt_audit.session", key, algorithm="sha256").hexdigest()[:16]


def current() -> AuditContext | None:
    """The context bound in this thread or asyncio task, if any."""
    return _current.get()


@contextmanager
def bind(context: AuditContext | None) -> Iterator[AuditContext | None]:
    """Make ``context`` the current one inside the block (``None`` unbinds), restoring the outer one after."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextmanager
def audit_context(*, actor: Any = None, reason: str | None = None, **extra: Any) -> Iterator[AuditContext]:
    """Stamp the entries recorded inside the block with ``actor``, ``reason`` and ``extra`` metadata.

    For management commands, shells and tasks. Nested blocks and a surrounding request add to the outer context:
    values not given here are inherited. Outside a request the block gets a request id of its own, so the entries
    and log lines of one command run can be told apart.
    """
    outer = current() or AuditContext()
    changes: dict[str, Any] = {"extra": {**outer.extra, **extra}}
    if not outer.request_id:
        changes["request_id"] = uuid.uuid4().hex
    if actor is not None:
        changes["actor"] = actor if isinstance(actor, Actor) else actor_of(actor)
    if reason is not None:
        changes["reason"] = reason
    context = dataclasses.replace(outer, **changes)
    with bind(context):
        yield context


def snapshot() -> dict[str, Any] | None:
    """The current context as JSON-safe data to pass as a task argument; ``None`` outside any context."""
    context = current()
    return None if context is None else context.as_dict()


@contextmanager
def restored(data: Mapping[str, Any] | None) -> Iterator[AuditContext | None]:
    """Re-establish a context taken with ``snapshot()`` (in a worker). ``None`` leaves the current one as it is."""
    if data is None:
        yield current()
        return
    actor = data.get("actor")
    context = AuditContext(
        actor=Actor(pk=str(actor.get("pk", "")), repr=str(actor.get("repr", ""))) if actor else None,
        ip_address=data.get("ip_address"),
        request_id=str(data.get("request_id") or ""),
        user_agent=str(data.get("user_agent") or ""),
        session=str(data.get("session") or ""),
        reason=str(data.get("reason") or ""),
        extra=dict(data.get("extra") or {}),
    )
    with bind(context):
        yield context
