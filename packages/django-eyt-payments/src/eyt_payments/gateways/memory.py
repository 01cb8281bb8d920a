"""An in-memory gateway for host projects' tests, like Django's locmem mail backend.

Every request lands in ``gateway.outbox`` as a ``GatewayCall`` (operation, exact parameters, idempotency key),
and behaves like Stripe test mode: test cards decide outcomes and idempotency keys are honoured. ``fail_next``
simulates a lost connection, before or after Stripe acted on the request. Operations are named as in
``MemoryGateway.operations`` (``create_intent``, ``confirm_intent``, ``create_refund`` ...)::

    # settings: EYT_PAYMENTS_GATEWAY = {"BACKEND": "eyt_payments.gateways.memory.MemoryGateway"}
    gateway = get_gateway()
    payment, intent = StripeService().create_payment_intent(user, Decimal("10.00"), "tournament_fee")
    assert gateway.outbox[-1].operation == "create_intent"
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eyt_payments.exceptions import GatewayUnavailable
from eyt_payments.gateways.simulation import OPERATIONS, Operation, SimulatorGateway, SimulatorStore


@dataclass(frozen=True)
class GatewayCall:
    """One request as the gateway received it."""

    operation: str
    params: Mapping[str, Any]
    idempotency_key: str | None = None


@dataclass
class _Failure:
    operation: str
    after_accept: bool


@dataclass
class MemoryStore:
    """Simulator state in dictionaries of this process; objects are copied in and out, so callers never share them."""

    objects_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    delivered: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def load(self, object_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        """A copy of the object with ``object_id``, or ``None``; ``for_update`` is ignored (``atomic`` holds the
        lock)."""
        found = self.objects_by_id.get(object_id)
        return copy.deepcopy(found) if found is not None else None

    def save(self, obj: dict[str, Any]) -> None:
        """Store a copy of the object, replacing any with the same id."""
        self.objects_by_id[obj["id"]] = copy.deepcopy(obj)

    def objects(self, object_type: str) -> Iterator[dict[str, Any]]:
        """Copies of every stored object of ``object_type``."""
        return (copy.deepcopy(o) for o in list(self.objects_by_id.values()) if o["object"] == object_type)

    def replay(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """``(params digest, recorded answer)`` of the request made with idempotency key ``key``, or ``None``."""
        return self.requests.get(key)

    def remember(self, key: str, operation: str, digest: str, response: dict[str, Any]) -> None:
        """Record the answer to the request made with idempotency key ``key``, for ``replay``."""
        self.requests[key] = (digest, copy.deepcopy(response))

    def emit(self, event: dict[str, Any]) -> None:
        """Append ``event`` to ``events``."""
        self.events.append(event)

    def atomic(self) -> AbstractContextManager[Any]:
        """The store's re-entrant lock: one simulator operation at a time (nothing is rolled back on error)."""
        return self.lock


class MemoryGateway(SimulatorGateway):
    """Records every request in ``outbox``; state lives in this process only."""

    #: The operation names ``outbox`` records and ``fail_next`` and ``calls`` accept.
    operations: ClassVar[tuple[str, ...]] = OPERATIONS

    def make_store(self) -> SimulatorStore:
        """A new, empty ``MemoryStore``, also kept as ``self.store``."""
        self.store = MemoryStore()
        return self.store

    def __init__(self, **options: Any) -> None:
        self.outbox: list[GatewayCall] = []
        self._failures: list[_Failure] = []
        super().__init__(**options)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Events in Stripe's shape, in the order they happened."""
        return self.store.events

    def pending_events(self) -> list[dict[str, Any]]:
        """Events not yet delivered to the webhook pipeline, oldest first."""
        return [event for event in self.store.events if event["id"] not in self.store.delivered]

    def mark_delivered(self, event_id: str) -> None:
        """Mark the event delivered, so ``pending_events`` no longer returns it."""
        self.store.delivered.add(event_id)

    def deliver_events(self) -> list[str]:
        """Sign and deliver every pending event through the webhook pipeline (as Stripe would); returns ids."""
        from eyt_payments.webhooks.simulator import deliver_pending

        return deliver_pending(self)

    def reset(self) -> None:
        """Forget every object, request, event and planned failure."""
        self.outbox.clear()
        self._failures.clear()
        self.simulator.store = self.make_store()

    def fail_next(self, operation: Operation, *, after_accept: bool = True) -> None:
        """Make the next ``operation`` raise ``GatewayUnavailable``: after it took effect (the answer was lost on
        the way back) or before it reached the provider. ``operation`` is one of ``operations`` (``create_intent``,
        ``confirm_intent``, ``capture_intent``, ``create_refund`` ...); another name is a ``ValueError``."""
        self._failures.append(_Failure(self._known(operation), after_accept))

    def calls(self, operation: Operation) -> list[GatewayCall]:
        """The recorded requests of ``operation`` (one of ``operations``), oldest first."""
        self._known(operation)
        return [call for call in self.outbox if call.operation == operation]

    def _known(self, operation: str) -> str:
        if operation not in self.operations:
            raise ValueError(
                f"{operation!r} is not an operation of {type(self).__name__}; use one of: {', '.join(self.operations)}."
            )
        return operation

    def call(self, operation: Operation, params: Mapping[str, Any], key: str | None, run: Callable[[], Any]) -> Any:
        """Records the request in ``outbox``, then runs it, unless ``fail_next`` planned a ``GatewayUnavailable`` for
        this operation (raised after or instead of running it)."""
        self.outbox.append(GatewayCall(operation, copy.deepcopy(dict(params)), key))
        failure = next((f for f in self._failures if f.operation == operation), None)
        if failure is None:
            return run()
        self._failures.remove(failure)
        if failure.after_accept:
            run()
        raise GatewayUnavailable(f"Simulated network failure during {operation} (after_accept={failure.after_accept}).")
