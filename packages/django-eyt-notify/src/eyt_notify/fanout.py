"""``notify()``: one notification per recipient and one outbox row per external channel, in the caller's transaction.

On PostgreSQL the database builds the rows: a queryset of recipients becomes ``INSERT ... SELECT`` from its own
SQL, and the delivery rows (with the users' preferences applied by a join on the sparse overrides) are inserted by
the same statement. Elsewhere recipients are read in chunks and written with ``bulk_create``. Either way memory
does not grow with the number of recipients and the number of queries is O(N / batch).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connections, models, router, transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from eyt_notify import signals, sql
from eyt_notify.conf import settings
from eyt_notify.exceptions import InvalidChannel
from eyt_notify.models import Delivery, Notification
from eyt_notify.preferences import ChannelRule, channel_rules, overrides_for, resolve
from eyt_notify.rendering import render
from eyt_notify.results import NotifyResult
from eyt_notify.types import INAPP, PRIORITIES, NotificationType, get_type

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AbstractBaseUser, User

__all__ = ["NotifyResult", "notify"]


def notify(
    recipients: Any,
    type: str | NotificationType,
    *,
    title: str | None = None,
    message: str | None = None,
    context: dict[str, Any] | None = None,
    priority: str | None = None,
    action_url: str | None = None,
    channels: Sequence[str] | None = None,
    idempotency_key: str | None = None,
    actor: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    expires_at: dt.datetime | None = None,
) -> NotifyResult:
    """Notify a user, a queryset or iterable of users, or a ``Group``, on the channels each one wants.

    Everything is written in the caller's transaction; the deliveries are sent by a background task woken after
    commit, so a rolled-back transaction sends nothing. ``title``/``message`` default to the type's in-app
    templates rendered with ``context`` (which must be JSON-serialisable: the channels render again with it, in
    each recipient's language, when they send). Repeating ``idempotency_key`` for a recipient creates nothing new.
    """
    ntype = get_type(type)
    if isinstance(channels, str):
        raise TypeError(f"notify() channels must be a list of channel names, not the string {channels!r}.")
    rules = channel_rules(ntype, channels)
    _check_channels(rules)
    row = _row(ntype, title, message, context, priority, action_url, idempotency_key, actor, target, data, expires_at)
    user_model = get_user_model()
    _check_recipients(recipients, user_model)
    using = router.db_for_write(Notification)
    recipient_ids: Iterable[Any]
    with transaction.atomic(using=using):
        if isinstance(recipients, user_model):
            _check_saved(recipients)
            result, recipient_ids = _notify_one(recipients, ntype, rules, row), [recipients.pk]
        else:
            queryset = _as_queryset(recipients, user_model)
            if queryset is not None:
                result, span = _notify_queryset(queryset, ntype, rules, row, using)
            else:
                result, span = _notify_iterable(recipients, user_model, ntype, rules, row, using)
            recipient_ids = _created_for(span, row, using)
        if result.created:
            transaction.on_commit(lambda: _announce(ntype, result, recipient_ids), using=using, robust=True)
        if result.deliveries:
            transaction.on_commit(_wake_up, using=using, robust=True)
    return result


def _check_recipients(recipients: Any, user_model: type[models.Model]) -> None:
    if isinstance(recipients, str | bytes) or not isinstance(
        recipients, user_model | Group | models.Manager | Iterable
    ):
        raise TypeError(
            f"notify() recipients must be a {user_model.__name__}, a queryset or iterable of them, or a Group, "
            f"not {type(recipients).__name__} {recipients!r}."
        )


def _check_saved(user: models.Model) -> None:
    if user.pk is None:
        raise ValueError(f"notify() recipient {user!r} is not saved yet: save it before notifying it.")


def _check_channels(rules: Sequence[ChannelRule]) -> None:
    configured = settings.EYT_NOTIFY_CHANNELS
    for rule in rules:
        if rule.channel not in configured:
            raise InvalidChannel(
                f"The channel {rule.channel!r} is not configured in EYT_NOTIFY_CHANNELS "
                f"(configured: {', '.join(sorted(configured)) or 'none'})."
            )


def _row(
    ntype: NotificationType,
    title: str | None,
    message: str | None,
    context: dict[str, Any] | None,
    priority: str | None,
    action_url: str | None,
    idempotency_key: str | None,
    actor: AbstractBaseUser | None,
    target: models.Model | None,
    data: dict[str, Any] | None,
    expires_at: dt.datetime | None,
) -> dict[str, Any]:
    """The column values every recipient's notification shares."""
    context = dict(context or {})
    for name, value in (("context", context), ("data", data or {})):
        try:
            json.dumps(value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"notify() {name} must be JSON-serialisable: {error}") from None
    priority = priority or ntype.default_priority
    if priority not in PRIORITIES:
        raise ValueError(f"Priority {priority!r} is not one of {', '.join(PRIORITIES)}.")
    if title is None or message is None:
        title, message = _inapp_text(ntype, title, message, context)
    if not title:
        raise ValueError("A notification needs a title.")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
        raise ValueError("idempotency_key must be 1 to 200 characters.")
    return {
        "notification_type": ntype.key,
        "category": ntype.category,
        "title": title[:255],
        "message": message or "",
        "priority": priority,
        "action_url": action_url or "",
        "data": data or {},
        "context": context,
        "actor_id": actor.pk if actor is not None else None,
        "target_content_type_id": ContentType.objects.get_for_model(target).pk if target is not None else None,
        "target_object_id": str(target.pk) if target is not None else "",
        "idempotency_key": idempotency_key,
        "created_at": timezone.now(),
        "read_at": None,
        "expires_at": expires_at,
    }


def _inapp_text(
    ntype: NotificationType, title: str | None, message: str | None, context: dict[str, Any]
) -> tuple[str | None, str | None]:
    parts = [part for part, given in (("subject", title), ("body", message)) if given is None]
    try:
        rendered = render(ntype, INAPP, parts, context, defaults=False)
    except TemplateDoesNotExist:
        if title is None:
            raise ValueError(
                f"notify() needs a title for {ntype.key!r}, or a template eyt_notify/{ntype.key}/inapp/subject.txt."
            ) from None
        rendered = {}
    return (
        title if title is not None else rendered.get("subject"),
        message if message is not None else rendered.get("body", ""),
    )


def _as_queryset(recipients: Any, user_model: type[models.Model]) -> models.QuerySet[Any] | None:
    if isinstance(recipients, Group):
        recipients = user_model._default_manager.filter(groups=recipients)
    if isinstance(recipients, models.Manager):
        recipients = recipients.all()
    if not isinstance(recipients, models.QuerySet):
        return None
    if recipients.model is not user_model:
        raise TypeError(f"notify() recipients must be {user_model.__name__} objects, not {recipients.model.__name__}.")
    queryset: models.QuerySet[Any] = recipients
    if queryset.query.is_sliced:  # a slice cannot be reordered or made distinct: select within it instead
        within: Any = queryset.values("pk")
        if not connections[queryset.db].features.allow_sliced_subqueries_with_in:  # MariaDB: read the slice first
            within = [row["pk"] for row in within]
        queryset = user_model._default_manager.filter(pk__in=within)
    queryset = queryset.order_by()
    if len(queryset.query.alias_map) > 1 and not queryset.query.distinct:
        queryset = queryset.distinct()  # a join could name a user twice
    return queryset


def _notify_one(
    user: AbstractBaseUser, ntype: NotificationType, rules: Sequence[ChannelRule], row: dict[str, Any]
) -> NotifyResult:
    key = row["idempotency_key"]
    if key is not None:
        existing = Notification.objects.filter(recipient_id=user.pk, idempotency_key=key).first()
        if existing is not None:
            return NotifyResult(0, 0, existing)
    try:
        with transaction.atomic():
            # any AUTH_USER_MODEL; the stubs type the foreign key as the checked settings' model
            notification = Notification.objects.create(recipient=cast("User", user), **row)
    except IntegrityError:
        if key is None:
            raise
        return NotifyResult(0, 0, Notification.objects.get(recipient_id=user.pk, idempotency_key=key))
    enabled = resolve(rules, overrides_for(ntype, [user.pk]).get(user.pk, {}))
    Delivery.objects.bulk_create(_deliveries(notification.pk, enabled, row["created_at"]))
    return NotifyResult(1, len(enabled), notification)


def _notify_queryset(
    queryset: models.QuerySet[Any],
    ntype: NotificationType,
    rules: Sequence[ChannelRule],
    row: dict[str, Any],
    using: str,
) -> tuple[NotifyResult, _Span]:
    recipient_ids = queryset.values_list("pk", flat=True)
    connection = connections[using]
    if connection.vendor == "postgresql":
        try:
            source, params = recipient_ids.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:  # .none(), pk__in=[]: Django knows without asking the database
            return NotifyResult(0, 0), _Span()
        inserted = sql.insert_select(connection, source, params, ntype, rules, row)
        return NotifyResult(inserted.created, inserted.deliveries), _Span().add(inserted)
    span, created, deliveries = _Span(), 0, 0
    for chunk in _chunks(
        recipient_ids.iterator(chunk_size=settings.EYT_NOTIFY_BATCH_SIZE), settings.EYT_NOTIFY_BATCH_SIZE
    ):
        inserted = _insert_chunk(chunk, ntype, rules, row, using)
        span.add(inserted)
        created, deliveries = created + inserted.created, deliveries + inserted.deliveries
    return NotifyResult(created, deliveries), span


def _notify_iterable(
    recipients: Iterable[Any],
    user_model: type[models.Model],
    ntype: NotificationType,
    rules: Sequence[ChannelRule],
    row: dict[str, Any],
    using: str,
) -> tuple[NotifyResult, _Span]:
    span, created, deliveries = _Span(), 0, 0
    connection = connections[using]
    for users in _chunks(iter(recipients), settings.EYT_NOTIFY_BATCH_SIZE):
        for user in users:
            if not isinstance(user, user_model):
                raise TypeError(f"notify() recipients must be {user_model.__name__} objects, got {user!r}.")
            _check_saved(user)
        ids = list(dict.fromkeys(user.pk for user in users))
        if connection.vendor == "postgresql":
            inserted = sql.insert_ids(connection, ids, ntype, rules, row)
        else:
            inserted = _insert_chunk(ids, ntype, rules, row, using)
        span.add(inserted)
        created, deliveries = created + inserted.created, deliveries + inserted.deliveries
    return NotifyResult(created, deliveries), span


def _insert_chunk(
    recipient_ids: list[Any], ntype: NotificationType, rules: Sequence[ChannelRule], row: dict[str, Any], using: str
) -> sql.Inserted:
    """The portable path: one INSERT of notifications and one of deliveries per chunk."""
    key = row["idempotency_key"]
    if key is not None:
        done = set(
            Notification.objects.filter(idempotency_key=key, recipient_id__in=recipient_ids).values_list(
                "recipient_id", flat=True
            )
        )
        recipient_ids = [pk for pk in recipient_ids if pk not in done]
    notifications = Notification.objects.using(using).bulk_create(
        [Notification(recipient_id=pk, **row) for pk in recipient_ids]
    )
    deliveries: list[Delivery] = []
    if rules:
        overrides = overrides_for(ntype, recipient_ids)
        for notification in notifications:
            enabled = resolve(rules, overrides.get(notification.recipient_id, {}))
            deliveries.extend(_deliveries(notification.pk, enabled, row["created_at"]))
        Delivery.objects.using(using).bulk_create(deliveries)
    ids = [notification.pk for notification in notifications if notification.pk is not None]
    return sql.Inserted(len(notifications), len(deliveries), min(ids, default=None), max(ids, default=None))


def _deliveries(notification_id: int, channels: Iterable[str], now: dt.datetime) -> list[Delivery]:
    return [Delivery(notification_id=notification_id, channel=c, next_attempt_at=now, created_at=now) for c in channels]


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


class _Span:
    """The lowest and highest id of the notifications a fan-out created: two numbers, whatever the recipients."""

    def __init__(self) -> None:
        self.first: int | None = None
        self.last: int | None = None
        #: Rows were created but the database did not return their ids (no ``RETURNING`` from bulk inserts).
        self.unbounded = False

    def add(self, inserted: sql.Inserted) -> _Span:
        first, last = inserted.first_id, inserted.last_id
        if first is not None and last is not None:
            self.first = first if self.first is None else min(self.first, first)
            self.last = last if self.last is None else max(self.last, last)
        elif inserted.created:
            self.unbounded = True
        return self


def _created_for(span: _Span, row: dict[str, Any], using: str) -> Iterable[Any]:
    """The recipients of the notifications just created, as a lazy query read after commit (in chunks).

    Not the recipients' own query run again: after commit it may select other users (a queryset that excludes
    users already notified selects none), and it could be expensive. The id range may hold other writers' rows too
    (ids are not contiguous under concurrency); the same timestamp and type leave only this fan-out's.
    """
    created = Notification.objects.using(using).filter(
        created_at=row["created_at"], notification_type=row["notification_type"]
    )
    if not span.unbounded:  # else no ids came back: the timestamp and type alone (slower, still bounded memory)
        if span.first is None:
            return []
        created = created.filter(pk__range=(span.first, span.last))
    return created.order_by().values_list("recipient_id", flat=True)


def _announce(ntype: NotificationType, result: NotifyResult, recipient_ids: Iterable[Any]) -> None:
    signals.notification_created.send(
        sender=Notification,
        notification_type=ntype,
        created=result.created,
        notification=result.notification,
        recipient_ids=recipient_ids,
    )


def _wake_up() -> None:
    from eyt_notify.tasks import wake_up

    wake_up()
