"""Delivery throughput: N email deliveries in the outbox, sent by 1 and then 2 worker processes
(`manage.py eyt_notify_dispatch`) to a real SMTP server on loopback; every delivery must be sent exactly once.
The SMTP connections the server saw are counted too (one per claimed batch of 100 is expected).

    python benchmarks/notify/delivery.py [--deliveries 2000]      # PostgreSQL: BENCH_DATABASE_URL or the default
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from harness import ensure_postgres_database  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eyt_bench_delivery")


def setup(smtp_port: int) -> None:
    os.environ.update(
        DELIVERY_BENCH_DATABASE_URL=URL,
        DELIVERY_BENCH_SMTP_PORT=str(smtp_port),
        DJANGO_SETTINGS_MODULE="deliverybench.settings",
    )
    ensure_postgres_database(URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill_outbox(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from eyt_notify import notify
    from eyt_notify.models import Delivery, Notification

    User = get_user_model()
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    User.objects.all().delete()
    User.objects.bulk_create(User(username=f"u{i}", email=f"u{i}@example.com") for i in range(count))
    with transaction.atomic():
        notify(User.objects.all(), "bench.email", title="Match starts", message="Your match starts at 20:00.")


def run_workers(workers: int) -> float:
    command = [sys.executable, "-m", "django", "eyt_notify_dispatch", "--batch-size", "100"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path[:2])}
    started = time.perf_counter()
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
    for process in processes:
        if process.wait(timeout=600) != 0:
            sys.exit(f"a worker exited with {process.returncode}")
    return time.perf_counter() - started


def main() -> None:
    from eyt_testing.smtp import SmtpServer

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    with SmtpServer() as smtp:
        setup(smtp.port)
        from eyt_notify.models import Delivery

        print(
            f"{'workers':>7}  {'deliveries':>10}  {'seconds':>8}  {'deliveries/s':>12}  {'sent once':>9}  "
            f"{'SMTP conns':>10}  statuses"
        )
        for workers in (1, 2):
            smtp.clear()
            fill_outbox(args.deliveries)
            seconds = run_workers(workers)
            statuses = dict(Counter(Delivery.objects.values_list("status", flat=True)))
            recipients = Counter(rcpt for mail in smtp.received for rcpt in mail.rcpt_tos)
            once = len(recipients) == args.deliveries and max(recipients.values()) == 1
            print(
                f"{workers:>7}  {args.deliveries:>10}  {seconds:>8.2f}  {args.deliveries / seconds:>12.0f}  "
                f"{'yes' if once else 'NO':>9}  {smtp.connections:>10}  {statuses}"
            )


if __name__ == "__main__":
    main()
