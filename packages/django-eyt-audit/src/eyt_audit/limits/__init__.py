"""Login lockout and rate limiting whose counters live in the shared cache, so they hold across processes.

- ``eyt_audit.limits.ratelimit``: the ``ratelimit`` view decorator; ``eyt_audit.limits.middleware``: rules by path.
- ``eyt_audit.limits.lockout``: reserve an attempt before the password check, record the outcome, unlock.
- ``eyt_audit.limits.backends``: ``LockoutModelBackend``; ``eyt_audit.limits.forms``: the login form mixin.
- ``eyt_audit.limits.storage``: the atomic counters (a Lua script on Redis, ``cache.add``/``incr`` elsewhere).
"""
