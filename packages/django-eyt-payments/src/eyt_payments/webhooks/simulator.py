"""Delivering the simulator's events through the real pipeline, signed exactly as Stripe signs them.

The local gateway calls ``deliver_pending`` after each commit that emitted events (option ``deliver_webhooks``),
so in the offline demo a payment confirmed in the simulator reaches ``succeeded`` through its webhook event:
signed bytes -> ``inbox.receive`` (the view's own code path) -> processing task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from eyt_payments.webhooks.inbox import receive
from eyt_payments.webhooks.signature import WebhookRefused, webhook_secrets

logger = logging.getLogger("eyt_payments.webhooks")


def deliver_pending(gateway: Any, event_ids: Iterable[str] | None = None) -> list[str]:
    """Sign and receive every undelivered event of a simulator gateway (or those of ``event_ids``: the local gateway
    delivers after each commit the events that commit emitted, so each is received under the audit context of the
    request that caused it, never under a concurrent request's); returns the delivered event ids."""
    from eyt_payments.gateways.local import LocalGateway

    secrets = webhook_secrets()
    if not secrets:
        return []
    delivered = []
    for pending in gateway.pending_events() if event_ids is None else gateway.pending_events(event_ids):
        event = getattr(pending, "payload", pending)
        body, header = LocalGateway.signed_payload(event, secrets[0])
        try:
            receive(body, header)
        except WebhookRefused:
            logger.exception("The webhook pipeline refused simulated event %s", event["id"])
            continue
        gateway.mark_delivered(event["id"])
        delivered.append(event["id"])
    return delivered
