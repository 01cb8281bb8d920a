"""dj-stripe's webhook view (``/stripe/webhook/<uuid>/``), instrumented for the benchmark's concurrent rounds.

Marks (``benchcount.mark``) per request: ``event_syncs`` when ``Event.process`` found no stored event (its
``exists()`` check) and went on to create it, ``handler_runs`` when the ``payment_intent.succeeded`` handler
signal is sent, ``handler_commits`` when that run's transaction commits.
"""

from __future__ import annotations

from typing import Any

from benchcount import mark
from django.db import transaction
from django.urls import include, path
from djstripe.models import Event
from djstripe.signals import WEBHOOK_SIGNALS

_create_event = Event._create_from_stripe_object.__func__  # type: ignore[attr-defined]


def _counting_create(cls: type[Event], *args: Any, **kwargs: Any) -> Event:
    mark("event_syncs")
    return _create_event(cls, *args, **kwargs)


def _count_handler_run(sender: Any, **kwargs: Any) -> None:
    mark("handler_runs")
    transaction.on_commit(lambda: mark("handler_commits"))


Event._create_from_stripe_object = classmethod(_counting_create)  # type: ignore[method-assign,assignment]
WEBHOOK_SIGNALS["payment_intent.succeeded"].connect(_count_handler_run, dispatch_uid="bench_handler_runs")

urlpatterns = [path("stripe/", include("djstripe.urls", namespace="djstripe"))]
