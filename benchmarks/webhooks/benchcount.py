"""Counts what one request does, inside the benchmark servers of both sides (ours and dj-stripe's).

``CountingMiddleware`` counts every SQL statement Django runs for the request (``connection.execute_wrapper`` on
each database alias) and every HTTP request stripe-python sends (its synchronous HTTP clients, whatever the
version: stripe 15 on dj-stripe's side, 16 on ours), and returns the counts as response headers, so the sender
reads them per delivery from the real server. ``mark(name)`` counts anything else a side wants to report
(dj-stripe's side marks each run of its ``payment_intent.succeeded`` handler).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse
from stripe._http_client import HTTPClient

QUERIES_HEADER = "X-Bench-Queries"
STRIPE_HEADER = "X-Bench-Stripe-Requests"
MARK_HEADER_PREFIX = "X-Bench-Mark-"

_current = threading.local()


def _counts() -> Counter[str] | None:
    return getattr(_current, "counts", None)


def mark(name: str) -> None:
    """Counts one ``name`` in the current request (reported as ``X-Bench-Mark-<name>``)."""
    counts = _counts()
    if counts is not None:
        counts[MARK_HEADER_PREFIX + name] += 1


def _counting_sql(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    counts = _counts()
    if counts is not None:
        counts[QUERIES_HEADER] += 1
    return execute(sql, params, many, context)


def _counting_http(method: Callable[..., Any]) -> Callable[..., Any]:
    def counting(self: HTTPClient, *args: Any, **kwargs: Any) -> Any:
        counts = _counts()
        if counts is not None:
            counts[STRIPE_HEADER] += 1
        return method(self, *args, **kwargs)

    counting.__wrapped__ = method  # type: ignore[attr-defined]
    return counting


def _patch_stripe_clients(cls: type[HTTPClient] = HTTPClient) -> None:
    """Wraps ``request``/``request_stream`` of every synchronous stripe HTTP client class (one count per send)."""
    for name in ("request", "request_stream"):
        method = cls.__dict__.get(name)
        if method is not None and not hasattr(method, "__wrapped__"):
            setattr(cls, name, _counting_http(method))
    for subclass in cls.__subclasses__():
        _patch_stripe_clients(subclass)


class CountingMiddleware:
    """Adds the request's SQL statement and Stripe request counts (and marks) as response headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        _patch_stripe_clients()
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counts: Counter[str] = Counter({QUERIES_HEADER: 0, STRIPE_HEADER: 0})
        _current.counts = counts
        try:
            with ExitStack() as stack:
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(_counting_sql))
                response = self.get_response(request)
        finally:
            _current.counts = None
        for header, value in counts.items():
            response[header] = str(value)
        return response
