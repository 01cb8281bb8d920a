"""Which channels a user gets a type on: the type's defaults, overridden by sparse per-user rows.

A type-level override beats a category-level one, which beats the type's default. Required channels are always on;
the in-app row is always stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction

from eyt_notify.integrations import audit
from eyt_notify.models import NotificationPreference, PreferenceScope
from eyt_notify.types import INAPP, NotificationType, get_type, registered_types

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User

__all__ = ["ChannelRule", "channel_rules", "enabled_channels", "overrides_for", "set_preference"]


@dataclass(frozen=True)
class ChannelRule:
    """One external channel a notification may go out on: on by default or not, and whether the user may refuse."""

    channel: str
    default: bool
    required: bool


def channel_rules(ntype: NotificationType, channels: Sequence[str] | None = None) -> list[ChannelRule]:
    """The external channels to consider. ``channels`` given by the caller are all on by default."""
    if channels is None:
        names: Iterable[str] = ntype.external_channels
        return [ChannelRule(c, ntype.is_default(c), c in ntype.required_channels) for c in names]
    return [ChannelRule(c, True, c in ntype.required_channels) for c in dict.fromkeys(channels) if c != INAPP]


Overrides = dict[tuple[str, str], bool]


def overrides_for(ntype: NotificationType, user_ids: Sequence[Any]) -> dict[Any, Overrides]:
    """The overrides of ``user_ids`` that concern ``ntype``: ``{user_id: {(scope, channel): enabled}}``, one query."""
    rows = NotificationPreference.objects.filter(user_id__in=user_ids).filter(
        scope=PreferenceScope.TYPE, key=ntype.key
    ) | NotificationPreference.objects.filter(user_id__in=user_ids, scope=PreferenceScope.CATEGORY, key=ntype.category)
    result: dict[Any, Overrides] = defaultdict(dict)
    for user_id, scope, channel, enabled in rows.values_list("user_id", "scope", "channel", "enabled"):
        result[user_id][(scope, channel)] = enabled
    return result


def resolve(rules: Sequence[ChannelRule], overrides: Overrides) -> list[str]:
    """The channels on for one user, from the rules and that user's overrides."""
    enabled = []
    for rule in rules:
        on = rule.required or overrides.get(
            (PreferenceScope.TYPE, rule.channel), overrides.get((PreferenceScope.CATEGORY, rule.channel), rule.default)
        )
        if on:
            enabled.append(rule.channel)
    return enabled


def enabled_channels(user: AbstractBaseUser, notification_type: str | NotificationType) -> list[str]:
    """Every channel ``user`` gets ``notification_type`` on, in-app first."""
    ntype = get_type(notification_type)
    overrides = overrides_for(ntype, [user.pk]).get(user.pk, {})
    return [INAPP, *resolve(channel_rules(ntype), overrides)]


def set_preference(
    user: AbstractBaseUser,
    channel: str,
    enabled: bool,
    *,
    notification_type: str | None = None,
    category: str | None = None,
) -> NotificationPreference:
    """Turn ``channel`` on or off for one type or a whole category. Required and in-app channels cannot go off."""
    if (notification_type is None) == (category is None):
        raise ValueError("Give exactly one of notification_type or category.")
    if notification_type is not None:
        ntype = get_type(notification_type)
        if channel not in ntype.channels:
            raise ValueError(
                f"Type {ntype.key!r} is not delivered on {channel!r} (its channels: {', '.join(ntype.channels)})."
            )
        if not enabled and (channel == INAPP or channel in ntype.required_channels):
            raise ValueError(f"{channel!r} is required for {ntype.key!r} and cannot be turned off.")
        scope, key = PreferenceScope.TYPE, ntype.key
    else:
        if not enabled and channel == INAPP:
            raise ValueError("In-app notifications are always stored and cannot be turned off.")
        _check_category(str(category), channel)
        scope, key = PreferenceScope.CATEGORY, str(category)
    with transaction.atomic():
        # any AUTH_USER_MODEL; the stubs type the foreign key as the checked settings' model
        preference, _ = NotificationPreference.objects.update_or_create(
            user=cast("User", user), scope=scope, key=key, channel=channel, defaults={"enabled": enabled}
        )
        audit.preference_changed(user, scope=scope, key=key, channel=channel, enabled=enabled)
    return preference


def _check_category(category: str, channel: str) -> None:
    """A category override must concern a category some registered type is in, on a channel one of them uses."""
    types = [ntype for ntype in registered_types() if ntype.category == category]
    if not types:
        known = sorted({ntype.category for ntype in registered_types()})
        raise ValueError(
            f"No notification type is in category {category!r} (categories: {', '.join(known) or 'none'})."
        )
    channels = sorted({name for ntype in types for name in ntype.channels})
    if channel not in channels:
        raise ValueError(
            f"No type in category {category!r} is delivered on {channel!r} (their channels: {', '.join(channels)})."
        )
