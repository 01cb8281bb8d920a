"""What each Stripe event type does to local rows. Handlers run in the worker, inside a transaction.

A handler returns an ``Outcome`` (processed or ignored, with a note), raises ``WaitForObject`` when the event is
about something this database does not know yet (the worker retries it), and lets any other error propagate
(the worker rolls the handler back and retries). Unknown types are ignored. Test-mode events never touch
live-mode rows and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from eyt_payments import effects, sync
from eyt_payments.conf import settings
from eyt_payments.gateways import get_gateway
from eyt_payments.gateways.base import charge_from, intent_from, payment_method_from, refund_from
from eyt_payments.models import Customer, Payment, PaymentMethod, WebhookEvent
from eyt_payments.webhooks.inbox import event_time


@dataclass(frozen=True)
class StripeEvent:
    """The parts of a Stripe event envelope the handlers use."""

    id: str
    type: str
    created: datetime
    livemode: bool
    object: Mapping[str, Any]
    previous_attributes: Mapping[str, Any]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> StripeEvent:
        """The envelope of a Stripe event payload; ``KeyError`` when ``id``, ``type``, ``created`` or ``data.object``
        is missing."""
        data = payload["data"]
        return cls(
            id=payload["id"],
            type=payload["type"],
            created=event_time(int(payload["created"])),
            livemode=bool(payload.get("livemode")),
            object=data["object"],
            previous_attributes=data.get("previous_attributes") or {},
        )


@dataclass(frozen=True)
class Outcome:
    """What a handler did with an event: the ``WebhookEvent`` status to store and a note of at most 255 characters."""

    status: str
    note: str = ""

    @classmethod
    def processed(cls, applied: sync.Applied | None = None) -> Outcome:
        """A processed outcome; with ``applied``, its notes (or "no change" when nothing changed) are the note."""
        if applied is None:
            return cls(WebhookEvent.Status.PROCESSED)
        note = "; ".join(applied.notes) or ("" if applied.changes else "no change")
        return cls(WebhookEvent.Status.PROCESSED, note[:255])

    @classmethod
    def ignored(cls, note: str) -> Outcome:
        """An ignored outcome with ``note``."""
        return cls(WebhookEvent.Status.IGNORED, note[:255])


class WaitForObject(Exception):
    """The event is about an object this database does not know yet; retry later."""


class Skip(Exception):
    """The event does not concern this site's data; it is marked ignored with this message."""


Handler = Callable[[StripeEvent], Outcome]
HANDLERS: dict[str, Handler] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Decorator registering the handler in ``HANDLERS`` for each of ``event_types``; a later registration replaces
    an earlier one."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = handler
        return handler

    return register


def handle(event: StripeEvent) -> Outcome:
    """Run the handler of ``event.type``; unknown types are ignored."""
    handler = HANDLERS.get(event.type)
    if handler is None:
        return Outcome.ignored(f"{event.type} is not handled")
    try:
        return handler(event)
    except Skip as skip:
        return Outcome.ignored(str(skip))


def unknown(event: StripeEvent, what: str) -> Skip:
    """``WaitForObject`` while the event is recent (the row may not be committed yet), then ``Skip``."""
    if timezone.now() - event.created < timedelta(seconds=settings.EYT_PAYMENTS_WEBHOOK_WAIT_FOR_OBJECT):
        raise WaitForObject(f"{what} is not known here yet")
    return Skip(f"{what} is not known here")


def _same_mode(event: StripeEvent, row: Any) -> None:
    if bool(row.livemode) != event.livemode:
        mode = "live" if event.livemode else "test"
        raise Skip(f"a {mode}-mode event never changes {'test' if event.livemode else 'live'}-mode data")


def _payment(
    event: StripeEvent, *, intent_id: str | None = None, charge_id: str | None = None, local_id: str | None = None
) -> Payment:
    payment = sync.locked_payment(intent_id=intent_id, charge_id=charge_id, local_id=local_id)
    if payment is None:
        raise unknown(event, f"the payment of {intent_id or charge_id}")
    _same_mode(event, payment)
    return payment


def _finish(event: StripeEvent, payment: Payment, applied: sync.Applied) -> Outcome:
    sync.save(payment)
    if applied.changes:
        effects.audit_after_commit(
            "webhook_applied",
            payment,
            metadata={"event_id": event.id, "event_type": event.type, "changes": applied.changes},
        )
    return Outcome.processed(applied)


# Payment intents -----------------------------------------------------------------------------------------------


@handles(
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
)
def intent_changed(event: StripeEvent) -> Outcome:
    """Brings the payment forward to the event's PaymentIntent, fetching the intent again when the event may be stale
    (``needs_fresh_intent``)."""
    intent = intent_from(event.object)
    payment = _payment(event, intent_id=intent.id, local_id=intent.metadata.get("eyt_payment_id"))
    at: datetime | None = event.created
    if sync.needs_fresh_intent(payment, intent, at):
        intent, at = get_gateway().retrieve_intent(intent.id), None
    return _finish(event, payment, sync.apply_intent(payment, intent, at))


# Charges -----------------------------------------------------------------------------------------------------------


@handles("charge.succeeded", "charge.captured")
def charge_succeeded(event: StripeEvent) -> Outcome:
    """Records the charge and Stripe's real fee: the balance transaction is fetched here, before any row lock."""
    charge = charge_from(event.object)
    txn = charge.expanded_balance_transaction
    if txn is None and charge.captured and charge.balance_transaction:
        known = sync.find_payment(intent_id=charge.payment_intent, charge_id=charge.id)
        if known is not None and known.stripe_balance_transaction_id != charge.balance_transaction:
            txn = get_gateway().retrieve_balance_transaction(charge.balance_transaction)
    payment = _payment(event, intent_id=charge.payment_intent, charge_id=charge.id)
    return _finish(event, payment, sync.apply_charge(payment, charge, event.created, txn))


@handles("charge.refunded")
def charge_refunded(event: StripeEvent) -> Outcome:
    """Applies the refunds the charge lists; refunds it does not list arrive as ``refund.*`` events."""
    charge = charge_from(event.object)
    payment = _payment(event, intent_id=charge.payment_intent, charge_id=charge.id)
    applied = sync.apply_charge(payment, charge, None)
    for refund in charge.refunds:
        applied.extend(_apply_refund(payment, refund, event))
    applied.extend(sync.recompute_refunds(payment))
    if charge.amount_refunded > payment.amount_refunded_minor:
        applied.notes.append(
            f"the charge reports {charge.amount_refunded} refunded, the ledger {payment.amount_refunded_minor}"
        )
    return _finish(event, payment, applied)


# Refunds -----------------------------------------------------------------------------------------------------------


@handles("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
def refund_changed(event: StripeEvent) -> Outcome:
    """Applies the refund to the payment's ledger; a refund asked for here and not yet recorded waits
    (``WaitForObject``), then is adopted."""
    refund = refund_from(event.object)
    payment = _payment(event, intent_id=refund.payment_intent, charge_id=refund.charge)
    return _finish(event, payment, _apply_refund(payment, refund, event))


def _apply_refund(payment: Payment, refund: Any, event: StripeEvent) -> sync.Applied:
    try:
        return sync.apply_refund(payment, refund, event.created)
    except sync.RefundNotYetRecorded as error:
        unknown(event, str(error))  # raises WaitForObject while the event is recent
    # Asked for here, never recorded (the API answer was lost): Stripe moved the money, so the ledger counts it.
    return sync.apply_refund(payment, refund, event.created, adopt=True)


# Disputes ---------------------------------------------------------------------------------------------------------


@handles(
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
def dispute_changed(event: StripeEvent) -> Outcome:
    """Records the dispute's status on the payment; a formal dispute makes the payment ``disputed``, an inquiry
    leaves its status alone."""
    dispute = event.object
    intent_id = dispute.get("payment_intent")
    charge_id = dispute.get("charge")
    payment = _payment(
        event,
        intent_id=intent_id if isinstance(intent_id, str) else None,
        charge_id=charge_id if isinstance(charge_id, str) else None,
    )
    closed = event.type == "charge.dispute.closed"
    return _finish(event, payment, sync.apply_dispute(payment, str(dispute.get("status") or ""), closed=closed))


# Customers and payment methods ---------------------------------------------------------------------------------------


def _customer(event: StripeEvent, customer_id: Any) -> Customer:
    """A customer of this site. Stripe accounts are often shared, so an unknown customer is not ours: skipped."""
    customer = Customer.objects.filter(stripe_customer_id=customer_id).first() if customer_id else None
    if customer is None:
        raise Skip(f"customer {customer_id} is not known here")
    _same_mode(event, customer)
    return customer


@handles("payment_method.attached")
def payment_method_attached(event: StripeEvent) -> Outcome:
    """Records (or updates) the card attached to a customer of this site; another account's customers are skipped."""
    method = payment_method_from(event.object)
    customer = _customer(event, method.customer)
    _, created = PaymentMethod.objects.update_or_create(
        stripe_payment_method_id=method.id,
        defaults={
            "customer": customer,
            "type": method.type,
            "brand": method.brand,
            "last4": method.last4,
            "exp_month": method.exp_month,
            "exp_year": method.exp_year,
            "livemode": method.livemode,
        },
    )
    return Outcome(WebhookEvent.Status.PROCESSED, "" if created else "already recorded")


@handles("payment_method.detached")
def payment_method_detached(event: StripeEvent) -> Outcome:
    """Deletes the detached card's row; a card not known here is skipped."""
    method = PaymentMethod.objects.filter(stripe_payment_method_id=event.object.get("id")).first()
    if method is None:
        raise Skip(f"payment method {event.object.get('id')} is not known here")
    _same_mode(event, method)
    method.delete()
    return Outcome(WebhookEvent.Status.PROCESSED)


@handles("customer.deleted")
def customer_deleted(event: StripeEvent) -> Outcome:
    """Marks the customer deleted (at the event's time) and deletes its saved cards; an unknown customer is skipped."""
    customer = _customer(event, event.object.get("id"))
    if customer.deleted_at is None:
        Customer.objects.filter(pk=customer.pk).update(deleted_at=event.created)
        PaymentMethod.objects.filter(customer=customer).delete()
        return Outcome(WebhookEvent.Status.PROCESSED)
    return Outcome(WebhookEvent.Status.PROCESSED, "already deleted")
