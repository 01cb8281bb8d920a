"""Delivering the simulator's events through the real pipeline, signed exactly as Stripe signs them.

The local gateway calls ``deliver_pending`` after each commit that emitted events (option ``deliver_webhooks``),
so in the offline demo a payment confirmed in the simulator reaches ``succeeded`` through its webhook event:
signed bytes -> ``inbox.receive`` (the view's own code path) -> processing task.
"""

from __future__ import annotations

import logging
from typing import Any

from eyt_payments.webhooks.inbox import receive
from eyt_payments.webhooks.signature import WebhookRefused, webhook_secrets

logger = logging.getLogger("eyt_payments.webhooks")


def deliver_pending(gateway: Any) -> list[str]:
    """Sign and receive every undelivered event of a simulator gateway; returns the delivered event ids."""
    from eyt_payments.gateways.local import LocalGateway

    secrets = webhook_secrets()
    if not secrets:
        return []
    delivered = []
    for pending in gateway.pending_events():
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
