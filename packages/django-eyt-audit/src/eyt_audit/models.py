"""``AuditEntry``, append-only; ``ChainHead``, the one row that hands out sequence numbers in commit order; and
``SecurityEvent``, one row per kind of security event, key and time window."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from eyt_audit.exceptions import AppendOnlyError
from eyt_audit.limits.events import USERNAME_LENGTH

__all__ = ["ENTRY_FIELDS", "AuditEntry", "ChainHead", "SecurityEvent"]

#: The stored fields an entry's chain value covers, in the order verify reads them.
ENTRY_FIELDS = (
    "sequence",
    "created_at",
    "action",
    "outcome",
    "actor_pk",
    "actor_repr",
    "target_type",
    "target_pk",
    "target_repr",
    "changes",
    "metadata",
    "request_id",
    "ip_address",
    "user_agent",
    "context",
)


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"Audit entries are append-only: {what} is refused. Write entries with eyt_audit.record().")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.update()")

    def delete(self) -> NoReturn:
        _refuse("QuerySet.delete()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.bulk_update()")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.bulk_create()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("QuerySet.update_or_create()")


class AuditEntry(models.Model):
    """One audited event. Its ``chain`` value is an HMAC over its content and its predecessor's chain value."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")
        ERROR = "error", _("error")

    sequence = models.BigIntegerField(_("sequence"), primary_key=True, editable=False)
    created_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, default=Outcome.SUCCESS)
    actor_pk = models.CharField(_("actor id"), max_length=64, blank=True, db_index=True)
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, db_index=True)
    target_pk = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    chain = models.CharField(_("chain value"), max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("Model.save()")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("Model.delete()")

    def canonical_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ENTRY_FIELDS}


class ChainHead(models.Model):
    """The single row (id 1) holding the last sequence number and chain value. Appenders lock it, so entries are
    numbered in commit order and a rolled-back transaction gives its number back."""

    sequence = models.BigIntegerField(default=0)
    chain = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("chain head")

    def __str__(self) -> str:
        return f"chain head at #{self.sequence}"


class SecurityEvent(models.Model):
    """A security event, or a run of identical ones: events of one type and key (username, IP, path, actor)
    within one aggregation window share a row whose ``count`` and ``last_seen`` grow.

    Written by ``eyt_audit.security_event()`` on a database connection of its own, so the caller's rollback
    cannot erase it. The request id, user agent and metadata are those of the window's first event.
    """

    class Type(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGIN_SUCCEEDED = "login_succeeded", _("login succeeded")
        LOGIN_REFUSED = "login_refused", _("login refused (locked)")
        LOCKOUT = "lockout", _("lockout")
        UNLOCK = "unlock", _("unlock")
        RATE_LIMITED = "rate_limited", _("rate limited")
        LIMITS_UNAVAILABLE = "limits_unavailable", _("limits unavailable")
        WEBHOOK_SIGNATURE_INVALID = "webhook_signature_invalid", _("invalid webhook signature")
        PERMISSION_DENIED = "permission_denied", _("permission denied")
        CSRF_FAILURE = "csrf_failure", _("CSRF failure")

    class Severity(models.TextChoices):
        DEBUG = "debug", _("debug")
        INFO = "info", _("info")
        WARNING = "warning", _("warning")
        ERROR = "error", _("error")
        CRITICAL = "critical", _("critical")

    event_type = models.CharField(_("type"), max_length=64, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    actor_pk = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    username = models.CharField(_("attempted username"), max_length=USERNAME_LENGTH, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("client IP"), null=True, blank=True, db_index=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    count = models.PositiveBigIntegerField(_("count"), default=1)
    first_seen = models.DateTimeField(_("first seen (UTC)"), db_index=True)
    last_seen = models.DateTimeField(_("last seen (UTC)"))
    #: Digest of the type and key, and the start of the aggregation window: unique together, so concurrent
    #: writers of one event add to one row (``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1``).
    key = models.CharField(_("aggregation key"), max_length=64, editable=False)
    window_start = models.DateTimeField(_("window start"), editable=False)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="eyt_audit_securityevent_window")]

    def __str__(self) -> str:
        times = f" x{self.count}" if self.count > 1 else ""
        return f"{self.event_type}{times} {self.username or self.actor_repr or self.ip_address or ''}".strip()
