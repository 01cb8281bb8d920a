"""The offline simulator: Stripe test mode with its state in the database (the embedded demo's default).

Stripe's test cards decide success, decline and 3D Secure; idempotency keys are honoured like Stripe's; every
change is recorded as a ``SimulatedEvent`` in Stripe's event shape. ``pending_events`` and ``signed_payload``
are the seam through which the webhook pipeline receives them, signed with the webhook secret exactly as Stripe
signs its deliveries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from eyt_payments.gateways.simulation import SimulatorGateway, SimulatorStore


class DatabaseStore:
    """Simulator state in ``SimulatedObject``, ``SimulatedRequest`` and ``SimulatedEvent`` rows."""

    def __init__(self, on_emit: Callable[[list[str]], object] | None = None) -> None:
        self.on_emit = on_emit

    def load(self, object_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        """The object with ``object_id``, or ``None``; ``for_update`` locks its row until the transaction ends."""
        from eyt_payments.models import SimulatedObject

        rows = SimulatedObject.objects.select_for_update() if for_update else SimulatedObject.objects
        return rows.filter(pk=object_id).values_list("data", flat=True).first()

    def save(self, obj: dict[str, Any]) -> None:
        """Insert or replace the object's row."""
        from eyt_payments.models import SimulatedObject

        SimulatedObject.objects.update_or_create(id=obj["id"], defaults={"object": obj["object"], "data": obj})

    def objects(self, object_type: str) -> Iterator[dict[str, Any]]:
        """Every stored object of ``object_type`` (``customer``, ``refund`` ...)."""
        from eyt_payments.models import SimulatedObject

        return iter(SimulatedObject.objects.filter(object=object_type).values_list("data", flat=True))

    def replay(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """``(params digest, recorded answer)`` of the request made with idempotency key ``key``, or ``None``."""
        from eyt_payments.models import SimulatedRequest

        found = SimulatedRequest.objects.filter(pk=key).values_list("params_digest", "response").first()
        return (found[0], found[1]) if found else None

    def remember(self, key: str, operation: str, digest: str, response: dict[str, Any]) -> None:
        """Record the answer to the request made with idempotency key ``key``, for ``replay``."""
        from eyt_payments.models import SimulatedRequest

        SimulatedRequest.objects.create(
            idempotency_key=key, operation=operation, params_digest=digest, response=response
        )

    def emit(self, event: dict[str, Any]) -> None:
        """Store ``event`` as an undelivered ``SimulatedEvent``; with ``on_emit``, deliver it after the transaction
        commits."""
        from eyt_payments.models import SimulatedEvent

        SimulatedEvent.objects.create(id=event["id"], type=event["type"], payload=event)
        if self.on_emit is not None:
            # This event only: another request's events are delivered after its own commit, under its audit context.
            transaction.on_commit(partial(self.on_emit, [event["id"]]))

    def atomic(self) -> AbstractContextManager[Any]:
        """A database transaction (``transaction.atomic()``)."""
        return transaction.atomic()


class LocalGateway(SimulatorGateway):
    """Stripe test mode, offline, persisted in the database.

    OPTIONS: ``deliver_webhooks`` (default ``True``): after each commit that emitted events, deliver them signed
    through the webhook pipeline (``eyt_payments.webhooks.simulator``), as Stripe would post them."""

    option_names = frozenset({"deliver_webhooks"})

    def make_store(self) -> SimulatorStore:
        """A ``DatabaseStore``, delivering events after each commit unless ``deliver_webhooks`` is ``False``."""
        deliver = self.options.get("deliver_webhooks", True)
        return DatabaseStore(on_emit=self.deliver_events if deliver else None)

    def deliver_events(self, event_ids: Iterable[str] | None = None) -> list[str]:
        """Deliver the pending events (every one, or those of ``event_ids``) through the webhook pipeline now;
        returns their ids."""
        from eyt_payments.webhooks.simulator import deliver_pending

        return deliver_pending(self, event_ids)

    def pending_events(self, event_ids: Iterable[str] | None = None) -> list[Any]:
        """Events not yet delivered (every one, or those of ``event_ids``), oldest first (``SimulatedEvent`` rows)."""
        from eyt_payments.models import SimulatedEvent

        pending = SimulatedEvent.objects.filter(delivered_at__isnull=True)
        if event_ids is not None:
            pending = pending.filter(pk__in=list(event_ids))
        return list(pending)

    def mark_delivered(self, event_id: str) -> None:
        """Mark the event delivered, so ``pending_events`` no longer returns it."""
        from eyt_payments.models import SimulatedEvent

        SimulatedEvent.objects.filter(pk=event_id).update(delivered_at=timezone.now())

    @staticmethod
    def signed_payload(event: dict[str, Any], secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
        """The raw body and ``Stripe-Signature`` header Stripe would send for ``event`` (``signed_event()``)."""
        from eyt_payments.webhooks.signature import signed_event

        return signed_event(event, secret, timestamp=timestamp)
