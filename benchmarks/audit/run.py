"""django-eyt-audit against django-auditlog and django-simple-history on one 6-field model, PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python benchmarks/audit/run.py \
        [--ops 200] [--rounds 5] [--verify-size 1000000]

Creates a throwaway database next to DATABASE_URL's and measures queries and the median wall time of each tracked
operation as a ratio to the untracked model (autocommit, then each operation in its own atomic block). The sides
take turns, 20 operations each, and every operation is timed alone, so a change in the machine's speed lands on
every side alike and a burst of load moves a few samples, not a side's figure. For scale it times a floor: the
untracked model plus one more raw INSERT in the same commit, the least any same-commit trail adds. Then it measures
the append rate of 4 writer processes and the verify rate over a chain of --verify-size entries (filled with COPY,
chain values from the package's own canonical form and key), prints the tables and drops the database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH_DB = "eyt_audit_bench"


def configure(database_name: str | None = None) -> None:
    import django
    import environ
    from django.conf import settings

    sys.path.insert(0, str(HERE))
    database = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if database["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("DATABASE_URL must point at PostgreSQL")
    database["NAME"] = database_name or BENCH_DB
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="benchmark",
        EYT_AUDIT_HMAC_KEY="benchmark-hmac-key-of-at-least-32-bytes",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "auditlog",
            "simple_history",
            "eyt_audit",
            "benchapp",
        ],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        LOGGING_CONFIG=None,
    )
    django.setup()
    from auditlog.registry import auditlog
    from benchapp.models import WithAuditlog, WithEyt

    from eyt_audit import register

    auditlog.register(WithAuditlog)
    register(WithEyt)


def create_database() -> None:
    import environ
    import psycopg

    url = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=url["HOST"],
        port=url["PORT"] or 5432,
        user=url["USER"],
        password=url["PASSWORD"] or None,
        dbname=url["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import environ
    import psycopg
    from django.db import connections

    connections.close_all()
    url = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=url["HOST"],
        port=url["PORT"] or 5432,
        user=url["USER"],
        password=url["PASSWORD"] or None,
        dbname=url["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


# --- per-operation cost -------------------------------------------------------------------------------------------

OPERATIONS = ("create", "update", "no-op save", "delete")
FLOOR = "floor: 1 more INSERT"


SLICE = 20  # operations of one kind on one side before the next side takes its turn


def step(operation: str, model, objs: list, i: int, joined) -> None:
    """Operation number ``i`` of one kind on ``model``; ``objs`` holds the objects its creates made."""
    if operation == "create":
        objs.append(
            model.objects.create(
                name=f"n{i}", email=f"{i}@example.com", score=i, price=Decimal("1.50"), active=True, joined=joined
            )
        )
    elif operation == "update":
        objs[i].score = i + 1
        objs[i].save()
    elif operation == "no-op save":
        objs[i].save()
    else:
        objs[i].delete()


def measure_round(models: dict, ops: int, atomic: bool, turn: int, durations: dict, queries: dict) -> None:
    """``ops`` operations of each kind on every side, in slices of ``SLICE`` taken in turn, so that the machine's
    drift in speed lands on every side alike. Adds each operation's seconds to ``durations`` and sets queries per
    operation in ``queries``."""
    from django.db import connection, transaction
    from django.utils import timezone

    joined = timezone.now()
    wrap = transaction.atomic if atomic else _nothing
    clock = time.perf_counter
    objs: dict[str, list] = {label: [] for label in models}
    order = list(models.items())
    for operation in OPERATIONS:
        counters = {label: Counter() for label in models}
        for start in range(0, ops, SLICE):
            turn += 1
            for label, model in order[turn % len(order) :] + order[: turn % len(order)]:
                seconds = durations[label][operation]
                with connection.execute_wrapper(counters[label]):
                    for i in range(start, min(start + SLICE, ops)):
                        started = clock()
                        with wrap():
                            step(operation, model, objs[label], i, joined)
                        seconds.append(clock() - started)
        for label, counter in counters.items():
            queries[label][operation] = counter.count / ops


class Counter:
    """Statements sent through Django's cursors (BEGIN/COMMIT are not: they are the same for every package)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def per_operation(ops: int, rounds: int) -> dict[tuple[str, bool], dict[str, dict[str, tuple[float, float]]]]:
    from benchapp.models import Floor, Plain, WithAuditlog, WithEyt, WithHistory

    models = {
        "untracked": Plain,
        "django-auditlog": WithAuditlog,
        "simple-history": WithHistory,
        "eyt_audit": WithEyt,
        FLOOR: Floor,
    }
    table: dict = {}
    for atomic in (False, True):
        durations: dict[str, dict[str, list[float]]] = {label: {op: [] for op in OPERATIONS} for label in models}
        queries: dict[str, dict[str, float]] = {label: {} for label in models}
        for round_ in range(rounds):
            measure_round(models, ops, atomic, round_, durations, queries)
        table[atomic] = {
            label: {op: (statistics.median(durations[label][op]), queries[label][op]) for op in OPERATIONS}
            for label in models
        }
    return table


def print_per_operation(table) -> None:
    for atomic, rows in table.items():
        mode = "each operation in transaction.atomic()" if atomic else "autocommit"
        print(f"\nPer operation, {mode}: median time as a ratio to untracked (queries per op; untracked µs)")
        base = rows["untracked"]
        header = f"{'':22}" + "".join(f"{op:>24}" for op in OPERATIONS)
        print(header)
        print(
            f"{'untracked':22}" + "".join(f"{base[op][0] * 1e6:>14.0f} µs ({base[op][1]:.0f} q)" for op in OPERATIONS)
        )
        for label, values in rows.items():
            if label == "untracked":
                continue
            cells = "".join(f"{values[op][0] / base[op][0]:>15.2f}x ({values[op][1]:.1f} q)" for op in OPERATIONS)
            print(f"{label:22}{cells}")
    print(
        f"\n{FLOOR}: the untracked model plus one more INSERT of a two-column row (raw SQL, nothing computed) in the"
        "\nsame commit, in a transaction opened for it in autocommit mode: no trail written in the same commit as the"
        "\nchange it records can cost less on this machine."
    )


# --- where a tracked create's time goes ---------------------------------------------------------------------------


def breakdown(ops: int) -> dict[str, float]:
    """Medians in seconds, each create in ``transaction.atomic()``: an untracked and a tracked create, the wall time
    of the entry's statement, the server's planning and execution of it (``EXPLAIN ANALYZE`` of the same statement,
    replayed in a transaction rolled back), and building and chaining the entry in Python without the database."""
    from benchapp.models import Plain, WithEyt
    from django.db import connection, transaction
    from django.utils import timezone

    from eyt_audit import ledger
    from eyt_audit.tracking import tracked
    from eyt_audit.trail import build_row

    joined = timezone.now()
    samples: dict[str, list[float]] = {
        name: [] for name in ("untracked", "tracked", "statement", "planning", "execution", "python")
    }
    entries_table = connection.ops.quote_name("eyt_audit_auditentry")
    captured: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if f"INSERT INTO {entries_table}" in sql:
                samples["statement"].append(time.perf_counter() - started)
                captured[:] = [(sql.split("; ", 1)[-1], params)]  # without the SAVEPOINT in front

    objs: dict[str, list] = {"untracked": [], "tracked": []}
    for i in range(ops):
        for label, model in (("untracked", Plain), ("tracked", WithEyt)):
            started = time.perf_counter()
            with connection.execute_wrapper(capture), transaction.atomic():
                step("create", model, objs[label], i, joined)
            samples[label].append(time.perf_counter() - started)
        planning, execution = _explain_entry_statement(*captured[0])
        samples["planning"].append(planning)
        samples["execution"].append(execution)
    config = tracked(WithEyt)
    for obj in objs["tracked"]:
        started = time.perf_counter()
        row = build_row(f"{config.label}.created", obj, changes=config.snapshot(obj, created=True))
        ledger.chained_entries([row], 1, "")
        samples["python"].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def _explain_entry_statement(statement: str, params: object) -> tuple[float, float]:
    """Planning and execution seconds of the entry statement just run, replayed with the head moved back to where it
    stood before it (the statement compares the head), in a transaction rolled back."""
    from django.db import connection, transaction

    from eyt_audit.models import ChainHead

    sequence, _chain, _head, before, before_chain, _rows = params  # the compare-and-insert's parameters
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL eyt_audit.allow_prune = on")  # the entry is deleted, to be inserted again
        cursor.execute("DELETE FROM eyt_audit_auditentry WHERE sequence = %s", [sequence])
        ChainHead.objects.update(sequence=before, chain=before_chain)
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params)
        (plan,) = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM eyt_audit_auditentry WHERE sequence = %s", [sequence])
        if cursor.fetchone()[0] != 1:
            sys.exit("the replayed entry statement did not insert its entry")
        transaction.set_rollback(True)
    return plan["Planning Time"] / 1000, plan["Execution Time"] / 1000


def print_breakdown(medians: dict[str, float]) -> None:
    untracked, tracked_create = medians["untracked"], medians["tracked"]
    extra = tracked_create - untracked
    server = medians["planning"] + medians["execution"]
    rest = extra - medians["statement"] - medians["python"]

    def us(seconds: float) -> str:
        return f"{seconds * 1e6:.0f} µs"

    print("\nWhere a tracked create's time goes, each in transaction.atomic() (medians of a pass of its own)")
    print(
        f"  untracked {us(untracked)}, eyt_audit {us(tracked_create)}: {us(extra)} more; a 1.5x goal allows {us(untracked / 2)}"
    )
    print(
        f"  the entry's statement: {us(medians['statement'])} wall, of which the server spends {us(server)}"
        f" ({us(medians['planning'])} planning, {us(medians['execution'])} inserting the entry and moving the head)"
    )
    print(f"  building and chaining the entry in Python: {us(medians['python'])}")
    print(f"  the rest (tracking, signals, the commit of a larger transaction): {us(rest)}")


# --- concurrent appends -------------------------------------------------------------------------------------------


def _writer(count: int, ready, go, elapsed) -> None:
    configure()
    from django.db import connection, transaction

    from eyt_audit import record

    record("bench.warmup")
    ready.release()
    go.wait()
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic():
            record("bench.concurrent", metadata={"n": n, "pid": os.getpid()})
    elapsed.put(time.perf_counter() - started)
    connection.close()


def concurrent_appends(writers: int, per_writer: int) -> float:
    """Entries per second while ``writers`` processes append at once (timed after each has set up Django)."""
    context = multiprocessing.get_context("spawn")
    ready, go, elapsed = context.Semaphore(0), context.Event(), context.Queue()
    processes = [context.Process(target=_writer, args=(per_writer, ready, go, elapsed)) for _ in range(writers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    go.set()
    slowest = max(elapsed.get() for _ in processes)
    for process in processes:
        process.join()
    if any(process.exitcode for process in processes):
        sys.exit("a writer process failed")
    return writers * per_writer / slowest


# --- verify ---------------------------------------------------------------------------------------------------------


def build_chain(size: int, batch: int = 20_000) -> None:
    """Append ``size`` entries to the chain: chain values computed with the package's own canonical form and key,
    rows streamed into the table with COPY (the fast way to fill a table; ``record()`` is measured above)."""
    from django.db import connection, transaction
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from eyt_audit import ledger
    from eyt_audit.chain import linker
    from eyt_audit.models import ENTRY_FIELDS, AuditEntry, ChainHead
    from eyt_audit.trail import build_row

    template = build_row("bench.filled", metadata={"amount": "12.50", "currency": "eur", "payment": 0})
    template["created_at"] = timezone.now()
    link_with = linker()
    columns = ", ".join([*ENTRY_FIELDS, "chain"])
    json_fields = {"changes", "metadata", "context"}
    with transaction.atomic():
        sequence, previous = ledger._claim(connection, size, "default", None)
        sequence -= size
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for start in range(0, size, batch):
                with raw.copy(f"COPY {AuditEntry._meta.db_table} ({columns}) FROM STDIN") as copy:
                    for _ in range(min(batch, size - start)):
                        sequence += 1
                        metadata = {**template["metadata"], "payment": sequence}
                        values = {**template, "sequence": sequence, "metadata": metadata}
                        previous = link_with(previous, ledger.canonical_form(values))
                        copy.write_row(
                            [Jsonb(values[name]) if name in json_fields else values[name] for name in ENTRY_FIELDS]
                            + [previous]
                        )
        ChainHead.objects.filter(pk=ledger.HEAD_ID).update(chain=previous)


def verify_rate() -> tuple[int, float, float]:
    """Entries checked, wall seconds and this process's CPU seconds (the rest is the server's work and waiting for
    a core on a busy machine)."""
    from eyt_audit.verification import verify

    cpu = time.process_time()
    report = verify()
    if not report.ok:
        sys.exit(f"verify failed: {report.problem}")
    return report.checked, report.seconds, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=200, help="operations per kind, per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--per-writer", type=int, default=500)
    parser.add_argument("--verify-size", type=int, default=1_000_000, help="entries in the chain verify walks")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("set DATABASE_URL=postgres://...")
    create_database()
    configure()
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("migrate", run_syncdb=True, verbosity=0)  # benchapp has no migrations
        import django

        print(f"Django {django.get_version()}, PostgreSQL, {args.ops} operations x {args.rounds} rounds")
        print_per_operation(per_operation(args.ops, args.rounds))
        print_breakdown(breakdown(args.ops * 2))
        rate = concurrent_appends(args.writers, args.per_writer)
        print(f"\nConcurrent appends: {args.writers} writer processes, {rate:,.0f} entries/s (one transaction each)")
        from eyt_audit.verification import verify

        assert verify().ok
        build_chain(args.verify_size)
        checked, seconds, cpu = verify_rate()
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"Verify: {checked:,} entries in {seconds:.1f} s ({checked / seconds:,.0f} entries/s; "
            f"{cpu:.1f} s CPU in this process; load average {load})"
        )
    finally:
        drop_database()


if __name__ == "__main__":
    main()
