"""The admin's login form with the lockout messages (apart so ``forms`` never imports the admin)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm

from eyt_audit.limits.forms import LockoutAuthenticationFormMixin

__all__ = ["LockoutAdminAuthenticationForm"]


class LockoutAdminAuthenticationForm(LockoutAuthenticationFormMixin, AdminAuthenticationForm):
    """``admin.site.login_form = LockoutAdminAuthenticationForm`` (or on your ``AdminSite`` subclass)."""
