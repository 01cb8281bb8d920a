"""Records into django-eyt-audit when it is installed; every function here is a no-op otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def preference_changed(user: AbstractBaseUser, *, scope: str, key: str, channel: str, enabled: bool) -> None:
    """Record ``notify.preferences_changed`` in the audit trail when django-eyt-audit is installed."""
    if not apps.is_installed("eyt_audit"):
        return
    from eyt_audit import record

    record(
        "notify.preferences_changed",
        user,
        metadata={"scope": scope, "key": key, "channel": channel, "enabled": enabled},
    )
