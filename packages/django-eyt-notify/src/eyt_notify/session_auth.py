"""Who is logged in, for the hot JSON endpoints, without a database query when the answer is cached.

Django's ``request.user`` costs a session read and a user query on every request, and verifies that the session's
auth hash (an HMAC of the password hash) still matches the user. Here the *expected* hash of each user is cached
(``(version, backend, hash)``, the same backend and hash the session itself stores), so with a cache-backed session
engine a request is answered from the cache alone. A mismatch or a miss falls back to ``request.user``, which applies
every rule of ``django.contrib.auth`` (fallback secret keys, inactive users, flushing a stale session) and refreshes
the entry.

The entry is dropped whenever the user is saved or deleted (at once and again after the transaction commits), so a
password change through ``set_password()`` + ``save()`` or an ``is_active=False`` save takes effect on the next
request. Like the unread counts, an entry is trusted only under the user's current *version* token, which a save
deletes: a request that loaded the user just before a password change and caches the old hash just after it writes
an entry nobody will accept. A change that bypasses ``save()`` (``QuerySet.update()``) is honoured after
``EYT_NOTIFY_AUTH_CACHE_TIMEOUT`` seconds. Set ``EYT_NOTIFY_FAST_AUTH = False`` to always use ``request.user``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.cache import caches
from django.db import router, transaction
from django.utils.crypto import constant_time_compare

from eyt_notify.conf import settings
from eyt_notify.counts import current_version

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest

__all__ = ["authenticated_user_id", "cache_keys", "forget_user", "login_and_cached", "login_is_cached"]


def cache_keys(user_id: Any) -> tuple[str, str]:
    """The cache keys of ``user_id``'s expected auth hash and its version, for a caller that reads them itself."""
    return f"eyt_notify:session-auth:{user_id}", f"eyt_notify:session-auth-version:{user_id}"


def authenticated_user_id(request: HttpRequest) -> Any | None:
    """The primary key of the request's logged-in user, or ``None`` when nobody is logged in."""
    return login_and_cached(request)[0]


def login_and_cached(
    request: HttpRequest, also: Callable[[Any], Iterable[str]] | None = None
) -> tuple[Any | None, Mapping[str, Any] | None]:
    """The logged-in user's primary key (or ``None``), and the cache entries named by ``also(user_id)``.

    On the fast path the login check and the caller's entries are one ``get_many``: with a cache-backed session
    engine, a request is then two cache round trips (the session, this) and no query. The entries are ``None`` when
    they were not read (anonymous, or the login came from ``request.user``): callers read them themselves then.
    """
    if settings.EYT_NOTIFY_FAST_AUTH:
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return _from_request_user(request), None  # anonymous (no query), or a user set by other middleware
        if session.get(BACKEND_SESSION_KEY) in django_settings.AUTHENTICATION_BACKENDS:
            user_id = get_user_model()._meta.pk.to_python(user_id)
            wanted = [*cache_keys(user_id), *(also(user_id) if also is not None else ())]
            found = caches[settings.EYT_NOTIFY_CACHE_ALIAS].get_many(wanted)
            if login_is_cached(session, found, user_id):
                return user_id, found
    return _from_request_user(request), None


def login_is_cached(session: SessionBase | Mapping[str, Any], found: Mapping[str, Any], user_id: Any) -> bool:
    """Whether ``session`` (a session's data) is ``user_id``'s valid login by the cached check in ``found`` (what was
    read of ``cache_keys(user_id)``): same backend, one of ``AUTHENTICATION_BACKENDS``, and the auth hash the user
    has now, trusted under the user's current version. ``False`` means: ask ``django.contrib.auth``."""
    backend, session_hash = session.get(BACKEND_SESSION_KEY), session.get(HASH_SESSION_KEY)
    if backend not in django_settings.AUTHENTICATION_BACKENDS or not isinstance(session_hash, str):
        return False
    entry_key, version_key = cache_keys(user_id)
    entry, version = found.get(entry_key), found.get(version_key)
    return (
        version is not None
        and isinstance(entry, tuple)
        and len(entry) == 3
        and entry[0] == version
        and entry[1] == backend
        and constant_time_compare(entry[2], session_hash)
    )


def _from_request_user(request: HttpRequest) -> Any | None:
    session_user_id = version = None
    if settings.EYT_NOTIFY_FAST_AUTH and (raw := request.session.get(SESSION_KEY)) is not None:
        # Read (or start) the version *before* the user is loaded: a save in between deletes it, so an entry
        # computed from the user as it was is written under a version nobody trusts any more.
        session_user_id = get_user_model()._meta.pk.to_python(raw)
        version = _version(session_user_id)
    user = request.user
    if not user.is_authenticated:
        return None
    backend = request.session.get(BACKEND_SESSION_KEY)
    if version is not None and user.pk == session_user_id and backend and hasattr(user, "get_session_auth_hash"):
        caches[settings.EYT_NOTIFY_CACHE_ALIAS].set(
            cache_keys(user.pk)[0],
            (version, backend, user.get_session_auth_hash()),
            timeout=settings.EYT_NOTIFY_AUTH_CACHE_TIMEOUT,
        )
    return user.pk


def _version(user_id: Any) -> str:
    """The user's current version token, started if there is none."""
    cache = caches[settings.EYT_NOTIFY_CACHE_ALIAS]
    return current_version(cache, cache_keys(user_id)[1], settings.EYT_NOTIFY_AUTH_CACHE_TIMEOUT)


def forget_user(user_id: Any) -> None:
    """Distrust the cached auth hash of ``user_id`` (done on every save and delete of a user).

    At once, and again when the transaction commits: until then other requests still read the old row from the
    database and may cache its hash under the version they started.
    """
    cache = caches[settings.EYT_NOTIFY_CACHE_ALIAS]
    keys = list(cache_keys(user_id))
    cache.delete_many(keys)
    using = router.db_for_write(get_user_model())
    if transaction.get_connection(using).in_atomic_block:  # in autocommit the change is already committed
        transaction.on_commit(lambda: cache.delete_many(keys), using=using)
