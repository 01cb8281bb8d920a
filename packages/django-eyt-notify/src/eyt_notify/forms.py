"""Forms of the notification centre: list filters, preferences, quiet hours and push subscriptions."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from eyt_notify.models import NotificationPreference, Priority, PushSubscription, QuietHours
from eyt_notify.preferences import channel_rules, resolve
from eyt_notify.types import INAPP, NotificationType, registered_types

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User

__all__ = [
    "FilterForm",
    "PreferencesForm",
    "PushSubscriptionForm",
    "QuietHoursForm",
    "is_push_service_url",
    "preference_rows",
]


class FilterForm(forms.Form):
    """``?state=unread&type=match.starting&priority=high&q=final&page=2`` on the notification list."""

    state = forms.ChoiceField(choices=[("", _("All")), ("unread", _("Unread")), ("read", _("Read"))], required=False)
    type = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(choices=[("", _("Any priority")), *Priority.choices], required=False)
    q = forms.CharField(max_length=100, required=False, strip=True, label=_("Search"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = sorted(registered_types(), key=lambda ntype: ntype.key)
        cast(forms.ChoiceField, self.fields["type"]).choices = [("", _("All types")), *((t.key, str(t)) for t in types)]


@lru_cache(maxsize=1)
def _timezones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


class QuietHoursForm(forms.Form):
    """A daily window in the user's IANA time zone; times are needed only when it is switched on."""

    enabled = forms.BooleanField(required=False, label=_("Quiet hours on"))
    start = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    timezone = forms.ChoiceField(required=False, label=_("Time zone"))

    def __init__(self, *args: Any, existing: QuietHours | None = None, default_timezone: str = "UTC", **kwargs: Any):
        kwargs.setdefault("prefix", "quiet")
        if existing is not None:
            kwargs.setdefault(
                "initial",
                {
                    "enabled": existing.enabled,
                    "start": existing.start,
                    "end": existing.end,
                    "timezone": existing.timezone,
                },
            )
        else:
            kwargs.setdefault("initial", {"timezone": default_timezone})
        super().__init__(*args, **kwargs)
        self.existing = existing
        cast(forms.ChoiceField, self.fields["timezone"]).choices = _timezones()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled"):
            for name in ("start", "end", "timezone"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.ValidationError(_("Needed when quiet hours are on."), code="required"))
            if data.get("start") and data.get("start") == data.get("end"):
                self.add_error("end", forms.ValidationError(_("The end must differ from the start."), code="empty"))
        return data

    def save(self, user: AbstractBaseUser) -> None:
        """Store the window when it is on; switching it off keeps the times for next time."""
        data = self.cleaned_data
        if data["enabled"]:
            QuietHours.objects.update_or_create(
                user_id=user.pk,
                defaults={"start": data["start"], "end": data["end"], "timezone": data["timezone"], "enabled": True},
            )
        elif self.existing is not None and self.existing.enabled:
            self.existing.enabled = False
            self.existing.save(update_fields=["enabled"])


@dataclass(frozen=True)
class Cell:
    """One checkbox of the preferences grid: a type on a channel."""

    field_name: str
    channel: str
    enabled: bool
    locked: bool


@dataclass(frozen=True)
class Row:
    """One type's row of the preferences form: a cell per channel."""

    ntype: NotificationType
    cells: tuple[Cell, ...]


def _field_name(ntype: NotificationType, channel: str) -> str:
    return f"pref__{ntype.key}__{channel}"


def preference_rows(user: AbstractBaseUser) -> list[Row]:
    """The grid of types (by category) x channels with what is on for ``user`` now, in one query."""
    overrides: dict[tuple[str, str], dict[tuple[str, str], bool]] = {}
    for scope, key, channel, enabled in NotificationPreference.objects.filter(user_id=user.pk).values_list(
        "scope", "key", "channel", "enabled"
    ):
        overrides.setdefault((scope, key), {})[(scope, channel)] = enabled
    rows = []
    for ntype in sorted(registered_types(), key=lambda t: (t.category, t.key)):
        mine = {
            **overrides.get((NotificationPreference.Scope.CATEGORY, ntype.category), {}),
            **overrides.get((NotificationPreference.Scope.TYPE, ntype.key), {}),
        }
        on = set(resolve(channel_rules(ntype), mine))
        cells = [Cell(_field_name(ntype, INAPP), INAPP, True, True)] if INAPP in ntype.channels else []
        cells += [
            Cell(_field_name(ntype, rule.channel), rule.channel, rule.channel in on, rule.required)
            for rule in channel_rules(ntype)
        ]
        rows.append(Row(ntype, tuple(cells)))
    return rows


class PreferencesForm(forms.Form):
    """One checkbox per type and channel; required channels (and in-app) are disabled and always on."""

    def __init__(self, user: AbstractBaseUser, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows = preference_rows(user)
        for row in self.rows:
            for cell in row.cells:
                self.fields[cell.field_name] = forms.BooleanField(
                    required=False, initial=cell.enabled, disabled=cell.locked, label=f"{row.ntype} / {cell.channel}"
                )

    def changes(self) -> Iterator[tuple[NotificationType, str, bool]]:
        """``(type, channel, enabled)`` for every unlocked box whose value differs from what is on now."""
        for row in self.rows:
            for cell in row.cells:
                if not cell.locked and self.cleaned_data[cell.field_name] != cell.enabled:
                    yield row.ntype, cell.channel, self.cleaned_data[cell.field_name]


_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+=*$")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


def is_push_service_url(url: str) -> bool:
    """Whether ``url`` can be a browser's push endpoint: a public host name on the default https port. Never an IP
    address, ``localhost`` or a single-label or local name: the server POSTs to the endpoint (no SSRF)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return port in (None, 443) and "." in host and not f".{host}".endswith(_LOCAL_SUFFIXES)
    return False


class PushSubscriptionForm(forms.Form):
    """The browser's ``PushSubscription.toJSON()``: ``{"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}``."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(min_length=80, max_length=200)
    auth = forms.CharField(min_length=16, max_length=100)

    def clean_endpoint(self) -> str:
        endpoint: str = self.cleaned_data["endpoint"]
        if not endpoint.startswith("https://"):
            raise forms.ValidationError(_("A push endpoint must be an https URL."), code="invalid_endpoint")
        if not is_push_service_url(endpoint):
            raise forms.ValidationError(_("A push endpoint must be a push service's URL."), code="invalid_endpoint")
        return endpoint

    def _clean_key(self, name: str) -> str:
        value: str = self.cleaned_data[name]
        if not _BASE64URL.match(value):
            raise forms.ValidationError(_("Keys are base64url encoded."), code="invalid_key")
        return value

    def clean_p256dh(self) -> str:
        return self._clean_key("p256dh")

    def clean_auth(self) -> str:
        return self._clean_key("auth")

    def save(self, user: AbstractBaseUser, user_agent: str) -> PushSubscription:
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=self.cleaned_data["endpoint"],
            # any AUTH_USER_MODEL; the stubs type the foreign key as the checked settings' model
            defaults={
                "user": cast("User", user),
                "p256dh": self.cleaned_data["p256dh"],
                "auth": self.cleaned_data["auth"],
                "user_agent": user_agent[:300],
            },
        )
        return subscription
