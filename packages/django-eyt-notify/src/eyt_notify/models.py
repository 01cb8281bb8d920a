"""Notifications, their delivery outbox, user preferences, quiet hours, push subscriptions and DB templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.template import Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import language_code_re

from eyt_notify.types import PRIORITIES

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = [
    "Delivery",
    "Notification",
    "NotificationPreference",
    "NotificationTemplate",
    "Priority",
    "PushSubscription",
    "QuietHours",
]


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


assert tuple(Priority.values) == PRIORITIES  # noqa: S101  (the choices and the type registry agree)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def read(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=False)

    def for_user(self, user: AbstractBaseUser) -> NotificationQuerySet:
        return self.filter(recipient_id=user.pk)

    def unexpired(self, now: Any = None) -> NotificationQuerySet:
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))

    def mark_all_read(self) -> int:
        """Mark every unread notification of this queryset read; returns how many changed.

        The recipients' cached unread counts are dropped and their open pages told after commit.
        """
        from eyt_notify.events import READ, changed_on_commit

        with transaction.atomic(using=self.db):
            unread = self.unread()
            recipients = list(unread.order_by().values_list("recipient_id", flat=True).distinct())
            if not recipients:
                return 0
            marked = unread.filter(recipient_id__in=recipients).update(read_at=timezone.now())
            changed_on_commit(recipients, READ, using=self.db)
        return marked


class Notification(models.Model):
    """One message to one user. The row is the in-app channel; other channels get a ``Delivery`` each."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eyt_notifications", db_index=False
    )
    notification_type = models.CharField(_("type"), max_length=100)
    category = models.CharField(_("category"), max_length=100)
    title = models.CharField(_("title"), max_length=255)
    message = models.TextField(_("message"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    action_url = models.CharField(_("action URL"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    #: Template context kept for the channels, which render in the recipient's language when they send.
    context = models.JSONField(_("template context"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    target_content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    target_object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_content_type", "target_object_id")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  (NULL: not unique-checked)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The notification centre: one user's list, newest first.
            models.Index(fields=["recipient", "-created_at"], name="eyt_notify_recipient_created"),
            # The unread badge: small because read rows leave it.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="eyt_notify_unread"),
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="eyt_notify_expires"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="eyt_notify_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(priority__in=PRIORITIES), name="eyt_notify_priority_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self) -> bool:
        """Mark it read (once: a second call changes nothing); returns whether this call changed it."""
        if self.read_at is not None:
            return False
        from eyt_notify.events import READ, changed_on_commit

        read_at = timezone.now()
        changed = bool(type(self).objects.filter(pk=self.pk, read_at__isnull=True).update(read_at=read_at))
        self.read_at = read_at
        if changed:
            changed_on_commit([self.recipient_id], READ, ids=[self.pk])
        return changed

    def mark_unread(self) -> None:
        from eyt_notify.events import READ, changed_on_commit

        self.read_at = None
        type(self).objects.filter(pk=self.pk).update(read_at=None)
        changed_on_commit([self.recipient_id], READ, ids=[self.pk])

    @classmethod
    def create_notification(
        cls,
        user: AbstractBaseUser,
        title: str,
        message: str,
        notification_type: str,
        priority: str | None = None,
        action_url: str = "",
        **kwargs: Any,
    ) -> Notification:
        """The original platform's call: ``notify()`` for one user, returning the notification.

        Extra keyword arguments (``context``, ``channels``, ``idempotency_key``, ``actor``, ``target``, ``data``,
        ``expires_at``) go to ``notify()``. With an idempotency key already used for this user, the existing
        notification is returned and nothing is sent again.
        """
        from eyt_notify.fanout import notify

        result = notify(
            user, notification_type, title=title, message=message, priority=priority, action_url=action_url, **kwargs
        )
        if result.notification is None:  # notify() fills it whenever a single user is given
            raise RuntimeError("notify() returned no notification for a single recipient.")
        return result.notification


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead")
    SKIPPED = "skipped", _("Skipped (no address)")


#: Statuses a worker may still act on.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)


class Delivery(models.Model):
    """The outbox: one notification on one external channel, written in the same transaction as the notification."""

    Status = DeliveryStatus

    # Indexed by the unique (notification, channel) constraint, which leads with it.
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    channel = models.CharField(_("channel"), max_length=50)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    #: While ``status`` is sending: the lease of the worker that claimed it; expired leases are swept again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="eyt_notify_one_delivery_per_channel")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="eyt_notify_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id} ({self.status})"


class PreferenceScope(models.TextChoices):
    TYPE = "type", _("Notification type")
    CATEGORY = "category", _("Category")


class NotificationPreference(models.Model):
    """A user's override for one type or category on one channel; absent rows mean the type's defaults."""

    Scope = PreferenceScope

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eyt_notify_preferences")
    scope = models.CharField(max_length=10, choices=PreferenceScope.choices)
    key = models.CharField(max_length=100, help_text=_("The type key or the category."))
    channel = models.CharField(max_length=50)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key", "channel"], name="eyt_notify_one_preference")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}/{self.channel}={'on' if self.enabled else 'off'}"


def _validate_timezone(value: str) -> None:
    from eyt_notify.quiet_hours import zone

    try:
        zone(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_timezone") from None


class QuietHours(models.Model):
    """A user's daily quiet window in their own time zone; ``start > end`` crosses midnight."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="eyt_notify_quiet_hours"
    )
    start = models.TimeField()
    end = models.TimeField()
    timezone = models.CharField(max_length=64, validators=[_validate_timezone])
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.timezone}"


class PushSubscription(models.Model):
    """One browser or device subscribed to web push (the ``PushSubscription`` JSON of the Push API)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eyt_push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return self.endpoint

    def as_subscription_info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class NotificationTemplate(models.Model):
    """A template edited in the admin; it overrides the file templates of its type, channel and language."""

    notification_type = models.CharField(max_length=100)
    channel = models.CharField(max_length=50)
    language = models.CharField(max_length=15, blank=True, help_text=_("Empty: any language."))
    subject = models.TextField(blank=True, help_text=_("Email subject, push or in-app title."))
    body = models.TextField(blank=True, help_text=_("Plain-text body (email text part, SMS, Discord, push)."))
    html_body = models.TextField(blank=True, help_text=_("Email HTML part; autoescaped."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.UniqueConstraint(fields=["notification_type", "channel", "language"], name="eyt_notify_one_template")
        ]

    def __str__(self) -> str:
        return f"{self.notification_type}/{self.channel}/{self.language or '*'}"

    def clean(self) -> None:
        """Refuse what could never render: an unregistered type, an unconfigured channel, a bad language code or a
        template with a syntax error (each reported on its field)."""
        from eyt_notify.channels import channels
        from eyt_notify.exceptions import UnknownNotificationType
        from eyt_notify.types import get_type

        errors: dict[str, list[str]] = {}
        try:
            get_type(self.notification_type)
        except UnknownNotificationType as error:
            errors.setdefault("notification_type", []).append(str(error))
        if self.channel not in channels:
            configured = ", ".join(sorted(channels)) or "none"
            errors.setdefault("channel", []).append(
                f"The channel {self.channel!r} is not configured in EYT_NOTIFY_CHANNELS (configured: {configured})."
            )
        self.language = self.language.strip().lower()
        if self.language and not language_code_re.match(self.language):
            errors.setdefault("language", []).append(
                f"{self.language!r} is not a language code (e.g. 'de' or 'de-at'; empty for any language)."
            )
        for name in ("subject", "body", "html_body"):
            try:
                Engine.get_default().from_string(getattr(self, name))
            except TemplateSyntaxError as error:
                errors.setdefault(name, []).append(f"Template syntax error: {error}")
        if errors:
            raise ValidationError(errors)
