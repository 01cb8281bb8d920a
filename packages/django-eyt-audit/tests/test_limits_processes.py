"""Limits hold across processes: each worker is its own Python process with its own Redis connections.

One set of workers serves the whole module (starting Django in a process is the slow part); every test gives
its commands a key prefix of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.redis

PROCESSES = 4
PACKAGE = Path(__file__).resolve().parent.parent


class Workers:
    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in close())
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.limits_worker"],
                cwd=PACKAGE,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        for process in self.processes:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if line.strip() != "ready":
                self.stderr.seek(0)
                why = self.stderr.read()[-3000:]
                self.close()
                raise AssertionError(f"a worker did not start: {line!r}\n{why}")

    def burst(self, **command: Any) -> dict[str, int]:
        """Every worker fires ``threads`` threads at once; their outcomes added up."""
        line = json.dumps(command) + "\n"
        for process in self.processes:
            process.stdin.write(line)  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
        total: dict[str, int] = {}
        for process in self.processes:
            answer = process.stdout.readline()  # type: ignore[union-attr]
            if not answer:
                self.stderr.seek(0)
                raise AssertionError(f"a worker died:\n{self.stderr.read()[-3000:]}")
            for outcome, count in json.loads(answer).items():
                total[outcome] = total.get(outcome, 0) + count
        return total

    def close(self) -> None:
        for process in self.processes:
            process.stdin.close()  # type: ignore[union-attr]
            process.wait(timeout=30)
            process.stdout.close()  # type: ignore[union-attr]
        self.stderr.close()


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    started.close()


def unique() -> dict[str, str]:
    return {"prefix": f"eyt-test-{uuid.uuid4().hex}", "group": uuid.uuid4().hex}


def test_exactly_n_of_m_concurrent_requests_are_admitted(workers):
    outcomes = workers.burst(mode="ratelimit", threads=25, rate="10/m", **unique())
    assert outcomes == {"200": 10, "429": 90}


def test_bursts_straddling_a_window_edge_get_n_through_not_2n(workers):
    period, command = 4, {"mode": "ratelimit", "threads": 10, "rate": "10/4s", **unique()}
    edge = (time.time() // period + 1) * period  # where a fixed window would start afresh
    if edge - time.time() < 0.5:
        edge += period
    time.sleep(max(0.0, edge - 0.3 - time.time()))
    before = workers.burst(**command)
    time.sleep(max(0.0, edge + 0.1 - time.time()))
    after = workers.burst(**command)
    assert before == {"200": 10, "429": 30}
    assert after == {"429": 40}


def test_at_most_max_login_attempts_reach_the_password_check(workers):
    counter = f"eyt-test-checks-{uuid.uuid4().hex}"
    client = redis_client()
    try:
        outcomes = workers.burst(
            mode="lockout",
            threads=25,
            username=f"victim-{uuid.uuid4().hex}",
            ip="10.20.30.40",
            counter=counter,
            **unique(),
        )
        checks = int(client.get(counter) or 0)
    finally:
        client.delete(counter)
        client.close()
    assert checks == 5
    assert outcomes == {"checked": 5, "refused": 95}


def test_case_and_whitespace_variants_share_one_counter_across_processes(workers):
    counter = f"eyt-test-checks-{uuid.uuid4().hex}"
    client = redis_client()
    name = f"Victim-{uuid.uuid4().hex}"
    command = {"mode": "lockout", "threads": 3, "counter": counter, **unique()}
    try:
        outcomes = [
            workers.burst(username=variant, ip=f"10.0.0.{number}", **command)
            for number, variant in enumerate([name, f"  {name.upper()} ", name.lower() + "\t"])
        ]
        checks = int(client.get(counter) or 0)
    finally:
        client.delete(counter)
        client.close()
    assert checks == 5
    assert sum(outcome.get("checked", 0) for outcome in outcomes) == 5


def redis_client() -> Any:
    import redis  # the [redis] extra: this module's tests run only in the Redis tier

    return redis.Redis.from_url(os.environ["REDIS_URL"])
