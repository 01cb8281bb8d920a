"""The adapter: one class of small overridable methods for what only the host project knows.

Point ``EYT_NOTIFY_ADAPTER`` at a subclass of ``NotifyAdapter`` to change where addresses and languages come from.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from eyt_notify.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Notification

__all__ = ["NotifyAdapter", "get_adapter"]


class NotifyAdapter:
    """Default policy: addresses from user fields, the site's language unless the user has a ``language``."""

    def get_language(self, user: AbstractBaseUser) -> str | None:
        """The language to render the user's messages in; ``None`` means ``LANGUAGE_CODE``."""
        language = getattr(user, "language", None) or getattr(user, "preferred_language", None)
        return str(language) if language else None

    def get_email(self, user: AbstractBaseUser) -> str | None:
        return getattr(user, user.get_email_field_name(), None) or None

    def get_phone_number(self, user: AbstractBaseUser) -> str | None:
        """An E.164 number (``+4915112345678``) for SMS, from a ``phone_number`` attribute by default."""
        return getattr(user, "phone_number", None) or None

    def get_discord_webhook_url(self, user: AbstractBaseUser, notification: Notification) -> str | None:
        """A per-user Discord webhook; ``None`` falls back to the channel's per-type and default webhooks."""
        return None

    def get_display_name(self, user: AbstractBaseUser) -> str:
        """How an actor is named to recipients in the notification centre's JSON: ``get_full_name()`` when the user
        model has one and it is not empty, else ``str(user)``, as the pages name it (the username for Django's
        ``User``; never the login field of a custom user model, which may be a private email address)."""
        full_name = getattr(user, "get_full_name", None)
        return (full_name() if callable(full_name) else "") or str(user)

    def get_template_context(self, notification: Notification, user: AbstractBaseUser) -> dict[str, Any]:
        """Extra template context for every channel's rendering of ``notification``."""
        return {}


@lru_cache(maxsize=1)
def get_adapter() -> NotifyAdapter:
    """The configured adapter, built once and rebuilt when ``EYT_NOTIFY_ADAPTER`` changes."""
    adapter: NotifyAdapter = import_string(settings.EYT_NOTIFY_ADAPTER)()
    return adapter
