"""Start the scale-out profile on one machine: a fresh PostgreSQL database, two uvicorn web processes and one
RQ task worker, all on loopback, and take everything down again (processes, database, Redis keys).

```python
with Stack(database_url="postgres://postgres@127.0.0.1:5432/postgres", redis_url="redis://127.0.0.1:6379/0") as stack:
    stack.manage("demo_data")
    urlopen(stack.web_urls[0] + "/health/")
```

Each stack has a database named after itself and a Redis database of its own (the first empty one of 1-15, claimed
atomically), so stacks (two tox environments, say) can share one PostgreSQL server and one Redis server without
seeing each other's work: RQ's queue names are fixed, so a shared Redis database would mix their jobs. Only the
standard library drives the processes; psycopg and redis-py (dependencies of the platform) create and clean up.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

PROJECT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 120.0  # generous: a loaded 2-core CI machine takes its time to import Django
STOP_TIMEOUT = 10.0
CLAIM_KEY = "eyt-scaleout:claimed-by"


class StackError(RuntimeError):
    """A process of the stack failed to start or a setup command failed; the message ends with its log."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def database_url_for(server_url: str, name: str) -> str:
    """``server_url`` (any database on the server, e.g. ``/postgres``) with its database replaced by ``name``."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@dataclass
class Process:
    """A child process with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(STOP_TIMEOUT)
        self.log_file.close()


@dataclass
class Stack:
    """The scale-out profile on loopback. ``worker=False`` leaves the worker to ``start_worker()``."""

    database_url: str
    redis_url: str
    web_processes: int = 2
    worker: bool = True
    env: dict[str, str] = field(default_factory=dict)
    name: str = field(default_factory=lambda: f"eyt_scaleout_{secrets.token_hex(4)}")
    python: str = sys.executable

    def __post_init__(self) -> None:
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.web: list[Process] = []
        self.worker_process: Process | None = None
        self.web_urls: list[str] = []
        self._database_created = False
        self.redis_database: int | None = None

    # -- the environment every process shares ------------------------------------------------------------------

    @property
    def worker_name(self) -> str:
        return f"{self.name}-worker"

    @property
    def stack_database_url(self) -> str:
        return database_url_for(self.database_url, self.name)

    @property
    def stack_redis_url(self) -> str:
        if self.redis_database is None:
            raise StackError("The stack has no Redis database yet (start it first).")
        return database_url_for(self.redis_url, str(self.redis_database))

    def environment(self) -> dict[str, str]:
        base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
        return {
            **base,
            "DJANGO_SETTINGS_MODULE": "esports.settings_production",
            "DJANGO_SECRET_KEY": self._secret("secret_key"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EYT_AUDIT_HMAC_KEY": self._secret("hmac_key"),
            "DATABASE_URL": self.stack_database_url,
            "REDIS_URL": self.stack_redis_url,
            "CACHE_KEY_PREFIX": self.name,
            "TASK_BACKEND": "rq",
            "LIVE_UPDATES": "true",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }

    def _secret(self, which: str) -> str:
        if not hasattr(self, f"_{which}"):
            setattr(self, f"_{which}", secrets.token_urlsafe(48))
        return str(getattr(self, f"_{which}"))

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Create and migrate the database, start the web processes (and the worker unless ``worker=False``).

        The processes start while the migrations run (nothing in their startup reads a table), and this returns
        once every web process answers ``/health/`` and the worker is registered in Redis."""
        self._claim_redis_database()
        self._create_database()
        for index in range(self.web_processes):
            self._start_web(index)
        if self.worker:
            self.worker_process = self._spawn("worker", self._worker_command())
        self.manage("migrate", "--noinput")
        for process, url in zip(self.web, self.web_urls, strict=True):
            self._wait_until_healthy(process, url)
        if self.worker_process is not None:
            self._wait_for_worker(self.worker_process)

    def stop(self) -> None:
        """Stop every process, drop the database and delete the stack's Redis keys. Safe to call twice."""
        for process in [*self.web, *([self.worker_process] if self.worker_process else [])]:
            process.stop()
        self.web, self.worker_process = [], None
        if self._database_created:
            self._drop_database()
        if self.redis_database is not None:
            self._release_redis_database()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    def start_worker(self) -> Process:
        """The RQ worker of the stack's queue, running django-tasks' jobs; returns once Redis lists it."""
        self.worker_process = self._spawn("worker", self._worker_command())
        self._wait_for_worker(self.worker_process)
        return self.worker_process

    def _worker_command(self) -> list[str]:
        return [
            self.python, "manage.py", "rqworker", "default",
            "--job-class", "django_tasks_rq.Job", "--name", self.worker_name,
        ]  # fmt: skip

    def _wait_for_worker(self, process: Process) -> None:
        client = self._redis()
        try:
            registered = f"rq:worker:{self.worker_name}"
            self._wait_for(process, lambda: client.sismember("rq:workers", registered), "registering in Redis")
        finally:
            client.close()

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` with the stack's environment; returns its output, raises ``StackError`` on failure."""
        done = subprocess.run(  # noqa: S603 (a fixed argv of this interpreter, no shell)
            [self.python, "manage.py", *args], cwd=PROJECT, env=self.environment(), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout

    def logs(self) -> str:
        """Every process's output so far, for a failing test's report."""
        processes = [*self.web, *([self.worker_process] if self.worker_process else [])]
        return "\n".join(f"--- {p.name} (pid {p.pid}) ---\n{p.log()}" for p in processes)

    # -- processes ---------------------------------------------------------------------------------------------

    def _start_web(self, index: int) -> None:
        port = free_port()
        command = [
            self.python, "-m", "uvicorn", "esports.asgi:application",
            "--host", "127.0.0.1", "--port", str(port),
            "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
            "--timeout-graceful-shutdown", "2",
        ]  # fmt: skip
        self.web.append(self._spawn(f"web{index + 1}", command))
        self.web_urls.append(f"http://127.0.0.1:{port}")

    def _spawn(self, name: str, command: list[str]) -> Process:
        log_path = self.log_dir / f"{name}.log"
        log_file = log_path.open("wb")
        popen = subprocess.Popen(  # noqa: S603 (a fixed argv of this interpreter, no shell)
            command, cwd=PROJECT, env=self.environment(), stdout=log_file, stderr=subprocess.STDOUT
        )
        return Process(name, popen, log_path, log_file)

    def _wait_until_healthy(self, process: Process, url: str) -> None:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310 (our http URL)
                    return bool(response.status == 200)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        self._wait_for(process, healthy, f"{url}/health/ to answer 200")

    def _wait_for(self, process: Process, ready: Any, what: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if not process.alive():
                raise StackError(f"{process.name} exited ({process.popen.returncode}) before {what}:\n{process.log()}")
            if ready():
                return
            time.sleep(0.2)
        raise StackError(f"{process.name} did not get ready within {READY_TIMEOUT:.0f} s ({what}):\n{process.log()}")

    # -- PostgreSQL and Redis ----------------------------------------------------------------------------------

    def _admin_connection(self) -> Any:
        import psycopg

        return psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1), autocommit=True)

    def _create_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self._database_created = True

    def _drop_database(self) -> None:
        from psycopg import sql

        with self._admin_connection() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
        self._database_created = False

    def _redis(self) -> Any:
        """A client of the stack's own Redis database."""
        import redis

        return redis.Redis.from_url(self.stack_redis_url)

    def _claim_redis_database(self) -> None:
        """Take the first empty Redis database of 1-15 with an atomic ``SET NX`` of a claim key."""
        import redis

        for number in range(1, 16):
            client = redis.Redis.from_url(database_url_for(self.redis_url, str(number)))
            try:
                if client.dbsize() == 0 and client.set(CLAIM_KEY, self.name, nx=True):
                    self.redis_database = number
                    return
            finally:
                client.close()
        raise StackError("No empty Redis database among 1-15 for the stack.")

    def _release_redis_database(self) -> None:
        """Delete what the stack wrote (its cache and live-update keys, RQ's keys) and the claim."""
        client = self._redis()
        try:
            if client.get(CLAIM_KEY) == self.name.encode():
                for pattern in (f"{self.name}:*", "rq:*"):
                    keys = list(client.scan_iter(match=pattern, count=1000))
                    if keys:
                        client.delete(*keys)
                client.delete(CLAIM_KEY)
        finally:
            client.close()
        self.redis_database = None
