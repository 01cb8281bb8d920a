"""PostgreSQL statements of the fan-out: the database builds every row from the recipients' query.

One statement inserts the notifications (``INSERT ... SELECT`` over the recipients' SQL) and, in a data-modifying
CTE, one delivery per recipient and enabled external channel, applying each user's sparse preference overrides
with two left joins. Constants are bound once as parameters, cast to their column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper

from eyt_notify.models import Delivery, DeliveryStatus, Notification, NotificationPreference, PreferenceScope
from eyt_notify.preferences import ChannelRule
from eyt_notify.types import NotificationType

if TYPE_CHECKING:
    from django.db.models import Field

__all__ = ["Inserted", "insert_ids", "insert_select"]


class Inserted(NamedTuple):
    """What one fan-out statement wrote: counts, and the lowest and highest id of the new notifications."""

    created: int
    deliveries: int
    first_id: int | None
    last_id: int | None


def insert_ids(
    connection: BaseDatabaseWrapper,
    ids: Sequence[Any],
    ntype: NotificationType,
    rules: Sequence[ChannelRule],
    row: dict[str, Any],
) -> Inserted:
    """Fan out to a list of primary keys, passed as one array parameter."""
    pk_type = get_user_model()._meta.pk.db_type(connection)
    return insert_select(connection, f"SELECT unnest(CAST(%s AS {pk_type}[]))", [list(ids)], ntype, rules, row)


def insert_select(
    connection: BaseDatabaseWrapper,
    source: str,
    source_params: Sequence[Any],
    ntype: NotificationType,
    rules: Sequence[ChannelRule],
    row: dict[str, Any],
) -> Inserted:
    """Fan out to the users whose primary keys ``source`` selects; returns what was created.

    The id range of the new notifications comes back with the counts (aggregated in the database, never a row per
    recipient), so the recipients can be walked in chunks after commit.
    """
    insert, params = _notifications(connection, source, source_params, row)
    with connection.cursor() as cursor:
        if not rules:
            cursor.execute(f"WITH ins AS ({insert} RETURNING id) SELECT count(*), 0, min(id), max(id) FROM ins", params)
        else:
            deliveries, delivery_params = _deliveries(connection, ntype, rules, row["created_at"])
            cursor.execute(
                f"WITH ins AS ({insert} RETURNING id, recipient_id), dl AS ({deliveries} RETURNING 1) "
                "SELECT count(*), (SELECT count(*) FROM dl), min(id), max(id) FROM ins",
                [*params, *delivery_params],
            )
        return Inserted(*cursor.fetchone())


def _notifications(
    connection: BaseDatabaseWrapper, source: str, source_params: Sequence[Any], row: dict[str, Any]
) -> tuple[str, list[Any]]:
    qn = connection.ops.quote_name
    meta = Notification._meta
    columns, values, params = [qn(meta.get_field("recipient").column)], ["r.id"], []
    for name, value in row.items():
        # ``row`` names only concrete fields of Notification, each with a column (never a reverse relation)
        model_field = cast("Field[Any, Any]", meta.get_field(name))
        columns.append(qn(cast(str, model_field.column)))
        values.append(f"CAST(%s AS {model_field.cast_db_type(connection)})")
        params.append(model_field.get_db_prep_save(value, connection))
    conflict = ""
    if row["idempotency_key"] is not None:
        conflict = (
            f" ON CONFLICT ({qn(meta.get_field('recipient').column)}, {qn('idempotency_key')})"
            " WHERE idempotency_key IS NOT NULL DO NOTHING"
        )
    statement = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM ({source}) AS r(id){conflict}"
    )
    return statement, [*params, *source_params]


def _deliveries(
    connection: BaseDatabaseWrapper, ntype: NotificationType, rules: Sequence[ChannelRule], now: Any
) -> tuple[str, list[Any]]:
    qn = connection.ops.quote_name
    table, preferences = qn(Delivery._meta.db_table), qn(NotificationPreference._meta.db_table)
    stamp = Delivery._meta.get_field("created_at").get_db_prep_save(now, connection)
    channel_rows = ", ".join("(CAST(%s AS varchar(50)), CAST(%s AS boolean), CAST(%s AS boolean))" for _ in rules)
    statement = (
        f"INSERT INTO {table} (notification_id, channel, status, attempts, next_attempt_at, last_error, "
        "provider_message_id, created_at) "
        "SELECT ins.id, ch.channel, %s, 0, CAST(%s AS timestamptz), '', '', CAST(%s AS timestamptz) "
        f"FROM ins CROSS JOIN (VALUES {channel_rows}) AS ch(channel, dflt, required) "
        f"LEFT JOIN {preferences} tp ON tp.user_id = ins.recipient_id AND tp.scope = %s AND tp.key = %s "
        "AND tp.channel = ch.channel "
        f"LEFT JOIN {preferences} cp ON cp.user_id = ins.recipient_id AND cp.scope = %s AND cp.key = %s "
        "AND cp.channel = ch.channel "
        "WHERE ch.required OR COALESCE(tp.enabled, cp.enabled, ch.dflt)"
    )
    params: list[Any] = [DeliveryStatus.PENDING.value, stamp, stamp]
    for rule in rules:
        params += [rule.channel, rule.default, rule.required]
    params += [PreferenceScope.TYPE.value, ntype.key, PreferenceScope.CATEGORY.value, ntype.category]
    return statement, params
