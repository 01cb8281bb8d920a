"""A real ASGI server (uvicorn) for the browser tests, on a SQLite file that other processes write to as well."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    actor: subprocess.Popen[str]

    def act(self, *args: str) -> Any:
        """Has another process (``tests.browser.act``) act on the server's database; returns its answer."""
        assert self.actor.stdin is not None
        assert self.actor.stdout is not None
        self.actor.stdin.write(json.dumps(args) + "\n")
        self.actor.stdin.flush()
        answer = json.loads(self.actor.stdout.readline() or '{"error": "the acting process died"}')
        if "error" in answer:
            raise AssertionError(f"act {args} failed: {answer['error']}")
        return answer["ok"]

    def login(self, browser_page, username: str) -> None:
        """Logs ``browser_page`` in as a new user ``username``."""
        session_key = self.act("user", username)
        browser_page.context.add_cookies([{"name": "sessionid", "value": session_key, "url": self.url}])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        "EYT_BROWSER_DB": str(folder / "db.sqlite3"),
        "EYT_BROWSER_PREFIX": f"eyt-browser-{uuid.uuid4().hex[:8]}",
        "PYTHONPATH": os.pathsep.join([str(PACKAGE), os.environ.get("PYTHONPATH", "")]),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v", "0"], cwd=PACKAGE, env=env, check=True, timeout=120
    )
    port = free_port()
    log = (folder / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.browser.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "1",
        ],
        cwd=PACKAGE,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    actor = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.act"],
        cwd=PACKAGE,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        _wait_for(port, process)
        yield Server(f"http://127.0.0.1:{port}", actor)
    finally:
        assert actor.stdin is not None
        assert actor.stdout is not None
        actor.stdin.close()
        actor.wait(timeout=30)
        actor.stdout.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("uvicorn did not start listening")
