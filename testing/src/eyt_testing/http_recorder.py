"""A threaded HTTP server on loopback that records every request and answers from a script.

```python
with HttpRecorder() as server:
    server.respond(429, {"retry_after": 2.5}, headers={"Retry-After": "3"})  # the next request gets this
    server.respond(500)                                                     # the one after, this
    ...                                                                     # then the default (200, {})
    server.requests[0].json()
```
``hold_after(n)`` makes every request after the first ``n`` wait until ``release()``: a worker can be caught
mid-batch.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["HttpRecorder", "RecordedRequest", "Reply"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Message  # case-insensitive: headers["content-type"] == headers["Content-Type"]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


class HttpRecorder:
    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._hold_after: int | None = None
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the recorder is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """Queue the reply for the next unanswered request."""
        with self._lock:
            self._script.append(Reply(status, {} if body is None else body, headers or {}))

    def hold_after(self, count: int) -> None:
        self._hold_after = count
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until ``count`` requests arrived; raises ``TimeoutError`` naming how many did."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)

    def _record(self, request: RecordedRequest) -> tuple[Reply, bool]:
        with self._arrived:
            self.requests.append(request)
            hold = self._hold_after is not None and len(self.requests) > self._hold_after
            reply = self._script.popleft() if self._script else self.default
            self._arrived.notify_all()
        return reply, hold

    def __enter__(self) -> HttpRecorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply, hold = recorder._record(RecordedRequest(self.command, self.path, self.headers, body))
                if hold:
                    recorder._released.wait(30)
                payload = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-recorder", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
