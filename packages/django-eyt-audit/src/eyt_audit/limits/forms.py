"""Login forms that say an account is locked instead of "wrong username or password"."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from eyt_audit.limits import lockout
from eyt_audit.limits.exceptions import LoginRefused, StorageUnavailable

__all__ = ["LockoutAuthenticationForm", "LockoutAuthenticationFormMixin"]


class LockoutAuthenticationFormMixin:
    """Mix into an ``AuthenticationForm``: a login refused by the lockout gets the ``locked`` message (or
    ``unavailable`` while the counters cannot be reached). Override ``lockout_error_messages`` to reword."""

    lockout_error_messages = {
        "locked": _(
            "Too many failed sign-in attempts. This sign-in is locked for %(wait)s; try again later or contact support."
        ),
        "unavailable": _("Sign-in is temporarily unavailable. Please try again in a few minutes."),
    }

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc, no-any-return]
        except forms.ValidationError:
            refusal = self._lockout_refusal()
            if refusal is None:
                raise
            raise self.lockout_error(refusal) from None

    def _lockout_refusal(self) -> LoginRefused | None:
        refusal = getattr(self.request, lockout.REFUSAL_ATTRIBUTE, None) if self.request is not None else None
        if refusal is not None or self.request is not None:
            return refusal
        username = self.cleaned_data.get("username")
        if not username:
            return None
        try:
            state = lockout.status(str(username))
        except StorageUnavailable:
            return None
        return LoginRefused(state.reason, state.retry_after) if state.locked else None

    def lockout_error(self, refusal: LoginRefused) -> forms.ValidationError:
        if refusal.reason == "unavailable":
            return forms.ValidationError(self.lockout_error_messages["unavailable"], code="unavailable")
        return forms.ValidationError(
            self.lockout_error_messages["locked"], code="locked", params={"wait": describe_wait(refusal.retry_after)}
        )


def describe_wait(seconds: int) -> str:
    """``seconds`` as a translated wait: seconds under a minute, else whole minutes rounded up."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


class LockoutAuthenticationForm(LockoutAuthenticationFormMixin, AuthenticationForm):
    """``AuthenticationForm`` with the lockout messages, for ``LoginView(authentication_form=...)``."""
