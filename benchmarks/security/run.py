"""Rate limiting and login lockout, side by side on one Redis, in one run.

ours: eyt_audit.limits (sliding window / reservation, one Lua call per decision)
against: django-ratelimit 4.1 (fixed window, cache.add + incr) and django-axes 8.3 (cache handler, counts after the
password check). Both limits: 10/m per IP, lockout after 5 failures per username.

Figures: decision latency p50/p99 (sequential, loopback Redis); requests admitted by 100 concurrent clients
(4 processes x 25 threads) against a 10/m rule; admitted within a burst that straddles django-ratelimit's window
edge; and password checks reached by 100 concurrent wrong-password logins for one account. The password hasher
sleeps 20 ms in verify() (the time a real hash takes, without burning the two cores) and counts in Redis.

    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/security/run.py
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings
from harness import measure, ms, print_table, ratio

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RUN = uuid.uuid4().hex[:12]
CHECKS_KEY = f"eyt-bench-security-checks-{RUN}"
PASSWORD = "right horse battery staple"
PROCESSES, THREADS = 4, 25
RATE, LIMIT, ATTEMPTS = "10/m", 10, 5
LOCKOUT_BACKENDS = {
    "ours": ["eyt_audit.limits.backends.LockoutModelBackend"],
    "axes": ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
}


def configure() -> None:
    database = Path(tempfile.mkdtemp()) / "security.sqlite3"
    settings.configure(
        SECRET_KEY="bench",
        USE_TZ=True,
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "axes", "eyt_audit"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"eyt-bench-{RUN}",
            }
        },
        PASSWORD_HASHERS=["run.CountingHasher"],
        AUTHENTICATION_BACKENDS=LOCKOUT_BACKENDS["ours"],
        MAX_LOGIN_ATTEMPTS=ATTEMPTS,
        AXES_HANDLER="axes.handlers.cache.AxesCacheHandler",
        AXES_FAILURE_LIMIT=ATTEMPTS,
        AXES_LOCKOUT_PARAMETERS=["username"],
        AXES_COOLOFF_TIME=1,
        AXES_ENABLED=False,  # switched on for axes' own runs only: its signal receivers would tax ours
        AXES_VERBOSE=False,
        RATELIMIT_USE_CACHE="default",
        LOGGING={
            "version": 1,
            "handlers": {"null": {"class": "logging.NullHandler"}},
            "loggers": {
                name: {"handlers": ["null"], "propagate": False}
                for name in ("eyt_audit.security", "axes", "django.request")
            },
        },
    )
    django.setup()
    # Decisions only: django-ratelimit and django-axes store nothing per refusal, so neither does this suite
    # (our events are still built, logged and signalled; storing SecurityEvent rows is the audit trail's cost).
    from eyt_audit.limits.signals import security_event_reported

    security_event_reported.disconnect(dispatch_uid="eyt_audit.security_events")


def counter():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def make_hasher() -> type:
    from django.contrib.auth.hashers import MD5PasswordHasher

    class CountingHasher(MD5PasswordHasher):
        algorithm = "bench_counting"

        def verify(self, password: str, encoded: str) -> bool:
            counter().incr(CHECKS_KEY)
            time.sleep(0.02)
            return super().verify(password, encoded)

    return CountingHasher


def request(ip: str):
    from django.test import RequestFactory

    return RequestFactory().post("/login/", REMOTE_ADDR=ip)


# --- decisions ---------------------------------------------------------------------------------------------------


def ours_rate(group: str) -> Callable[[str], bool]:
    from eyt_audit.limits.ratelimit import Limit, check

    limit = Limit.build(rate=RATE, key="ip", group=group)
    return lambda ip: check(request(ip), [limit]) is None


def theirs_rate(group: str) -> Callable[[str], bool]:
    from django_ratelimit.core import is_ratelimited

    return lambda ip: not is_ratelimited(request(ip), group=group, key="ip", rate=RATE, increment=True)


def login(username: str) -> Callable[[str], bool]:
    from django.contrib.auth import authenticate

    return lambda ip: authenticate(request(ip), username=username, password="wrong") is not None


# --- concurrency: forked processes x threads, released together ------------------------------------------------


def _worker(make: Callable[[], Callable[[str], bool]], ip: str, threads: int, barrier, queue, backends) -> None:
    from django.test import override_settings

    with override_settings(AUTHENTICATION_BACKENDS=backends, AXES_ENABLED=backends == LOCKOUT_BACKENDS["axes"]):
        decide = make()
        outcomes: list[tuple[bool, float]] = []
        start = threading.Barrier(threads, action=barrier.wait)

        def one() -> None:
            start.wait()
            admitted = decide(ip)
            outcomes.append((admitted, time.time()))

        pool = [threading.Thread(target=one) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    queue.put(outcomes)


def concurrent(
    make: Callable[[], Callable[[str], bool]], *, ip: str, threads: int = THREADS, backends: list[str] | None = None
) -> list[tuple[bool, float]]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(PROCESSES), context.Queue()
    processes = [
        context.Process(target=_worker, args=(make, ip, threads, barrier, queue, backends or LOCKOUT_BACKENDS["ours"]))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [outcome for _ in processes for outcome in queue.get()]
    for process in processes:
        process.join()
    return outcomes


def admitted(outcomes: list[tuple[bool, float]]) -> int:
    return sum(1 for allowed, _ in outcomes if allowed)


# --- suites ------------------------------------------------------------------------------------------------------


def latency() -> list[list[object]]:
    rows = []
    for name, make in (("eyt_audit ratelimit", ours_rate), ("django-ratelimit", theirs_rate)):
        decide = make(f"latency-{name}-{RUN}")
        addresses = (f"10.{n // 250 % 250}.{n % 250}.1" for n in range(10**9))  # a fresh key: admitted
        admitted_sample = measure(
            lambda decide=decide, addresses=addresses: decide(next(addresses)), repeat=2000, count_queries=False
        )
        refused_sample = measure(lambda decide=decide: decide("10.255.255.1"), repeat=2000, count_queries=False)
        rows.append(
            [
                name,
                ms(admitted_sample.percentile(50)),
                ms(admitted_sample.percentile(99)),
                ms(refused_sample.percentile(50)),
                ms(refused_sample.percentile(99)),
            ]
        )
    return rows


def lockout_latency(username: str) -> list[list[object]]:
    from django.test import override_settings

    rows = []
    for name, backends in LOCKOUT_BACKENDS.items():
        with override_settings(AUTHENTICATION_BACKENDS=backends, AXES_ENABLED=name == "axes"):
            attempt = login(f"{username}-{name}-latency")
            sample = measure(lambda attempt=attempt: attempt("10.8.8.8"), repeat=1000, count_queries=False)
        label = "eyt_audit lockout" if name == "ours" else "django-axes"
        rows.append([f"{label} (locked account)", ms(sample.percentile(50)), ms(sample.percentile(99)), "", ""])
    return rows


def over_admission() -> list[list[object]]:
    rows = []
    for name, make in (("eyt_audit ratelimit", ours_rate), ("django-ratelimit", theirs_rate)):
        group = f"concurrent-{name}-{RUN}"
        got = admitted(concurrent(lambda make=make, group=group: make(group), ip="10.1.1.1"))
        rows.append([name, f"{PROCESSES * THREADS} at once", got, max(0, got - LIMIT)])
    return rows


def both_rates() -> Callable[[str], tuple[bool, bool]]:
    """One client asks both limiters (each its own group) in the same instant."""
    ours, theirs = ours_rate(f"edge-ours-{RUN}"), theirs_rate(f"edge-theirs-{RUN}")
    return lambda ip: (ours(ip), theirs(ip))


def window_edge() -> list[list[object]]:
    """Two bursts of 20 clients, 0.3 s before and after the edge of django-ratelimit's window for this IP."""
    ip, period = "10.2.2.2", 60
    now = time.time()
    window = int(now) - int(now) % period + zlib.crc32(ip.encode()) % period
    edge = (window if window >= int(now) else window + period) + 1  # its counter changes at this second
    if edge - now < 1:
        edge += period
    print(f"\nwaiting {edge - now:.0f} s for django-ratelimit's window edge ...", flush=True)
    bursts = []
    for at in (edge - 0.3, edge + 0.3):
        time.sleep(max(0.0, at - time.time()))
        bursts.append(concurrent(both_rates, ip=ip, threads=5))
    rows = []
    for index, name in enumerate(("eyt_audit ratelimit", "django-ratelimit")):
        times = [when for burst in bursts for allowed, when in burst if allowed[index]]
        span = f"{max(times) - min(times):.2f} s" if times else "-"
        rows.append([name, "2 x 20 across the edge", len(times), max(0, len(times) - LIMIT), span])
    return rows


def lockout_concurrency(username: str) -> list[list[object]]:
    client = counter()
    rows = []
    for name, backends in LOCKOUT_BACKENDS.items():
        client.delete(CHECKS_KEY)
        concurrent(lambda name=name: login(f"{username}-{name}"), ip="10.3.3.3", backends=backends)
        checks = int(client.get(CHECKS_KEY) or 0)
        label = "eyt_audit lockout" if name == "ours" else "django-axes"
        rows.append([label, f"{PROCESSES * THREADS} wrong passwords", checks, max(0, checks - ATTEMPTS)])
    client.delete(CHECKS_KEY)
    return rows


def create_users(username: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    model = get_user_model()
    for suffix in ("ours", "axes", "ours-latency", "axes-latency"):
        model.objects.create_user(username=f"{username}-{suffix}", password=PASSWORD)


def main() -> None:
    configure()
    sys.modules["run"].CountingHasher = make_hasher()  # type: ignore[attr-defined]
    username = f"victim-{RUN}"
    create_users(username)
    rate_rows = latency()
    rate_rows += lockout_latency(username)
    print_table(
        "Decision latency, one client, loopback Redis (p50 / p99)",
        ["limiter", "admitted p50", "admitted p99", "refused p50", "refused p99"],
        rate_rows,
    )
    print_table(
        f"Rate limit {RATE}: admitted under {PROCESSES} processes x {THREADS} threads",
        ["limiter", "requests", "admitted", "over the limit"],
        over_admission(),
    )
    edge_rows = window_edge()
    print_table(
        f"Rate limit {RATE}: bursts straddling django-ratelimit's window edge",
        ["limiter", "requests", "admitted", "over the limit", "admitted within"],
        edge_rows,
    )
    print_table(
        f"Lockout after {ATTEMPTS} failures: password checks under {PROCESSES} processes x {THREADS} threads",
        ["lockout", "attempts", "password checks", "over the limit"],
        lockout_concurrency(username),
    )
    ours, theirs = rate_rows[0], rate_rows[1]
    print(
        f"\np99 admitted decision, ours / django-ratelimit: "
        f"{ratio(float(ours[2].split()[0]), float(theirs[2].split()[0]))}"
    )


if __name__ == "__main__":
    sys.modules.setdefault("run", sys.modules["__main__"])
    main()
