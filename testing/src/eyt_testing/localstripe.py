"""localstripe (a fake Stripe server) on loopback, for integration tests.

localstripe's own CLI listens on every interface and pickles its whole store to one fixed file in the temp
folder. This launcher runs it in a subprocess bound to 127.0.0.1 on a free port, with the disk store disabled,
and stops it afterwards::

    with running_localstripe() as server:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": server.url}, max_network_retries=0)

or, in pytest, use the session fixture ``localstripe`` (import it into a conftest). ``server.reset()`` empties the
store between tests; ``server.register_webhook(...)`` makes it deliver signed events to a URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

READY_PREFIX = "localstripe listening on port "
START_TIMEOUT = 30.0


@dataclass
class LocalStripe:
    """A running localstripe server."""

    url: str
    process: subprocess.Popen[str]

    def _request(self, method: str, path: str, data: bytes | None = None) -> None:
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def reset(self) -> None:
        """Forget every object (``DELETE /_config/data``)."""
        self._request("DELETE", "/_config/data")

    def register_webhook(self, webhook_id: str, url: str, secret: str, events: list[str] | None = None) -> None:
        """Deliver events (optionally only ``events``) to ``url``, signed with ``secret``."""
        body = {"url": url, "secret": secret, **({"events": events} if events is not None else {})}
        self._request("POST", f"/_config/webhooks/{webhook_id}", json.dumps(body).encode())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def running_localstripe(python: str | None = None) -> Iterator[LocalStripe]:
    """Start localstripe on 127.0.0.1 (free port, no disk store) and stop it on exit."""
    process = subprocess.Popen(
        [python or sys.executable, "-m", "eyt_testing.localstripe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = LocalStripe("", process)
    try:
        line = (
            process.stdout.readline() if process.stdout else ""
        )  # the child prints its port once it listens, or exits
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"localstripe did not start (exit code {process.poll()}); is it installed?")
        server.url = f"http://127.0.0.1:{int(line[len(READY_PREFIX) :])}"
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    """A localstripe server for the test session."""
    with running_localstripe() as server:
        yield server


def _serve() -> None:  # pragma: no cover - runs in the child process
    import socket

    from aiohttp import web
    from localstripe import server as localstripe_server
    from localstripe.resources import store

    store.dump_to_disk = lambda: None  # type: ignore[method-assign]  # never write /tmp/localstripe.pickle
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # accept connections (into the backlog) before the parent is told the port
    sys.stdout.write(f"{READY_PREFIX}{sock.getsockname()[1]}\n")  # the parent waits for this line
    sys.stdout.flush()
    web.run_app(localstripe_server.app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    _serve()
