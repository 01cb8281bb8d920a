"""The scale-out profile end to end: PostgreSQL, Redis, two uvicorn web processes and one RQ worker, started by
``scaleout.Stack`` with the production settings, driven over HTTP like a browser behind a TLS proxy.

The proof that the worker processes the webhook: the stack starts without its worker. The player pays with the
3D Secure test card and approves on the bank's page, so the payment can only be confirmed by the simulator's
``payment_intent.succeeded`` webhook event. The web process stores that event and enqueues its processing on
Redis; nothing moves until the worker starts. Then the event is processed by a job whose RQ ``worker_name`` is
the stack's worker, the payment succeeds, the registration is confirmed, the organiser's email leaves the
worker, and the player's notification reaches a live stream held open on the *other* web process. The entries the
worker writes carry the request id of the approval that delivered the event, as in the embedded journey.
"""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import threading
import time
from collections.abc import Callable
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
import redis
from scaleout import Stack

from tests.journeys import AUTHENTICATION_CARD

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DEMO_PASSWORD = "eyt-demo-2026"
WAIT = 90.0  # an upper bound for the worker on a loaded machine; the test moves on as soon as the state is reached


class Session:
    """An HTTP session against one web process, as a browser behind the TLS proxy would be (``X-Forwarded-Proto``,
    ``Origin``), keeping its cookies and sending the CSRF token."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.cookies: dict[str, str] = dict(cookies or {})

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{self.host}",
            **({"Cookie": cookie} if cookie else {}),
            **({"X-CSRFToken": self.cookies["csrftoken"]} if "csrftoken" in self.cookies else {}),
            **(extra or {}),
        }

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        connection = HTTPConnection(self.host, timeout=30)
        try:
            connection.request(method, path, body=body, headers=self.headers(headers))
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, content.decode()

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, data: dict[str, str]):
        body = urlencode({**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, data: dict[str, Any]):
        response, content = self.request("POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"})
        return response, json.loads(content)

    def sign_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        response, _ = self.post_form("/accounts/login/", {"username": username, "password": password})
        assert response.status == 302, f"login of {username} refused"
        assert "sessionid" in self.cookies


class LiveStream(threading.Thread):
    """Reads the notification stream (Server-Sent Events) of one web process into a queue of (event, data)."""

    def __init__(self, session: Session) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        self.connection = HTTPConnection(session.host, timeout=WAIT)
        self.closed = threading.Event()

    def run(self) -> None:
        self.connection.request("GET", "/notifications/stream/", headers=self.session.headers())
        response = self.connection.getresponse()
        self.events.put(("status", str(response.status)))
        event = ""
        try:
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    self.events.put((event, line.partition(":")[2].strip()))
        except (OSError, AttributeError):  # the test closed the stream under the read (http.client's way to fail)
            if not self.closed.is_set():
                raise

    def next_event(self, name: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            event, data = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            if event == name:
                return json.loads(data)  # type: ignore[no-any-return]
        raise AssertionError(f"no {name!r} event on the live stream")

    def close(self) -> None:
        self.closed.set()
        if self.connection.sock is not None:
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()
        self.join(WAIT)


def wait_until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def smtp():
    from eyt_testing.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def stack(smtp):
    launched = Stack(
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["REDIS_URL"],
        worker=False,
        env={"EMAIL_HOST": smtp.host, "EMAIL_PORT": str(smtp.port), "SITE_URL": "https://eyt.example"},
    )
    with launched:
        launched.manage("demo_data")
        yield launched
        print(launched.logs())  # shown by pytest when the test failed


def sql(stack: Stack, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.stack_database_url.replace("postgres://", "postgresql://", 1)) as connection:
        return connection.execute(query, params).fetchall()


def test_the_worker_process_confirms_a_payment_made_through_two_web_processes(stack, smtp):
    web1, web2 = stack.web_urls
    player = Session(web1)
    player.sign_in("player", DEMO_PASSWORD)
    # The bell's count: Django answers first and sets the hint cookie; from then on UnreadCountFastPath answers in
    # front of Django, from Redis (no middleware ran, so no X-Request-ID).
    first, count = player.get("/notifications/unread-count/")
    assert first.status == 200 and first.headers["X-Request-ID"] and "eyt_notify_uid" in player.cookies
    again, count_again = player.get("/notifications/unread-count/")
    assert (again.status, count_again, again.headers["X-Request-ID"]) == (200, count, None)
    _, tournaments = player.get("/tournaments/")
    tournament_id = re.search(r'href="/tournaments/(\d+)/">Tokyo Spring Cup<', tournaments)[1]

    # Checkout on web process 1, the 3D Secure card, the bank's page approved.
    response, _ = player.post_form(f"/tournaments/{tournament_id}/register/", {})
    assert response.headers["Location"] == f"/payments/checkout/?type=tournament_fee&ref={tournament_id}"
    response, created = player.post_json("/payments/create-intent/", {"type": "tournament_fee", "ref": tournament_id})
    assert response.status == 200 and (created["amount"], created["currency"]) == ("3000", "jpy")
    response, challenged = player.post_json(created["test_card_url"], AUTHENTICATION_CARD)
    assert challenged["status"] == "requires_action"

    same_player_elsewhere = Session(web2, player.cookies)  # the same browser session, balanced to web process 2
    stream = LiveStream(same_player_elsewhere)
    stream.start()
    try:
        assert stream.next_event("status") == 200 and stream.next_event("count")["unread_count"] == 0
        approved, _ = player.post_form(challenged["next_url"], {"outcome": "approve"})
        assert approved.status == 302

        # Without a worker the events wait in the inbox and their jobs in Redis; the payment has not moved.
        assert sql(
            stack, "SELECT status FROM eyt_payments_webhookevent WHERE type = %s", "payment_intent.succeeded"
        ) == [("pending",)]
        assert not sql(stack, "SELECT 1 FROM eyt_payments_webhookevent WHERE status <> 'pending'")
        assert redis.Redis.from_url(stack.stack_redis_url).llen("rq:queue:default") >= 1
        _, status = player.request("GET", f"/payments/{created['payment_id']}/status/")
        assert json.loads(status)["status"] == "requires_action"
        assert "You are registered." not in same_player_elsewhere.get(f"/tournaments/{tournament_id}/")[1]

        worker = stack.start_worker()

        wait_until(
            lambda: json.loads(player.get(f"/payments/{created['payment_id']}/status/")[1])["status"] == "succeeded",
            "the payment to succeed",
        )
        changed = stream.next_event("changed")
    finally:
        stream.close()

    assert changed["reason"] == "created"
    wait_until(
        lambda: not sql(stack, "SELECT 1 FROM eyt_payments_webhookevent WHERE status IN ('pending', 'failed')"),
        "every webhook event to be processed",
    )
    assert sql(stack, "SELECT status FROM eyt_payments_webhookevent WHERE type = %s", "payment_intent.succeeded") == [
        ("processed",)
    ]
    assert "You are registered." in same_player_elsewhere.get(f"/tournaments/{tournament_id}/")[1]
    # The job that processed it ran in the stack's worker process, not in a web process.
    jobs = processed_webhook_jobs(stack)
    assert jobs and {job["worker_name"] for job in jobs} == {stack.worker_name}
    assert worker.alive() and f"started with PID {worker.pid}" in worker.log()
    # The trail holds the confirmation (web process 1) and the webhook applied with its registration (the worker).
    trail = {row[0] for row in sql(stack, "SELECT action FROM eyt_audit_auditentry")}
    assert {"payments.intent_confirmed", "payments.webhook_applied", "tournaments.registration.created"} <= trail
    # As in the embedded journey, the worker's entries carry the request id (and actor) of the approval that
    # delivered the webhook event: the inbox row kept that request's audit context for the worker.
    steps = sql(
        stack,
        "SELECT action, actor_pk FROM eyt_audit_auditentry WHERE request_id = %s ORDER BY sequence",
        approved.headers["X-Request-ID"],
    )
    assert {"payments.webhook_applied", "tournaments.registration.created"} <= {action for action, _ in steps}
    [(player_pk,)] = sql(stack, "SELECT id::text FROM auth_user WHERE username = %s", "player")
    assert {actor_pk for _, actor_pk in steps} == {player_pk}
    # The organiser's email left from the worker too, through the loopback SMTP server.
    wait_until(lambda: any(m["To"] == "organiser@eyt.example" for m in smtp.messages), "the organiser's email")
    assert [m["Subject"] for m in smtp.messages if m["To"] == "organiser@eyt.example"] == [
        "EYT Gaming: New player in Tokyo Spring Cup"
    ]

    # Cancelling on web process 2 refunds the whole fee (the tournament is two weeks away).
    response, _ = same_player_elsewhere.post_form(f"/tournaments/{tournament_id}/cancel/", {})
    assert response.status == 302
    assert "Refunded: 3000 JPY." in same_player_elsewhere.get(f"/tournaments/{tournament_id}/")[1]
    assert sql(stack, "SELECT amount_minor, currency FROM eyt_payments_refund") == [(3000, "jpy")]


def processed_webhook_jobs(stack: Stack) -> list[dict[str, str]]:
    """The finished RQ jobs of the stack's queue that ran the webhook-processing task."""
    client = redis.Redis.from_url(stack.stack_redis_url)
    jobs = []
    for job_id in client.zrange("rq:finished:default", 0, -1):
        fields = client.hgetall(f"rq:job:{job_id.decode()}")
        description = fields.get(b"description", b"").decode(errors="replace")
        if "process_webhook_event" in description:
            jobs.append({"worker_name": fields.get(b"worker_name", b"").decode(), "description": description})
    return jobs
