"""django-eyt-payments overhead against calling stripe-python directly, both against localstripe on loopback.

For ``create_payment_intent`` and ``refund_payment`` it times the package and the bare stripe-python call that
does the same at Stripe (same parameters, same idempotency-key header, same StripeClient and HTTP session),
interleaved in one run, and counts the database queries of each package operation in a pass of its own (Django's
query capture wraps every cursor in a logging one, a cost only the package side would pay inside the timings).
Goal: under 1.2x and at most 3 queries per operation.

For scale it also times a floor: the same stripe-python call followed by the least any integration that keeps a
record of the operation must add, one durable write (a two-column row, committed). Whatever the package does, its
ratio cannot go below the floor's on the machine measured.

Last, a pass of its own splits the package's time per operation into the provider call, each database statement
(wall time, commit included) and the rest (Python: the package, Django's ORM, psycopg), so the figures show where
a redesign could still win and how much the floor alone leaves of the goal.

    python benchmarks/payments/run.py [--rounds 200]        # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python benchmarks/payments/run.py

Needs django-eyt-payments, eyt-testing and localstripe installed in the running interpreter.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import django
from django.conf import settings

OMIT = [
    "description",
    "reason",
    "automatic_payment_methods",
    "statement_descriptor_suffix",
    "receipt_email",
    "return_url",
]


def configure(api_base: str) -> None:
    from eyt_testing.settings import databases

    settings.configure(
        SECRET_KEY="bench",
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "eyt_payments"],
        DATABASES=databases(),
        EYT_PAYMENTS_SECRET_KEY="sk_test_bench",
        EYT_PAYMENTS_MAX_NETWORK_RETRIES=0,
        EYT_PAYMENTS_GATEWAY={
            "BACKEND": "eyt_payments.gateways.stripe.StripeGateway",
            "OPTIONS": {"api_base": api_base, "omit_params": OMIT},
        },
    )
    django.setup()


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test database (``test_<name>`` on PostgreSQL), migrated, dropped at the end."""
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured: object) -> int:
    """Queries run, not counting transaction control (SQLite logs BEGIN/COMMIT, PostgreSQL does not)."""
    return sum(not q["sql"].upper().startswith(TRANSACTION_CONTROL) for q in captured.captured_queries)  # type: ignore[attr-defined]


def timed(operation: Callable[[], object]) -> float:
    start = time.perf_counter()
    operation()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    from eyt_testing.localstripe import running_localstripe

    with running_localstripe() as server:
        configure(server.url)
        with throwaway_database():
            measure(args.rounds)


def measure(rounds: int) -> None:
    import stripe
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from eyt_payments.services import StripeService

    service = StripeService()
    user = get_user_model().objects.create_user("bench", "bench@example.com")
    customer = service.get_or_create_customer(user).stripe_customer_id
    client = service.gateway.client  # the same configured StripeClient the package uses
    direct = {"create": [], "refund": []}
    floored = {"create": [], "refund": []}
    package = {"create": [], "refund": []}
    queries = {"create": [], "refund": []}

    def direct_create() -> tuple[str, str]:
        key = f"eyt:pi:{uuid.uuid4()}"
        intent = client.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "usd",
                "capture_method": "automatic",
                "customer": customer,
                "metadata": {"eyt_payment_id": str(uuid.uuid4()), "eyt_payment_type": "bench"},
            },
            options={"idempotency_key": key},
        )
        return key, intent.id

    def direct_refund(intent_id: str) -> tuple[str, str]:
        key = f"eyt:pi:{uuid.uuid4()}:refund:1"
        refund = client.v1.refunds.create(
            params={
                "payment_intent": intent_id,
                "amount": 250,
                "metadata": {"eyt_payment_id": "x", "eyt_refund_id": "y", "eyt_refund_sequence": "1"},
            },
            options={"idempotency_key": key},
        )
        return key, refund.id

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_floor (idempotency_key varchar(255) PRIMARY KEY, object_id varchar(255))")

    def floor(call: Callable[[], tuple[str, str]]) -> None:
        key, object_id = call()
        with connection.cursor() as cursor:  # autocommit: one round trip, one commit
            cursor.execute("INSERT INTO bench_floor (idempotency_key, object_id) VALUES (%s, %s)", [key, object_id])

    paid_direct = [
        client.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "usd",
                "customer": customer,
                "payment_method": "pm_card_visa",
                "confirm": True,
            }
        ).id
        for _ in range(2 * rounds)  # the second half for the floor
    ]
    paid_package = [
        service.create_payment_intent(user, Decimal("10.00"), "bench", payment_method="pm_card_visa", confirm=True)[0]
        for _ in range(2 * rounds)  # the second half for the counting pass
    ]

    for _ in range(10):  # warm up every path
        direct_create()
        floor(direct_create)
        service.create_payment_intent(user, Decimal("10.00"), "bench")

    for index in range(rounds):
        direct["create"].append(timed(direct_create))
        floored["create"].append(timed(functools.partial(floor, direct_create)))
        package["create"].append(timed(lambda: service.create_payment_intent(user, Decimal("10.00"), "bench")))
        direct["refund"].append(timed(functools.partial(direct_refund, paid_direct[index])))
        floored["refund"].append(
            timed(functools.partial(floor, functools.partial(direct_refund, paid_direct[rounds + index])))
        )
        package["refund"].append(timed(functools.partial(service.refund_payment, paid_package[index], Decimal("2.50"))))

    for index in range(rounds, 2 * rounds):  # the same operations again, untimed, under query capture
        with CaptureQueriesContext(connection) as captured:
            service.create_payment_intent(user, Decimal("10.00"), "bench")
        queries["create"].append(statements(captured))
        with CaptureQueriesContext(connection) as captured:
            service.refund_payment(paid_package[index], Decimal("2.50"))
        queries["refund"].append(statements(captured))

    print(
        f"django-eyt-payments vs stripe-python {stripe.VERSION} against localstripe "
        f"({connection.vendor}, {rounds} rounds, median)"
    )
    print(
        f"{'operation':<24}{'stripe-python ms':>18}{'package ms':>12}{'overhead ms':>13}{'ratio':>8}"
        f"{'queries':>9}  goal <1.2x, <=3 queries"
    )
    floors: list[str] = []
    for name, label in (("create", "create_payment_intent"), ("refund", "refund_payment")):
        bare = statistics.median(direct[name]) * 1000
        ours = statistics.median(package[name]) * 1000
        least = statistics.median(floored[name]) * 1000
        ratio = ours / bare
        most = max(queries[name])
        floors.append(f"{label:<24}{bare:>18.2f}{least:>12.2f}{least - bare:>13.2f}{least / bare:>7.2f}x")
        verdict = (
            "ok"
            if ratio < 1.2 and most <= 3
            else f"missed ({'time' if ratio >= 1.2 else ''}{' queries' if most > 3 else ''})"
        )
        print(f"{label:<24}{bare:>18.2f}{ours:>12.2f}{ours - bare:>13.2f}{ratio:>7.2f}x{most:>9}  {verdict}")
    print("\nfloor: the same call + one durable write (a row committed), the least a record of it costs")
    print(f"{'operation':<24}{'stripe-python ms':>18}{'floor ms':>12}{'overhead ms':>13}{'ratio':>8}")
    print("\n".join(floors))
    print_breakdown(breakdown(service, user, paid_package[rounds:], rounds), statistics.median(direct["create"]))


class Stopwatch:
    """Median wall time of each database statement (by its first words) and of the provider's calls, collected
    over many operations, plus the operations' own totals."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def add(self, label: str, seconds: float) -> None:
        self.samples.setdefault(label, []).append(seconds)

    def statement(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(_statement_label(sql), time.perf_counter() - started)

    def provider(self, call: Callable[..., object]) -> Callable[..., object]:
        def timed_call(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.add("provider call", time.perf_counter() - started)

        return timed_call

    def medians(self) -> dict[str, float]:
        return {label: statistics.median(values) for label, values in self.samples.items()}


def _statement_label(sql: str) -> str:
    """``"SELECT eyt_payments_customer"``: the statement's verb and the table it reads or writes."""
    words = sql.split()
    after = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}.get(words[0].upper())
    upper = [word.upper() for word in words]
    table = words[upper.index(after) + 1].strip('"') if after in upper else ""
    return f"{words[0].upper()} {table}".strip()


def breakdown(service: object, user: object, paid: list, rounds: int) -> dict[str, dict[str, float]]:
    """Per operation: the provider call, each statement and the total, as medians over ``rounds``."""
    from django.db import connection

    gateway = service.gateway  # type: ignore[attr-defined]
    watches = {"create": Stopwatch(), "refund": Stopwatch()}
    originals = {"create_intent": gateway.create_intent, "create_refund": gateway.create_refund}
    try:
        for index in range(rounds):
            for name, operation, method in (
                ("create", lambda: service.create_payment_intent(user, Decimal("10.00"), "bench"), "create_intent"),
                ("refund", functools.partial(service.refund_payment, paid[index], Decimal("2.50")), "create_refund"),
            ):
                watch = watches[name]
                setattr(gateway, method, watch.provider(originals[method]))
                with connection.execute_wrapper(watch.statement):
                    watch.add("total", timed(operation))
    finally:
        for method in originals:
            gateway.__dict__.pop(method, None)
    return {name: watch.medians() for name, watch in watches.items()}


def print_breakdown(medians: dict[str, dict[str, float]], bare_create: float) -> None:
    print("\nwhere the package's time goes (medians of a pass of its own, ms; statements include their commit)")
    for name, label in (("create", "create_payment_intent"), ("refund", "refund_payment")):
        parts = dict(medians[name])
        total, provider = parts.pop("total"), parts.pop("provider call")
        statements = "; ".join(f"{sql} {seconds * 1000:.2f}" for sql, seconds in parts.items())
        rest = total - provider - sum(parts.values())
        print(f"  {label}: total {total * 1000:.2f} = provider call {provider * 1000:.2f}")
        print(f"    + statements {sum(parts.values()) * 1000:.2f} ({statements})")
        print(f"    + Python (package, ORM, driver) {rest * 1000:.2f}")
    print(f"  the 1.2x goal leaves {bare_create * 0.2 * 1000:.2f} ms per create for all of the package's own work")


if __name__ == "__main__":
    main()
