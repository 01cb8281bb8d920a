"""A worker process for the multi-process limits tests: ``python -m tests.limits_worker``.

It sets Django up (its own Redis connections), prints ``ready``, then for each JSON command line on stdin
(``mode``, ``threads``, ``prefix`` and the mode's options) runs a burst of concurrent threads against the Redis of
``$REDIS_URL`` under that key prefix and prints one JSON line counting what they saw.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any


def _burst(mode: str, threads: int, options: dict[str, Any]) -> dict[str, int]:
    from django.contrib.auth import authenticate
    from django.http import HttpResponse
    from django.test import RequestFactory

    from eyt_audit.limits.ratelimit import ratelimit

    outcomes: list[str] = []
    barrier = threading.Barrier(threads)
    view = ratelimit(options.get("rate", "10/m"), group=options.get("group"))(lambda request: HttpResponse("ok"))

    def one() -> None:
        request = RequestFactory().post("/login/", REMOTE_ADDR=options.get("ip", "10.9.9.9"))
        barrier.wait()
        if mode == "lockout":
            user = authenticate(request, username=options["username"], password="wrong password")
            outcomes.append(
                "refused" if hasattr(request, "eyt_audit_login_refused") else "checked" if user is None else "accepted"
            )
        else:
            outcomes.append(str(view(request).status_code))

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {outcome: outcomes.count(outcome) for outcome in set(outcomes)}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.test.utils import override_settings

    from tests.limits_support import COUNTER_ENV

    override_settings(
        PASSWORD_HASHERS=["tests.limits_support.CountingHasher"],
        AUTHENTICATION_BACKENDS=["tests.limits_support.LockoutOnePasswordBackend"],
    ).enable()
    print("ready", flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        os.environ[COUNTER_ENV] = command.get("counter", "")
        cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": command["prefix"],
        }
        with override_settings(CACHES={"default": cache}):
            print(json.dumps(_burst(command["mode"], command["threads"], command)), flush=True)


if __name__ == "__main__":
    main()
