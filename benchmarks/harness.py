"""Shared helpers for the side-by-side benchmarks.

Every suite measures our package and the alternative in one run, on the same database, and prints ratios.
Absolute times drift between runs and machines; ratios and query counts are what to compare.
Alternatives whose pins clash with ours run in their own virtual environment (``other_venv``) and report JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/eyt_bench"


def database_url() -> str:
    """DATABASE_URL, or a local PostgreSQL database made for benchmarks (created if missing)."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    return url


def ensure_postgres_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Sample:
    """Wall times (seconds) and query counts of repeated runs of one operation."""

    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def queries_per_run(self) -> float:
        return statistics.mean(self.queries) if self.queries else 0.0


@contextmanager
def counting_queries(using: str = "default") -> Iterator[list[int]]:
    """Counts the SQL statements Django runs inside the block (one list item, filled on exit)."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    result: list[int] = []
    with CaptureQueriesContext(connections[using]) as context:
        yield result
    result.append(len(context.captured_queries))


def measure(operation: Callable[[], object], *, repeat: int, warmup: int = 3, count_queries: bool = True) -> Sample:
    for _ in range(warmup):
        operation()
    sample = Sample()
    for _ in range(repeat):
        if count_queries:
            with counting_queries() as counted:
                started = time.perf_counter()
                operation()
                sample.seconds.append(time.perf_counter() - started)
            sample.queries.append(counted[0])
        else:
            started = time.perf_counter()
            operation()
            sample.seconds.append(time.perf_counter() - started)
    return sample


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(headers[i]), *(len(row[i]) for row in cells)) for i in range(len(headers))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths, strict=True)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def other_venv(name: str, requirements: Sequence[str], python: str = sys.executable) -> Path:
    """A virtual environment under .bench-venvs/ for an alternative whose pins clash with ours; returns its python."""
    folder = ROOT / ".bench-venvs" / name
    marker = folder / ".requirements"
    wanted = "\n".join(requirements)
    interpreter = folder / "bin" / "python"
    if not (marker.exists() and marker.read_text() == wanted):
        subprocess.run(["uv", "venv", "-q", "--clear", "--python", python, str(folder)], check=True)  # rebuilt
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(interpreter), *requirements], check=True)
        marker.write_text(wanted)
    return interpreter


def run_json(python: Path, script: Path, *args: str, env: dict[str, str] | None = None) -> object:
    """Runs a measuring script in another interpreter; its last stdout line is JSON."""
    completed = subprocess.run(
        [str(python), str(script), *args], check=True, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])
