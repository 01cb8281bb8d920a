"""Fan-out of one notification to N users on PostgreSQL: django-eyt-notify against django-notifications-community
and against the floor (one ``INSERT ... SELECT`` of the same rows from the users table), measured in one run.

    python benchmarks/notify/run.py                 # 10,000 and 100,000 users, best of 3
    python benchmarks/notify/run.py --users 10000 --repeat 5

The database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/eyt_bench_notify) is dropped
and created. Wall time is the best of --repeat runs; peak memory comes from a separate run under tracemalloc (it
slows Python down, so it never overlaps a timed run); queries are counted with a cursor execute wrapper.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from urllib.parse import urlsplit

import django
import psycopg
from django.conf import settings

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eyt_bench_notify")


def recreate_database() -> dict[str, object]:
    parts = urlsplit(URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": parts.username,
        "HOST": parts.hostname,
        "PORT": parts.port or 5432,
    }


def configure() -> None:
    tasks = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
    settings.configure(
        DATABASES={"default": recreate_database()},
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "notifications",
            "eyt_notify",
            *([] if tasks == "django.tasks" else ["django_tasks"]),
        ],
        USE_TZ=True,
        SECRET_KEY="bench",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        TASKS={"default": {"BACKEND": f"{tasks}.backends.dummy.DummyBackend"}},  # measure the fan-out, not sending
        EYT_NOTIFY_CHANNELS={
            "inapp": {"BACKEND": "eyt_notify.channels.inapp.InAppChannel"},
            "email": {"BACKEND": "eyt_notify.channels.locmem.LocMemChannel"},
        },
        LOGGING_CONFIG=None,
    )
    django.setup()


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def measure(work: Callable[[], object], reset: Callable[[], None], repeat: int) -> tuple[float, int, float]:
    from django.db import connection, transaction

    times, queries = [], 0
    for _ in range(repeat):
        reset()
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            with transaction.atomic():
                work()
            times.append(time.perf_counter() - started)
        queries = counter.count
    reset()
    tracemalloc.start()
    with transaction.atomic():
        work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    reset()
    return min(times), queries, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from notifications.signals import notify as community_notify

    from eyt_notify import notify
    from eyt_notify.models import Notification
    from eyt_notify.types import NotificationType, register_type

    call_command("migrate", verbosity=0)
    register_type(NotificationType("bench.inapp", channels=("inapp",)))
    register_type(NotificationType("bench.email", channels=("inapp", "email")))
    User = get_user_model()
    title, message = "Your match starts in 15 minutes", "Final, EYT Cup. Check in now."

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE eyt_notify_delivery, eyt_notify_notification, notifications_notification")

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO eyt_notify_notification (recipient_id, notification_type, category, title, message, "
                "priority, action_url, data, context, actor_id, target_content_type_id, target_object_id, "
                "idempotency_key, created_at, read_at, expires_at) "
                "SELECT id, 'bench.inapp', 'general', %s, %s, 'normal', '', '{}', '{}', NULL, NULL, '', NULL, now(), "
                "NULL, NULL FROM auth_user",
                [title, message],
            )

    def floor_with_outbox() -> None:
        floor()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO eyt_notify_delivery (notification_id, channel, status, attempts, next_attempt_at, "
                "last_error, provider_message_id, created_at) "
                "SELECT id, 'email', 'pending', 0, now(), '', '', now() FROM eyt_notify_notification"
            )

    rows = []
    for n in args.users:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE auth_user CASCADE")
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
                "is_active, date_joined) SELECT '!', false, 'user' || g, '', '', 'user' || g || '@example.com', "
                "false, true, now() FROM generate_series(1, %s) g",
                [n],
            )
            cursor.execute("ANALYZE auth_user")
        actor = User.objects.order_by("pk").first()
        recipients = User.objects.all()
        cases = {
            "floor: one INSERT ... SELECT": floor,
            "eyt-notify, in-app": lambda: notify(recipients, "bench.inapp", title=title, message=message),
            "floor + outbox: two INSERT ... SELECT": floor_with_outbox,
            "eyt-notify, in-app + email outbox": lambda: notify(
                recipients, "bench.email", title=title, message=message
            ),
            "notifications-community notify.send": lambda: community_notify.send(
                actor, recipient=recipients, verb=title, description=message
            ),
        }
        results = {name: measure(work, reset, args.repeat) for name, work in cases.items()}
        for name, (seconds, queries, peak) in results.items():
            base = "floor + outbox: two INSERT ... SELECT" if "outbox" in name else "floor: one INSERT ... SELECT"
            rows.append((n, name, seconds, seconds / results[base][0], queries, peak))
        assert Notification.objects.count() == 0

    print(
        f"\nPostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}, Python {sys.version.split()[0]};"
        f" best of {args.repeat}; peak memory from a separate tracemalloc run\n"
    )
    print("x floor: against the floor doing the same work (with the outbox row, for the outbox case)\n")
    print(f"{'users':>8}  {'case':<38} {'seconds':>8} {'x floor':>8} {'queries':>8} {'peak MiB':>9}")
    for n, name, seconds, ratio, queries, peak in rows:
        print(f"{n:>8,}  {name:<38} {seconds:>8.3f} {ratio:>8.2f} {queries:>8} {peak:>9.2f}")
    by_size = {}
    for n, name, seconds, *_ in rows:
        by_size.setdefault(n, {})[name] = seconds
    for n, cases_at in by_size.items():
        speedup = cases_at["notifications-community notify.send"] / cases_at["eyt-notify, in-app"]
        print(f"{n:>8,}  eyt-notify in-app is {speedup:.1f}x faster than notifications-community")


if __name__ == "__main__":
    main()
