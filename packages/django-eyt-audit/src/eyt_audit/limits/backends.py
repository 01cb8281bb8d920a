"""Authentication backends that refuse a locked login before its password is checked.

``AUTHENTICATION_BACKENDS = ["eyt_audit.limits.backends.LockoutModelBackend"]`` replaces Django's
``ModelBackend``. ``LockoutBackendMixin`` puts the same guard in front of any backend whose ``authenticate()``
takes a username and a password.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.http import HttpRequest

from eyt_audit.limits import lockout

__all__ = ["LockoutBackendMixin", "LockoutModelBackend"]


class LockoutBackendMixin:
    """Reserve the attempt (``lockout.reserve``), then check the password, then record the outcome.

    A refused attempt raises ``LoginRefused``, a ``PermissionDenied``: ``django.contrib.auth.authenticate()``
    then stops without trying the other backends and sends ``user_login_failed``.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        parent = super().authenticate  # type: ignore[misc]
        if username is None or password is None:
            return parent(request, username=username, password=password, **kwargs)
        attempt = lockout.reserve(str(username), request)
        user = parent(request, username=username, password=password, **kwargs)
        if user is None:
            lockout.failed(attempt, request)
        else:
            lockout.succeeded(attempt, request)
        return user

    async def aauthenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        """The same guard for ``django.contrib.auth.aauthenticate()`` (async views, ``alogin``): without it the
        backend's own ``aauthenticate()`` would check the password with no attempt counted and no lock honoured."""
        parent = super().aauthenticate  # type: ignore[misc]
        if getattr(parent, "__func__", None) is BaseBackend.aauthenticate:
            # The backend has no async path of its own: BaseBackend runs authenticate() (guarded above) in a thread.
            return await parent(request, username=username, password=password, **kwargs)
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return await parent(request, username=username, password=password, **kwargs)
        attempt = await sync_to_async(lockout.reserve)(str(username), request)
        user = await parent(request, username=username, password=password, **kwargs)
        if user is None:
            await sync_to_async(lockout.failed)(attempt, request)
        else:
            await sync_to_async(lockout.succeeded)(attempt, request)
        return user


class LockoutModelBackend(LockoutBackendMixin, ModelBackend):
    """Django's ``ModelBackend`` behind the login lockout."""
