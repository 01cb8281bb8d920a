"""Stripe webhooks side by side: django-eyt-payments and dj-stripe 2.11, same events, same server, one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        python benchmarks/webhooks/run.py [--events 600] [--rounds 10] [--ours-only] [--tasks dummy|rq]

Starts localstripe, creates one real payment intent per event there (pm_card_visa, confirmed; one customer per
10 intents) and takes the ``payment_intent.succeeded`` events localstripe recorded. Both sides get the same
deliveries, driven identically by wrk (``deliveries.lua``, apt install wrk): every event plus 20% duplicates,
shuffled, signed with the same secret before the clock starts (the load generator only writes bytes and parses
answers, leaving the CPU to the server), sent by 4 concurrent senders; the first 50 are an unmeasured warm-up at
the same concurrency. The server is gunicorn with 4 gthread workers x 1 thread, a worker holding one connection
and closing it after its answer, so each delivery goes to a free worker (``GUNICORN``; ``--keep-alive`` for
gunicorn's defaults, which place kept-alive connections on workers at random), on PostgreSQL, each side with its
own throwaway database, the same middleware stack (``benchstack``: Django's default stack and django-eyt-audit's
audit context, as a real host has them) and persistent database connections. Each server counts, per request,
the SQL statements Django ran and the HTTP requests stripe-python sent (``benchcount``, returned as response
headers), so the counts come from the measured requests; the CPU time of gunicorn's processes is read from /proc
(per delivery, a figure that noise from other processes on the machine hardly moves).

- ours (this interpreter: ``POST /payments/webhook/``): the request verifies, stores and, after commit,
  enqueues the wake-up task. ``--tasks dummy`` (default): Django's DummyBackend, which only enqueues (in memory);
  ``--tasks rq``: django-tasks-rq on Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/15, emptied before
  and after), the example platform's scale-out backend. Nothing processes those tasks during the run: the worker
  (``process_due``) then processes the stored events in this process.
- dj-stripe 2.11 (``POST /stripe/webhook/<uuid>/``, default ``verify_signature`` validation): its own virtual
  environment under .bench-venvs/ (it pins stripe<16; django-eyt-audit from this repository for the same
  middleware), built by ``harness.other_venv``; Stripe's API is the same localstripe (``STRIPE_API_HOST``). Its
  handler runs in the request and re-fetches from the API. Two set-up shortcuts (``djstripe_setup.py``): its
  tables are made from its models (its migrations cost minutes of CPU here), and its API key's owner Account row
  is made up front (dj-stripe fetches it once from ``/v1/account``, which localstripe lacks).

Then ``--rounds`` times 20 concurrent deliveries of one new event to each side: how many requests began
processing the event (dj-stripe: passed ``Event.process``'s ``exists()`` check), how often its handler ran
(dj-stripe: in the requests; ours: in 4 concurrent workers afterwards) and how many of those runs committed.
Goals (ours): 0 Stripe API calls in the request, ack p99 under 25 ms, at least 500 events/s ingest.
The machine is shared: the load average (``uptime``) is printed before and after; compare ratios, not times.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import NamedTemporaryFile
from typing import Any, cast

import requests
import stripe

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from benchcount import MARK_HEADER_PREFIX, QUERIES_HEADER, STRIPE_HEADER  # noqa: E402
from harness import ROOT, ensure_postgres_database, other_venv, print_table, run_json  # noqa: E402

SECRET = "whsec_bench"
API_KEY = "sk_test_eytbench0000000000000000000"
DB_NAME = "eyt_webhooks_bench"
DJSTRIPE_DB_NAME = "eyt_bench_djstripe"
DJSTRIPE_REQUIREMENTS = [
    "dj-stripe==2.11.*",
    "Django>=5.2,<6.1",
    "psycopg[binary]>=3.3.4",
    "gunicorn>=23",
    "-e",
    str(ROOT / "packages" / "django-eyt-audit"),  # the same AuditContextMiddleware as ours (benchstack)
]
SENDERS = 4  # concurrent senders: wrk threads, one connection each at a time
# The same server for both sides. A gthread worker accepts connections until it holds --worker-connections
# (default 1000) and keeps them: 4 keep-alive senders landed on 2 workers at random, often 3 on one, whose
# requests then took turns at that process's GIL (the p99) while the other idled. Here a worker holds one
# connection and closes it after the answer (no keep-alive), so each delivery goes to a free worker, on a
# connection of its own, as separate webhook deliveries arrive.
GUNICORN = {"workers": SENDERS, "worker_class": "gthread", "threads": 1, "worker_connections": 1, "keep_alive": 0}
# The concurrent rounds open 20 connections first, then post on them together: a server of their own.
ROUNDS_GUNICORN = {"workers": 2, "worker_class": "gthread", "threads": 4, "worker_connections": 1000, "keep_alive": 30}
WRK = "wrk"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
TASK_BACKENDS = {
    "dummy": "Django's DummyBackend (enqueues in memory, runs nothing)",
    "rq": f"django-tasks-rq on Redis ({REDIS_URL}; not consumed during the run)",
}
DUPLICATE_SHARE = 0.2
WARMUP = 50
INTENTS_PER_CUSTOMER = 10
CONCURRENT_DELIVERIES = 20
WORKER_THREADS = 4


@dataclass
class Delivery:
    """One POST of an event as a Python sender saw it (the concurrent rounds), with the server's counts."""

    first: bool  # the first send of this event in the sequence (later ones are Stripe's duplicates)
    seconds: float
    status: int
    queries: int
    stripe_requests: int
    marks: dict[str, int] = field(default_factory=dict)


@dataclass
class Kind:
    """wrk's sums over the measured deliveries of one kind (first sends or duplicates)."""

    answers: int
    non_2xx: int
    queries: int
    stripe_requests: int
    uncounted: int  # answers without the count headers

    def mean(self, total: int) -> str:
        return f"{total / self.answers:.2f}" if self.answers and not self.uncounted else "n/a"


@dataclass
class Load:
    """What wrk measured over the deliveries after the warm-up."""

    requests: int
    wall: float  # seconds from the first request sent to the last answer received
    p50: float  # seconds
    p90: float
    p99: float
    max: float
    errors: dict[str, int]  # wrk's socket errors and timeouts
    first: Kind
    duplicate: Kind
    server_cpu: float = 0.0  # CPU seconds of gunicorn's processes meanwhile (the signing is done before)

    @property
    def rate(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    @property
    def non_2xx(self) -> int:
        return self.first.non_2xx + self.duplicate.non_2xx + sum(self.errors.values())

    def per_delivery(self, attribute: str) -> tuple[str, str, str]:
        """Mean of a count over every delivery, first sends and duplicates."""
        first, duplicate = self.first, self.duplicate
        every = Kind(
            first.answers + duplicate.answers,
            0,
            first.queries + duplicate.queries,
            first.stripe_requests + duplicate.stripe_requests,
            first.uncounted + duplicate.uncounted,
        )
        return tuple(  # type: ignore[return-value]
            kind.mean(getattr(kind, attribute)) for kind in (every, first, duplicate)
        )


@dataclass
class Side:
    """What one side's run measured."""

    name: str
    load: Load  # the measured deliveries (after the warm-up)
    rounds: list[list[Delivery]] = field(default_factory=list)  # the concurrent rounds' deliveries
    started: list[int] = field(default_factory=list)  # per round: deliveries that began processing the event
    handler_runs: list[int] = field(default_factory=list)  # per round: runs of the event's handler
    handler_commits: list[int] = field(default_factory=list)  # per round: those runs that committed
    stored: int = 0  # ours: inbox rows after the deliveries
    processing: tuple[int, float] = (0, 0.0)  # ours: events processed by one worker, seconds
    report: dict[str, Any] = field(default_factory=dict)  # dj-stripe: rows its deliveries left


# Servers and databases -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(name: str, *, drop_only: bool = False) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Server:
    """A running gunicorn: its base URL and master process."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the master and its workers so far (from /proc; 0.0 elsewhere)."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            if pid == self.pid or int(fields[1]) == self.pid:  # fields[1]: the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


@contextmanager
def gunicorn(
    python: Path | str, settings: str, env: dict[str, str], config: dict[str, Any] = GUNICORN
) -> Iterator[Server]:
    """gunicorn serving ``wsgi.py`` of this folder with ``settings``, ``config`` its workers."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(config["workers"]),
            "--worker-class",
            str(config["worker_class"]),
            "--threads",
            str(config["threads"]),
            "--worker-connections",
            str(config["worker_connections"]),
            "--keep-alive",
            str(config["keep_alive"]),
            "--log-level",
            "warning",
            "--chdir",
            str(HERE),
        ],
        env={
            **os.environ,
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
            "DJANGO_SETTINGS_MODULE": settings,
        },
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ({settings}) did not start")
            time.sleep(0.1)
        yield Server(f"http://127.0.0.1:{port}", server.pid)
    finally:
        server.terminate()
        server.wait()


def empty_queue() -> None:
    """Deletes every RQ key in the benchmark's Redis database (``--tasks rq``): the wake-up jobs of a run."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter("rq:*"))
    if keys:
        client.delete(*keys)
    client.close()


def setup_django(tasks: str) -> None:
    import django

    os.environ["BENCH_DB_NAME"] = DB_NAME
    os.environ["BENCH_TASKS"] = tasks
    os.environ["BENCH_REDIS_URL"] = REDIS_URL
    os.environ["BENCH_WEBHOOK_SECRET"] = SECRET
    os.environ["BENCH_STRIPE_KEY"] = API_KEY
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite"
    django.setup()


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


# Events ----------------------------------------------------------------------------------------------------------


def make_events(api: str, count: int) -> list[bytes]:
    """``count`` confirmed intents in localstripe, their payments in our database, and the bodies of the
    ``payment_intent.succeeded`` events localstripe recorded for them (in creation order)."""
    from eyt_payments.models import Payment

    client = stripe.StripeClient(API_KEY, base_addresses={"api": api}, max_network_retries=0)
    customers = [
        client.v1.customers.create(params={"email": f"bench{i}@example.com"}).id
        for i in range(-(-count // INTENTS_PER_CUSTOMER))
    ]
    payments = [
        Payment(payment_type="bench", amount_minor=1000 + i, currency="usd", idempotency_key=f"bench:{uuid.uuid4()}")
        for i in range(count)
    ]
    for i, payment in enumerate(payments):
        intent = client.v1.payment_intents.create(
            params={
                "amount": payment.amount_minor,
                "currency": "usd",
                "customer": customers[i // INTENTS_PER_CUSTOMER],
                "payment_method": "pm_card_visa",
                "confirm": True,
                "metadata": {"eyt_payment_id": str(payment.pk)},
            }
        )
        payment.stripe_payment_intent_id = intent.id
    Payment.objects.bulk_create(payments, batch_size=1000)
    by_intent = {event["data"]["object"]["id"]: event for event in recorded_events(api, "payment_intent.succeeded")}
    return [json.dumps(by_intent[payment.stripe_payment_intent_id]).encode() for payment in payments]


def recorded_events(api: str, event_type: str) -> Iterator[dict[str, Any]]:
    """Every event of ``event_type`` localstripe holds, as the raw JSON it would deliver."""
    after = None
    while True:
        params: dict[str, str | int] = {"type": event_type, "limit": 100}
        if after:
            params["starting_after"] = after
        page = requests.get(f"{api}/v1/events", params=params, auth=(API_KEY, ""), timeout=30).json()
        yield from page["data"]
        if not page["has_more"]:
            return
        after = page["data"][-1]["id"]


def deliveries(bodies: list[bytes]) -> list[tuple[bytes, bool]]:
    """Every body once plus 20% duplicates, shuffled; each with whether it is the first send of its event."""
    duplicates = random.Random(6).choices(bodies, k=int(len(bodies) * DUPLICATE_SHARE))
    ordered = bodies + duplicates
    random.Random(7).shuffle(ordered)
    seen: set[bytes] = set()
    sequence = []
    for body in ordered:
        sequence.append((body, body not in seen))
        seen.add(body)
    return sequence


# Sending ---------------------------------------------------------------------------------------------------------


def post(session: requests.Session, url: str, body: bytes, first: bool) -> Delivery:
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
    started = time.perf_counter()
    response = session.post(
        url, data=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}, timeout=60
    )
    elapsed = time.perf_counter() - started
    headers = response.headers
    marks = {
        key[len(MARK_HEADER_PREFIX) :].lower(): int(value)
        for key, value in headers.items()
        if key.lower().startswith(MARK_HEADER_PREFIX.lower())
    }
    return Delivery(
        first,
        elapsed,
        response.status_code,
        int(headers.get(QUERIES_HEADER, -1)),
        int(headers.get(STRIPE_HEADER, -1)),
        marks,
    )


def send_all(server: Server, url: str, sequence: list[tuple[bytes, bool]]) -> Load:
    """The first WARMUP deliveries (not measured), then the rest, both by wrk; returns what wrk measured of the
    rest, with the CPU seconds the server's processes spent meanwhile. The warm-up runs at the same concurrency,
    so every worker thread the run uses has opened its database connection and loaded its code before."""
    drive(url, sequence[:WARMUP])
    cpu = server.cpu_seconds()
    load = drive(url, sequence[WARMUP:])
    load.server_cpu = server.cpu_seconds() - cpu
    return load


def drive(url: str, sequence: list[tuple[bytes, bool]]) -> Load:
    """wrk sends ``sequence`` from SENDERS connections (``deliveries.lua``), each delivery once, signed now."""
    with NamedTemporaryFile("wb", prefix="eyt-webhook-deliveries-", suffix=".txt") as file:
        for body, first in sequence:
            if b"\n" in body:
                raise ValueError("a body with a line break (the deliveries file has one body per line)")
            header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
            file.write(b"%d\n%s\n%s\n" % (first, header.encode(), body))
        file.flush()
        command = [WRK, f"-t{SENDERS}", f"-c{SENDERS}", "-d3600s", "--timeout", "30s", "-s", "deliveries.lua"]
        wrk = subprocess.Popen(
            [*command, url, "--", file.name, str(SENDERS)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=HERE,
        )
        assert wrk.stdout is not None
        done, result = 0, None
        for line in wrk.stdout:  # wrk's main thread sleeps for -d: interrupt it once every thread is done
            if line.startswith("eyt-thread-done"):
                done += 1
                if done == SENDERS:
                    wrk.send_signal(signal.SIGINT)
            elif line.startswith("eyt-result "):
                result = json.loads(line[len("eyt-result ") :])
        if wrk.wait() != 0 or result is None:
            raise RuntimeError(f"wrk failed (exit code {wrk.returncode})")
    firsts = sum(first for _, first in sequence)
    if (result["requests"], result["first"]["answers"]) != (len(sequence), firsts):
        raise RuntimeError(f"wrk answered {result['requests']} of {len(sequence)} deliveries ({firsts} first sends)")
    return Load(
        requests=result["requests"],
        wall=result["wall_us"] / 1e6,
        p50=result["p50_us"] / 1e6,
        p90=result["p90_us"] / 1e6,
        p99=result["p99_us"] / 1e6,
        max=result["max_us"] / 1e6,
        errors=result["errors"],
        first=Kind(**result["first"]),
        duplicate=Kind(**result["duplicate"]),
    )


def concurrent_round(url: str, body: bytes) -> list[Delivery]:
    """CONCURRENT_DELIVERIES deliveries of one event, each on its own connection, released together."""
    sessions = [requests.Session() for _ in range(CONCURRENT_DELIVERIES)]
    for session in sessions:  # open the connections first, so the POSTs start together
        session.get(url, timeout=30)
    barrier = threading.Barrier(CONCURRENT_DELIVERIES)

    def send(session: requests.Session) -> Delivery:
        barrier.wait()
        return post(session, url, body, True)

    with ThreadPoolExecutor(CONCURRENT_DELIVERIES) as pool:
        return list(pool.map(send, sessions))


# Our worker ------------------------------------------------------------------------------------------------------


def process_all() -> tuple[int, float]:
    from eyt_payments.webhooks.processing import process_due

    started = time.perf_counter()
    total = 0
    while batch := sum(process_due(500).values()):
        total += batch
    return total, time.perf_counter() - started


def process_concurrently(bodies: Sequence[bytes]) -> tuple[list[int], list[int]]:
    """WORKER_THREADS workers process what is due at once; per event: handler runs, succeeded transitions."""
    from django.db import connection

    from eyt_payments import signals
    from eyt_payments.webhooks import handlers, processing

    intents = [json.loads(body)["data"]["object"]["id"] for body in bodies]
    runs: Counter[str] = Counter()
    transitions: Counter[str] = Counter()
    lock = threading.Lock()
    handle = handlers.handle

    def counting_handle(event: handlers.StripeEvent) -> handlers.Outcome:
        with lock:
            runs[event.object["id"]] += 1
        return handle(event)

    def on_succeeded(sender: object, payment: object, **kwargs: object) -> None:
        with lock:
            transitions[payment.stripe_payment_intent_id] += 1  # type: ignore[attr-defined]

    def worker(barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            processing.process_due(100)
        finally:
            connection.close()

    handlers.handle = counting_handle
    signals.payment_succeeded.connect(on_succeeded, dispatch_uid="bench_transitions")
    try:
        barrier = threading.Barrier(WORKER_THREADS)
        threads = [threading.Thread(target=worker, args=(barrier,)) for _ in range(WORKER_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        handlers.handle = handle
        signals.payment_succeeded.disconnect(dispatch_uid="bench_transitions")
    return [runs[intent] for intent in intents], [transitions[intent] for intent in intents]


def commit_floor(rounds: int = 500) -> tuple[float, float]:
    """Seconds (p50, p99) of one bare psycopg INSERT ... ON CONFLICT DO NOTHING in autocommit, one at a time: the
    durable write every ack needs. Its p99 shows what the database and the machine add to the tail."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id text PRIMARY KEY, body text)")
    raw.commit()
    samples = []
    for i in range(rounds):
        started = time.perf_counter()
        with raw.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor VALUES (%s, %s) ON CONFLICT DO NOTHING", [f"f{i}", "x" * 900])
        raw.commit()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), percentile(samples, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(len(ordered) * p / 100)) - 1)]


# Sides -----------------------------------------------------------------------------------------------------------


def run_ours(api: str, sequence: list[tuple[bytes, bool]], singles: list[bytes]) -> Side:
    """Deliveries to our view, the worker over what they stored, then the concurrent rounds and their workers."""
    from eyt_payments.models import WebhookEvent

    env = {"BENCH_STRIPE_API": api}
    with gunicorn(sys.executable, "benchsite", env) as server:
        side = Side("django-eyt-payments", send_all(server, f"{server.url}/payments/webhook/", sequence))
    side.stored = WebhookEvent.objects.count()
    side.processing = process_all()
    with gunicorn(sys.executable, "benchsite", env, ROUNDS_GUNICORN) as server:
        side.rounds = [concurrent_round(f"{server.url}/payments/webhook/", body) for body in singles]
    side.handler_runs, side.handler_commits = process_concurrently(singles)
    side.started = [0] * len(singles)  # the request only stores
    return side


def run_djstripe(python: Path, api: str, sequence: list[tuple[bytes, bool]], singles: list[bytes]) -> Side:
    """The same deliveries and rounds to dj-stripe's view, served from its own virtual environment."""
    env = {
        "BENCH_DB_NAME": DJSTRIPE_DB_NAME,
        "BENCH_WEBHOOK_SECRET": SECRET,
        "BENCH_STRIPE_API": api,
        "BENCH_STRIPE_KEY": API_KEY,
    }
    endpoint = cast(dict[str, Any], run_json(python, HERE / "djstripe_setup.py", "setup", env=env))
    with gunicorn(python, "djstripe_site", env) as server:
        side = Side(
            f"dj-stripe {endpoint['versions']['dj-stripe']}", send_all(server, server.url + endpoint["path"], sequence)
        )
    with gunicorn(python, "djstripe_site", env, ROUNDS_GUNICORN) as server:
        side.rounds = [concurrent_round(server.url + endpoint["path"], body) for body in singles]
    side.started, side.handler_runs, side.handler_commits = (
        [sum(d.marks.get(name, 0) for d in round_) for round_ in side.rounds]
        for name in ("event_syncs", "handler_runs", "handler_commits")
    )
    side.report = cast(dict[str, Any], run_json(python, HERE / "djstripe_setup.py", "report", env=env))
    side.name += f" (stripe {endpoint['versions']['stripe']}, Django {endpoint['versions']['Django']})"
    return side


# Reporting -------------------------------------------------------------------------------------------------------


def mean(values: Sequence[int]) -> str:
    return f"{statistics.mean(values):.2f}" if values else "n/a"


def times(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}x" if ours else "n/a"


def server(config: dict[str, Any] = GUNICORN) -> str:
    connections = "keep-alive" if config["keep_alive"] else "one connection per delivery"
    return "gunicorn {workers} {worker_class} workers x {threads} thread(s), ".format(**config) + connections


def print_comparison(sides: list[Side], events: int, sent: int) -> None:
    headers = ["measure", *(side.name for side in sides)] + (["dj-stripe / ours"] if len(sides) > 1 else [])
    rows: list[list[object]] = []

    def row(label: str, values: list[str], ratio: str = "") -> None:
        rows.append([label, *values, *([ratio] if len(sides) > 1 else [])])

    loads = [side.load for side in sides]
    for label, attribute in (("ack latency p50", "p50"), ("ack latency p90", "p90"), ("ack latency p99", "p99")):
        seconds = [getattr(load, attribute) for load in loads]
        row(label, [f"{s * 1000:.2f} ms" for s in seconds], times(seconds[0], seconds[-1]))
    rates = [load.rate for load in loads]
    row(f"deliveries/s ({SENDERS} senders)", [f"{r:.0f}" for r in rates], f"{rates[0] / rates[-1]:.1f}x fewer")
    cpu = [load.server_cpu / load.requests for load in loads]
    row("server CPU per delivery (gunicorn)", [f"{c * 1000:.2f} ms" for c in cpu], times(cpu[0], cpu[-1]))
    row("non-2xx answers, socket errors", [str(load.non_2xx) for load in loads])
    for attribute, label in (("stripe_requests", "Stripe API calls"), ("queries", "DB queries")):
        counts = [load.per_delivery(attribute) for load in loads]
        for i, kind in enumerate((f"{label} per delivery", "  first delivery of an event", "  duplicate delivery")):
            values = [c[i] for c in counts]
            comparable = attribute == "queries" and "n/a" not in values
            row(kind, values, times(float(values[0]), float(values[-1])) if comparable else "")
    print_table(
        f"Webhook request, {sent} deliveries of {events} localstripe payment_intent.succeeded events "
        f"({DUPLICATE_SHARE:.0%} duplicates, first {WARMUP} unmeasured), wrk with {SENDERS} senders, "
        f"{server()}, PostgreSQL, the same middleware stack (benchstack)",
        headers,
        rows,
    )


def print_ours(side: Side, events: int, floor: tuple[float, float], tasks: str) -> None:
    load = side.load
    processed, seconds = side.processing
    print_table(
        f"{side.name}: goals and the worker",
        ["measure", "value", "goal"],
        [
            ["ack latency p99", f"{load.p99 * 1000:.2f} ms", "< 25 ms"],
            ["ingest", f"{load.rate:.0f} events/s", ">= 500 events/s"],
            ["Stripe API calls in the request", str(load.first.stripe_requests + load.duplicate.stripe_requests), "0"],
            ["events stored (unique)", f"{side.stored} of {events}", str(events)],
            ["wake-up task enqueued after commit on", TASK_BACKENDS[tasks], ""],
            ["processed by one worker", f"{processed} at {processed / seconds:.0f} events/s", ""],
            ["floor: bare INSERT + COMMIT (psycopg) p50 / p99", " / ".join(f"{s * 1000:.2f} ms" for s in floor), ""],
        ],
    )


def print_theirs(side: Side, events: int) -> None:
    report = side.report
    print_table(
        f"{side.name}: what the deliveries left",
        ["measure", "value"],
        [
            ["events stored (unique)", f"{report['events']} of {events + len(side.rounds)}"],
            ["payment intents synced", str(report["payment_intents"])],
            ["triggers (one per delivery)", str(report["triggers"])],
            ["triggers with an exception", str(report["triggers_failed"])],
            ["first exception", str(report["first_error"] or "-")[:100]],
        ],
    )


def print_rounds(sides: list[Side]) -> None:
    rows = []
    for side in sides:
        rounds = side.rounds
        rows.append(
            [
                side.name,
                str(len(rounds)),
                str(sum(d.status >= 300 for round_ in rounds for d in round_)),
                " ".join(map(str, side.started)),
                " ".join(map(str, side.handler_runs)),
                " ".join(map(str, side.handler_commits)),
                mean([d.stripe_requests for round_ in rounds for d in round_]),
            ]
        )
    print_table(
        f"{CONCURRENT_DELIVERIES} concurrent deliveries of one new event: counts per round "
        f"(ours: the requests store, then {WORKER_THREADS} concurrent workers process; {server(ROUNDS_GUNICORN)})",
        [
            "side",
            "rounds",
            "non-2xx",
            "processing begun in the request",
            "handler runs",
            "committed runs",
            "API calls/delivery",
        ],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600, help="distinct events (deliveries: +20%% duplicates)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 20 concurrent deliveries of one event")
    parser.add_argument("--ours-only", action="store_true", help="skip dj-stripe's side")
    parser.add_argument(
        "--tasks",
        choices=sorted(TASK_BACKENDS),
        default="dummy",
        help="task backend our request enqueues the wake-up task on (default: dummy)",
    )
    parser.add_argument("--workers", type=int, default=GUNICORN["workers"], help="gunicorn gthread workers")
    parser.add_argument("--threads", type=int, default=GUNICORN["threads"], help="threads per worker")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="keep connections open (gunicorn's defaults: a worker accepts up to 1000 and keeps them 30 s)",
    )
    args = parser.parse_args()
    GUNICORN.update(workers=args.workers, threads=args.threads, worker_connections=args.threads)
    if args.keep_alive:
        GUNICORN.update(worker_connections=1000, keep_alive=30)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... (the benchmark runs on PostgreSQL).")
    if args.events <= WARMUP:
        sys.exit(f"--events must be over {WARMUP}.")
    if not args.keep_alive and args.workers * args.threads < SENDERS:
        sys.exit(f"--workers x --threads must be at least {SENDERS} (a connection per sender).")
    if subprocess.run([WRK, "--version"], capture_output=True).returncode not in (0, 1):  # wrk --version exits 1
        sys.exit("The benchmark sends with wrk (apt install wrk).")
    load_before = uptime()
    djstripe_python = None
    if not args.ours_only:
        progress("dj-stripe's virtual environment")
        djstripe_python = other_venv("djstripe", DJSTRIPE_REQUIREMENTS)
    ensure_postgres_database(os.environ["DATABASE_URL"])
    recreate_database(DB_NAME)
    if args.tasks == "rq":
        empty_queue()
    setup_django(args.tasks)
    from django.core.management import call_command

    from eyt_testing.localstripe import running_localstripe

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    try:
        with running_localstripe() as localstripe:
            progress(f"creating {args.events + args.rounds} payment intents in localstripe")
            bodies = make_events(localstripe.url, args.events + args.rounds)
            singles, bodies = bodies[: args.rounds], bodies[args.rounds :]
            sequence = deliveries(bodies)
            progress(f"ours: {len(sequence)} deliveries, the worker, {args.rounds} concurrent rounds")
            sides = [run_ours(localstripe.url, sequence, singles)]
            if djstripe_python is not None:
                recreate_database(DJSTRIPE_DB_NAME)
                progress(f"dj-stripe: schema, {len(sequence)} deliveries, {args.rounds} concurrent rounds")
                sides.append(run_djstripe(djstripe_python, localstripe.url, sequence, singles))
        floor = commit_floor()
    finally:
        from django.db import connections

        connections.close_all()
        for name in (DB_NAME, DJSTRIPE_DB_NAME):
            recreate_database(name, drop_only=True)
        if args.tasks == "rq":
            empty_queue()
    print_comparison(sides, len(bodies), len(sequence))
    print_ours(sides[0], len(bodies), floor, args.tasks)
    if len(sides) > 1:
        print_theirs(sides[1], len(bodies))
    print_rounds(sides)
    print(
        f"\nload before: {load_before}\nload after:  {uptime()}\nrun (after setup): {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
