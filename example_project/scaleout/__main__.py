"""``python -m scaleout`` (from example_project/): the scale-out stack with the demo data, until Ctrl-C.

Needs PostgreSQL and Redis: DATABASE_URL (a database on the server to connect to for CREATE DATABASE) and
REDIS_URL, defaulting to the local ones. The web processes expect a TLS proxy in front (production settings):
send ``X-Forwarded-Proto: https`` when you talk to them directly, e.g.
``curl -H 'X-Forwarded-Proto: https' http://127.0.0.1:PORT/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from scaleout.launcher import Stack


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def main() -> None:
    stack = Stack(
        database_url=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    with stack:
        say(stack.manage("demo_data").rstrip())
        say(f"Database {stack.name}, Redis {stack.stack_redis_url}, logs in {stack.log_dir}")
        for process, url in zip(stack.web, stack.web_urls, strict=True):
            say(f"  {process.name} (pid {process.pid}): {url}")
        if stack.worker_process is not None:
            say(f"  worker (pid {stack.worker_process.pid}): rq worker {stack.worker_name}")
        say("Ctrl-C stops everything and drops the database.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
