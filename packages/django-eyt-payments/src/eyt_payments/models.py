"""Payments, refunds, customers and saved payment methods; plus the local simulator's own state.

Amounts are stored as integer minor units (``*_minor``) with their currency; the ``Decimal`` properties are the
edge. Status changes go through ``eyt_payments.state``; ``last_event_at`` keeps the ``created`` time of the last
Stripe event applied, so late webhook deliveries never move a row backwards.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eyt_payments import money, state
from eyt_payments.state import PaymentStatus, RefundStatus


class Customer(models.Model):
    """The Stripe customer of a user, one per user and mode (test or live)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="eyt_payment_customers")
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    livemode = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text=_("When Stripe reported it deleted."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        constraints = [models.UniqueConstraint(fields=["user", "livemode"], name="eyt_payments_one_customer_per_mode")]

    def __str__(self) -> str:
        return self.stripe_customer_id


class PaymentMethod(models.Model):
    """A saved card of a customer. Only display data is kept; card numbers never reach this database."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_methods")
    stripe_payment_method_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=32, default="card")
    brand = models.CharField(max_length=32, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    livemode = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment method")
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_default=True), name="eyt_payments_one_default_method"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand or self.type} •••• {self.last4}"


class Payment(models.Model):
    """One payment attempt for one thing, from creation to its final refund or dispute."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="eyt_payments"
    )
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments")
    payment_type = models.CharField(max_length=64, db_index=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    # What is paid for: any model row (a tournament entry, a coaching session), by content type and key.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField(max_length=255, blank=True)
    reference = GenericForeignKey("content_type", "object_id")
    description = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    estimated_stripe_fee_minor = models.BigIntegerField(default=0)
    platform_fee_minor = models.BigIntegerField(default=0)
    actual_stripe_fee_minor = models.BigIntegerField(
        null=True, blank=True, help_text=_("The fee Stripe reported in the balance transaction.")
    )
    stripe_net_minor = models.BigIntegerField(
        null=True, blank=True, help_text=_("What reached the balance after Stripe's fee (balance transaction).")
    )
    stripe_balance_transaction_id = models.CharField(max_length=255, blank=True)
    stripe_fee_currency = models.CharField(
        max_length=3, blank=True, help_text=_("Currency of the real fee and net: the balance's settlement currency.")
    )
    dispute_status = models.CharField(
        max_length=32, blank=True, help_text=_("Status of the latest dispute Stripe reported, if any.")
    )
    amount_refunded_minor = models.PositiveBigIntegerField(
        default=0, help_text=_("Refunds requested and not failed: never more than the amount.")
    )
    refund_count = models.PositiveIntegerField(default=0, help_text=_("Ledger position of the last refund."))
    confirm_attempts = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, unique=True)
    livemode = models.BooleanField(default=False)
    failure_code = models.CharField(max_length=64, blank=True)
    last_event_at = models.DateTimeField(
        null=True, blank=True, help_text=_("created of the last Stripe event applied.")
    )
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="eyt_pay_created"),  # the admin's list, newest first
            models.Index(fields=["user", "-created_at"], name="eyt_pay_user_history"),
            models.Index(fields=["user", "status", "-created_at"], name="eyt_pay_user_status"),
            models.Index(fields=["content_type", "object_id"], name="eyt_pay_reference"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="eyt_payments_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded_minor__lte=F("amount_minor")), name="eyt_payments_refunds_within_amount"
            ),
            models.UniqueConstraint(
                fields=["user", "payment_type", "content_type", "object_id"],
                condition=Q(status__in=state.IN_PROGRESS_PAYMENT_STATUSES, content_type__isnull=False),
                name="eyt_payments_one_open_payment_per_payable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_type} {money.format_amount(self.amount_minor, self.currency)} ({self.status})"

    @property
    def amount(self) -> Decimal:
        """The amount as a ``Decimal`` in the payment's currency."""
        return money.from_minor(self.amount_minor, self.currency)

    @property
    def amount_refunded(self) -> Decimal:
        """The refunded amount (refunds neither failed nor canceled) as a ``Decimal``."""
        return money.from_minor(self.amount_refunded_minor, self.currency)

    @property
    def refundable_minor(self) -> int:
        """What can still be refunded: nothing unless captured and refundable (not disputed, canceled, ...)."""
        if self.status not in state.REFUNDABLE_STATUSES:
            return 0
        return self.amount_minor - self.amount_refunded_minor

    @property
    def refundable_amount(self) -> Decimal:
        """``refundable_minor`` as a ``Decimal``."""
        return money.from_minor(self.refundable_minor, self.currency)

    @property
    def estimated_stripe_fee(self) -> Decimal:
        """Stripe's fee estimated when the payment was created, as a ``Decimal``."""
        return money.from_minor(self.estimated_stripe_fee_minor, self.currency)

    @property
    def platform_fee(self) -> Decimal:
        """The platform's fee as a ``Decimal``."""
        return money.from_minor(self.platform_fee_minor, self.currency)

    @property
    def fee_currency(self) -> str:
        """The currency of ``actual_stripe_fee`` and ``stripe_net`` (Stripe's settlement currency)."""
        return self.stripe_fee_currency or self.currency

    @property
    def actual_stripe_fee(self) -> Decimal | None:
        """Stripe's real fee in ``fee_currency``, or ``None`` until the balance transaction is known."""
        if self.actual_stripe_fee_minor is None:
            return None
        return money.from_minor(self.actual_stripe_fee_minor, self.fee_currency)

    @property
    def stripe_net(self) -> Decimal | None:
        """What Stripe added to the balance, in ``fee_currency``, or ``None`` until the balance transaction is known."""
        if self.stripe_net_minor is None:
            return None
        return money.from_minor(self.stripe_net_minor, self.fee_currency)

    @property
    def is_open(self) -> bool:
        """True while the payment still waits for the customer (pending, requires action, failed) and can be resumed
        or canceled."""
        return self.status in state.OPEN_PAYMENT_STATUSES

    def advance(self, new_status: str) -> bool:
        """Move to ``new_status`` through the state machine (the caller saves)."""
        return state.PAYMENT.advance(self, new_status)


class Refund(models.Model):
    """A ledger row per refund. ``sequence`` is its position among the payment's refunds; the idempotency key
    derives from it, so a retried refund request reuses the key of the attempt it repeats."""

    class Reason(models.TextChoices):
        """Stripe's refund reasons."""

        DUPLICATE = "duplicate", _("Duplicate")
        FRAUDULENT = "fraudulent", _("Fraudulent")
        REQUESTED_BY_CUSTOMER = "requested_by_customer", _("Requested by customer")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    sequence = models.PositiveIntegerField()
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    status = models.CharField(max_length=32, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    livemode = models.BooleanField(default=False)
    failure_reason = models.CharField(max_length=64, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("refund")
        ordering = ["payment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "sequence"], name="eyt_payments_refund_ledger_position"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="eyt_payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {money.format_amount(self.amount_minor, self.currency)} ({self.status})"

    @property
    def amount(self) -> Decimal:
        """The refund's amount as a ``Decimal``."""
        return money.from_minor(self.amount_minor, self.currency)

    def advance(self, new_status: str) -> bool:
        """Move to ``new_status`` through the refund state machine (the caller saves)."""
        return state.REFUND.advance(self, new_status)


class SimulatedObject(models.Model):
    """A Stripe-shaped object of the local simulator gateway (customer, payment_intent, refund, ...)."""

    id = models.CharField(max_length=64, primary_key=True)
    object = models.CharField(max_length=32, db_index=True)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated Stripe object")

    def __str__(self) -> str:
        return f"{self.object} {self.id}"


class SimulatedRequest(models.Model):
    """A request the simulator answered, kept under its idempotency key like Stripe does."""

    idempotency_key = models.CharField(max_length=255, primary_key=True)
    operation = models.CharField(max_length=64)
    params_digest = models.CharField(max_length=64)
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated idempotent request")

    def __str__(self) -> str:
        return f"{self.operation} {self.idempotency_key}"


class SimulatedEvent(models.Model):
    """An event the simulator emitted, in Stripe's event shape, waiting to be delivered to the webhook."""

    id = models.CharField(max_length=64, primary_key=True)
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("simulated Stripe event")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookEvent(models.Model):
    """A Stripe event as it arrived, kept in a durable inbox keyed by Stripe's event id.

    The webhook view only inserts rows (a second delivery of the same event is a no-op); the worker processes
    them: ``pending`` and ``failed`` rows are due at ``next_attempt_at``, ``dead`` rows wait for a person. The
    row keeps the audit context of the request that delivered it, so every attempt, whichever process or
    sweeper runs it, is recorded under that request id.
    """

    class Status(models.TextChoices):
        """Where an event is in the inbox: waiting, done (processed or ignored), retrying or dead-lettered."""

        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Dead-lettered")

    id = models.CharField(max_length=255, primary_key=True, help_text=_("Stripe's event id (evt_...)."))
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    api_version = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(help_text=_("When Stripe created the event."))
    object_id = models.CharField(max_length=255, blank=True, help_text=_("Id of the event's data.object."))
    body = models.TextField(help_text=_("The raw JSON body Stripe signed."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=255, blank=True, help_text=_("Why it was ignored, or what was odd."))
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    audit_context = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The audit context (request id, actor, client IP) the event arrived in, when django-eyt-audit is "
            "installed; its processing is recorded with it."
        ),
    )

    class Meta:
        verbose_name = _("webhook event")
        ordering = ["-created", "-received_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="eyt_pay_webhook_due"),
            models.Index(fields=["object_id"], name="eyt_pay_webhook_object"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.status})"

    @property
    def payload(self) -> dict[str, Any]:
        """The event as a dict (parsed from ``body``)."""
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


class RefundRequest(models.Model):
    """A customer's request for a refund that the adapter's policy does not grant at once: staff approve
    (which refunds through ``StripeService.refund_payment``) or reject it in the admin."""

    class Status(models.TextChoices):
        """A refund request is pending until staff approve (and refund) or reject it."""

        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved and refunded")
        REJECTED = "rejected", _("Rejected")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refund_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount_minor = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Amount asked for in minor units; empty asks for all that is left.")
    )
    reason = models.TextField(max_length=1000, blank=True, help_text=_("The customer's words."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    refund = models.ForeignKey(Refund, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund request")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="pending"), name="eyt_payments_one_pending_refund_request"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__isnull=True) | Q(amount_minor__gt=0),
                name="eyt_payments_refund_request_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"refund request for {self.payment_id} ({self.status})"

    @property
    def amount(self) -> Decimal | None:
        """The amount asked for; ``None`` means everything still refundable."""
        if self.amount_minor is None:
            return None
        return money.from_minor(self.amount_minor, self.payment.currency)
