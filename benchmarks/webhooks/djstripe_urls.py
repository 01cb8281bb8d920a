"""dj-stripe's webhook view (``/stripe/webhook/<uuid>/``), with each run of its payment_intent.succeeded handler
counted: ``handler_runs`` when the handler signal is sent, ``handler_commits`` when that run's transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import include, path
from djstripe.signals import WEBHOOK_SIGNALS

from benchcount import mark


def _count_handler_run(sender: Any, **kwargs: Any) -> None:
    mark("handler_runs")
    transaction.on_commit(lambda: mark("handler_commits"))


WEBHOOK_SIGNALS["payment_intent.succeeded"].connect(_count_handler_run, dispatch_uid="bench_handler_runs")

urlpatterns = [path("stripe/", include("djstripe.urls", namespace="djstripe"))]
