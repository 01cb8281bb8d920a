"""Background tasks (Django's Tasks framework through ``compat``): the webhook worker's wake-ups."""

from __future__ import annotations

from eyt_payments.compat import task


@task()
def process_webhook_event(event_id: str) -> str | None:
    """Process one inbox event if it is due; returns its new status (``None``: not due or claimed elsewhere)."""
    from eyt_payments.webhooks.processing import process_event

    return process_event(event_id)


@task()
def process_due_webhook_events(limit: int = 100) -> dict[str, int]:
    """Process up to ``limit`` due events (pending, and failed ones whose retry time has come)."""
    from eyt_payments.webhooks.processing import process_due

    return dict(process_due(limit))
