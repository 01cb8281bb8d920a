"""Where one webhook request's time goes: our view in-process, with the benchmark server's settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        python benchmarks/webhooks/profile_request.py [--requests 1000] [--profile] [--tasks dummy|rq]

Django's test client posts ``--requests`` signed ``payment_intent.succeeded`` events (new ones, then 20% repeated)
to ``POST /payments/webhook/`` through ``benchsite`` (the benchmark's middleware stack, django-eyt-audit, the
task backend), on a throwaway PostgreSQL database, one at a time. Prints the wall and CPU time per request and,
with ``--profile``, pyinstrument's call tree of them (no server, no load generator, no other request).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import stripe

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DB_NAME = "eyt_webhooks_profile"
SECRET = "whsec_profile"


def event() -> bytes:
    """A ``payment_intent.succeeded`` event of about the size Stripe sends (1.5 KB)."""
    intent = {
        "id": f"pi_{uuid.uuid4().hex[:24]}",
        "object": "payment_intent",
        "amount": 1000,
        "amount_received": 1000,
        "currency": "usd",
        "customer": f"cus_{uuid.uuid4().hex[:14]}",
        "latest_charge": f"ch_{uuid.uuid4().hex[:24]}",
        "livemode": False,
        "metadata": {"eyt_payment_id": str(uuid.uuid4())},
        "payment_method": f"pm_{uuid.uuid4().hex[:24]}",
        "payment_method_types": ["card"],
        "status": "succeeded",
        "created": int(time.time()),
        "description": "x" * 900,
    }
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "data": {"object": intent},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "payment_intent.succeeded",
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's call tree")
    parser.add_argument("--tasks", choices=["dummy", "rq"], default="dummy")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://...")
    import psycopg

    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(
        BENCH_DB_NAME=DB_NAME,
        BENCH_WEBHOOK_SECRET=SECRET,
        BENCH_TASKS=args.tasks,
        BENCH_REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        DJANGO_SETTINGS_MODULE="benchsite",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    try:
        call_command("migrate", verbosity=0)
        bodies = [event() for _ in range(args.requests + 100)]
        bodies += random.Random(6).choices(bodies[100:], k=args.requests // 5)
        client = Client(HTTP_HOST="127.0.0.1")

        def post(body: bytes) -> float:
            header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
            started = time.perf_counter()
            response = client.post(
                "/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            )
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.content[:200]!r}")
            return elapsed

        for body in bodies[:100]:  # connection, imports, caches
            post(body)
        measured = bodies[100:]
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0001)
            profiler.start()
        cpu = time.process_time()
        seconds = [post(body) for body in measured]
        cpu = time.process_time() - cpu
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(color=False, show_all=False))
        ordered = sorted(seconds)
        print(
            f"{len(seconds)} requests ({len(measured) - args.requests} repeated): wall p50 "
            f"{statistics.median(seconds) * 1000:.3f} ms, p99 {ordered[int(len(ordered) * 0.99)] * 1000:.3f} ms; "
            f"CPU {cpu / len(seconds) * 1000:.3f} ms per request (this process, test client included)"
        )
    finally:
        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if args.tasks == "rq":
            from run import empty_queue

            empty_queue()


if __name__ == "__main__":
    main()
