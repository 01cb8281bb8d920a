"""Who is logged in, for the hot JSON endpoints, without a database query when the answer is cached.

Django's ``request.user`` costs a session read and a user query on every request, and verifies that the session's
auth hash (an HMAC of the password hash) still matches the user. Here the *expected* hash of each user is cached
(``(backend, hash)``, the same value the session itself stores), so with a cache-backed session engine a request is
answered from the cache alone. A mismatch or a miss falls back to ``request.user``, which applies every rule of
``django.contrib.auth`` (fallback secret keys, inactive users, flushing a stale session) and refreshes the entry.

The entry is dropped whenever the user is saved or deleted, so a password change through ``set_password()`` +
``save()`` or an ``is_active=False`` save takes effect on the next request. A change that bypasses ``save()``
(``QuerySet.update()``) is honoured after ``EYT_NOTIFY_AUTH_CACHE_TIMEOUT`` seconds. Set
``EYT_NOTIFY_FAST_AUTH = False`` to always use ``request.user``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.cache import caches
from django.utils.crypto import constant_time_compare

from eyt_notify.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["authenticated_user_id", "forget_user"]


def _key(user_id: Any) -> str:
    return f"eyt_notify:session-auth:{user_id}"


def authenticated_user_id(request: HttpRequest) -> Any | None:
    """The primary key of the request's logged-in user, or ``None`` when nobody is logged in."""
    if settings.EYT_NOTIFY_FAST_AUTH:
        session = request.session
        user_id = session.get(SESSION_KEY)
        backend = session.get(BACKEND_SESSION_KEY)
        session_hash = session.get(HASH_SESSION_KEY)
        if user_id is None:
            return _from_request_user(request)  # anonymous (no query), or a user set by other middleware
        if backend in django_settings.AUTHENTICATION_BACKENDS and isinstance(session_hash, str):
            entry = caches[settings.EYT_NOTIFY_CACHE_ALIAS].get(_key(user_id))
            if entry is not None and entry[0] == backend and constant_time_compare(entry[1], session_hash):
                return get_user_model()._meta.pk.to_python(user_id)
    return _from_request_user(request)


def _from_request_user(request: HttpRequest) -> Any | None:
    user = request.user
    if not user.is_authenticated:
        return None
    backend = request.session.get(BACKEND_SESSION_KEY)
    if settings.EYT_NOTIFY_FAST_AUTH and backend and hasattr(user, "get_session_auth_hash"):
        caches[settings.EYT_NOTIFY_CACHE_ALIAS].set(
            _key(user.pk), (backend, user.get_session_auth_hash()), timeout=settings.EYT_NOTIFY_AUTH_CACHE_TIMEOUT
        )
    return user.pk


def forget_user(user_id: Any) -> None:
    """Drop the cached auth hash of ``user_id`` (done on every save and delete of a user)."""
    caches[settings.EYT_NOTIFY_CACHE_ALIAS].delete(_key(user_id))
