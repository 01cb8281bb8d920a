"""The platform's notification types. Each has in-app, email (HTML and text) templates under
``templates/eyt_notify/<type>/``; anything without its own falls back to the generic notification email."""

from __future__ import annotations

from eyt_notify.types import NotificationType, register_type

TYPES = [
    # key, category, default channels, required channels, default priority
    ("payment.confirmed", "payments", ("inapp", "email"), ("inapp", "email"), "normal"),
    ("payment.refunded", "payments", ("inapp", "email"), ("inapp", "email"), "normal"),
    ("tournament.registered", "tournaments", ("inapp", "email"), (), "normal"),
    ("tournament.new_player", "tournaments", ("inapp", "email"), (), "low"),
    ("coaching.booked", "coaching", ("inapp", "email"), (), "normal"),
    ("coaching.reminder", "coaching", ("inapp", "email"), (), "high"),
    ("team.invitation", "teams", ("inapp", "email"), (), "normal"),
    ("team.announcement", "teams", ("inapp", "email"), (), "normal"),
    ("venue.booking_confirmed", "venues", ("inapp", "email"), (), "normal"),
]


def register_types() -> None:
    for key, category, channels, required, priority in TYPES:
        register_type(
            NotificationType(
                key,
                category=category,
                channels=channels,
                default_channels=channels,
                required_channels=required,
                default_priority=priority,
            )
        )
