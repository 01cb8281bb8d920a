"""``StripeService``: the one entry point host code uses to take, confirm and refund money.

Rules it keeps:
- amounts are checked and converted exactly (``money``) before anything is stored or sent;
- every money-moving call carries an idempotency key derived from the local operation and stored with it
  (``<payment key>``, ``<payment key>:confirm:<attempt>``, ``<payment key>:refund:<ledger position>``), so a
  retry, a lost answer or a double click never creates a second charge or refund;
- refunds run under a row lock on the payment and never exceed what was captured;
- status changes go through the state machine; signals, per-type hooks and audit entries follow the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from eyt_payments import effects, money, payables, state, sync
from eyt_payments.conf import settings
from eyt_payments.exceptions import (
    AlreadyPaid,
    GatewayError,
    InvalidRefund,
    PaymentDeclined,
    PaymentValidationError,
    RefundExceedsPayment,
    RefundNotAllowed,
    UnsupportedCurrency,
)
from eyt_payments.fees import FeeBreakdown, calculate_fees, fees_for_minor
from eyt_payments.gateways import Gateway, get_gateway
from eyt_payments.gateways.base import GatewayIntent, GatewaySetupIntent, IntentRequest, RefundRequest
from eyt_payments.hooks import get_adapter
from eyt_payments.integrations import audit
from eyt_payments.models import Customer, Payment, PaymentMethod, Refund
from eyt_payments.state import PaymentStatus, RefundStatus

MAX_METADATA_KEYS = 40  # Stripe allows 50; ten are left for the package's own keys


def _validate_metadata(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or len(metadata) > MAX_METADATA_KEYS:
        raise PaymentValidationError(f"metadata must be a mapping of at most {MAX_METADATA_KEYS} keys.")
    cleaned = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not 0 < len(key) <= 40 or key.startswith("eyt_") or len(str(value)) > 500:
            raise PaymentValidationError(
                f"metadata key {key!r} is not allowed: keys are 1-40 characters, not starting with 'eyt_', "
                "and values at most 500 characters."
            )
        cleaned[key] = "" if value is None else str(value)
    return cleaned


def _after_commit(payment: Payment, status: str, **extra: Any) -> None:
    """Send the status's signal and run the payment type's hook once the transaction commits."""
    effects.announce_status(payment, status, **extra)


class StripeService:
    """Payments, refunds and saved payment methods through the configured gateway (or the one given)."""

    def __init__(self, gateway: Gateway | None = None) -> None:
        self._gateway = gateway

    @property
    def gateway(self) -> Gateway:
        """The gateway given to the constructor, else the configured one (``get_gateway()``)."""
        return self._gateway if self._gateway is not None else get_gateway()

    # Customers ---------------------------------------------------------------------------------------------------

    def get_or_create_customer(self, user: Any) -> Customer:
        """The user's Stripe customer in the gateway's mode, created on first use."""
        livemode = self.gateway.livemode
        customer = Customer.objects.filter(user=user, livemode=livemode, deleted_at__isnull=True).first()
        if customer is not None:
            return customer
        adapter = get_adapter()
        remote = self.gateway.create_customer(
            email=adapter.customer_email(user),
            name=adapter.customer_name(user),
            metadata={"eyt_user_id": user.pk},
            idempotency_key=f"eyt:customer:{user.pk}:{'live' if livemode else 'test'}",
        )
        customer, created = Customer.objects.get_or_create(
            user=user, livemode=livemode, defaults={"stripe_customer_id": remote.id}
        )
        if not created and customer.deleted_at is not None:  # Stripe deleted the old one: use the new customer
            customer.stripe_customer_id, customer.deleted_at = remote.id, None
            customer.save(update_fields=["stripe_customer_id", "deleted_at", "updated_at"])
        return customer

    # Payments -----------------------------------------------------------------------------------------------------

    def create_payment_intent(
        self,
        user: Any,
        amount: Decimal | int | str,
        payment_type: str,
        metadata: Mapping[str, Any] | None = None,
        currency: str | None = None,
        *,
        reference: Model | None = None,
        description: str = "",
        payment_method: str | None = None,
        confirm: bool = False,
        capture_method: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Payment, GatewayIntent]:
        """Create a payment of ``amount`` (Decimal, major units) and its PaymentIntent.

        A second call for the same open ``reference`` (or the same ``idempotency_key``) returns the same payment
        and intent: a double click never makes a second charge. With ``payment_method`` and ``confirm=True`` a
        saved card is charged at once (see ``confirm_payment``). Raises ``PaymentValidationError`` subclasses for
        bad input (nothing is stored) and ``GatewayError`` subclasses when the provider refuses.
        """
        currency = self._accepted_currency(currency)
        amount_minor = money.charge_amount_minor(amount, currency)
        payables.validate_payment_type(payment_type)
        payables.check_amount_limits(payment_type, amount_minor, currency)
        clean_metadata = _validate_metadata(metadata)
        method = capture_method or settings.EYT_PAYMENTS_CAPTURE_METHOD
        if method not in ("automatic", "manual"):
            raise PaymentValidationError(f"capture_method must be 'automatic' or 'manual', not {method!r}.")
        fees = fees_for_minor(amount_minor, currency, payment_type)
        customer = self.get_or_create_customer(user)
        payment = Payment(
            user=user,
            customer=customer,
            payment_type=payment_type,
            amount_minor=amount_minor,
            currency=currency,
            description=description[:500],
            metadata=clean_metadata,
            estimated_stripe_fee_minor=fees.stripe_fee_minor,
            platform_fee_minor=fees.platform_fee_minor,
            livemode=customer.livemode,
        )
        payment.idempotency_key = f"eyt:pi:{user.pk}:{idempotency_key}" if idempotency_key else f"eyt:pi:{payment.id}"
        if reference is not None:
            payment.content_type = ContentType.objects.get_for_model(reference)
            payment.object_id = str(reference.pk)
        existing = self._insert_or_existing(payment)
        if existing is not None:
            return existing, self._intent_of(existing, method, payment_method)
        return payment, self._create_intent(payment, method, payment_method, confirm)

    def create_payable_intent(
        self, user: Any, payment_type: str, ref: str, metadata: Mapping[str, Any] | None = None, **options: Any
    ) -> tuple[Payment, GatewayIntent]:
        """Pay for what ``payment_type`` + ``ref`` names: the registered resolver sets amount and currency."""
        payable = payables.resolve_payable(payment_type, ref, user)
        if payable.obj is not None:
            self._refuse_if_already_paid(user, payment_type, payable.obj)
        merged = {**payable.metadata, **(metadata or {})}
        return self.create_payment_intent(
            user,
            payable.amount,
            payment_type,
            merged,
            payable.currency,
            reference=payable.obj,
            description=payable.description,
            **options,
        )

    def _refuse_if_already_paid(self, user: Any, payment_type: str, obj: Model) -> None:
        """A reloaded checkout must not charge twice: an item the user has paid for in full is refused, unless the
        adapter says the type may be bought again."""
        paid = Payment.objects.filter(
            user=user,
            payment_type=payment_type,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            status=PaymentStatus.SUCCEEDED,
        ).exists()
        if paid and not get_adapter().allows_repeat_payment(user, payment_type, obj):
            raise AlreadyPaid(f"{payment_type} {obj.pk} was already paid by user {user.pk}.")

    def _accepted_currency(self, currency: str | None) -> str:
        code = (
            (currency or settings.EYT_PAYMENTS_DEFAULT_CURRENCY).lower()
            if isinstance(currency, str | None)
            else currency
        )
        money.get_currency(code)
        accepted = settings.EYT_PAYMENTS_CURRENCIES
        if accepted is not None and code not in {c.lower() for c in accepted}:
            raise UnsupportedCurrency(f"{code.upper()} is not in EYT_PAYMENTS_CURRENCIES.")
        return code

    def _insert_or_existing(self, payment: Payment) -> Payment | None:
        """Insert ``payment``; if an equal open payment (or the same caller key) exists, return that instead."""
        for _ in range(2):
            try:
                if transaction.get_connection().in_atomic_block:
                    with transaction.atomic():  # a savepoint keeps the caller's transaction usable
                        payment.save(force_insert=True)
                else:
                    payment.save(force_insert=True)
                return None
            except IntegrityError:
                existing = self._existing_for(payment)
                if existing is None:
                    raise
                if existing.status not in state.OPEN_PAYMENT_STATUSES:
                    return existing  # processing or awaiting capture: never start a second charge
                if existing.amount_minor == payment.amount_minor and existing.currency == payment.currency:
                    return existing
                # The price changed since the open payment was made: cancel it and start again.
                self.cancel_payment(existing)
        raise PaymentValidationError("Another payment for this item was being created; please try again.")

    def _existing_for(self, payment: Payment) -> Payment | None:
        by_key = Payment.objects.filter(idempotency_key=payment.idempotency_key).first()
        if by_key is not None or payment.content_type_id is None:
            return by_key
        return Payment.objects.filter(
            user=payment.user,
            payment_type=payment.payment_type,
            content_type=payment.content_type_id,
            object_id=payment.object_id,
            status__in=state.IN_PROGRESS_PAYMENT_STATUSES,
        ).first()

    def _intent_of(self, payment: Payment, capture_method: str, payment_method: str | None) -> GatewayIntent:
        if payment.stripe_payment_intent_id:
            return self.gateway.retrieve_intent(payment.stripe_payment_intent_id)
        # An earlier attempt never heard back from the provider: repeat it under the same key.
        return self._create_intent(payment, capture_method, payment_method, confirm=False)

    def _create_intent(
        self, payment: Payment, capture_method: str, payment_method: str | None, confirm: bool
    ) -> GatewayIntent:
        request = IntentRequest(
            amount=payment.amount_minor,
            currency=payment.currency,
            customer=payment.customer.stripe_customer_id if payment.customer else None,
            payment_method=payment_method,
            capture_method=capture_method,
            description=payment.description,
            statement_descriptor_suffix=get_adapter().statement_descriptor_suffix(payment.payment_type),
            metadata={**payment.metadata, "eyt_payment_id": str(payment.id), "eyt_payment_type": payment.payment_type},
        )
        intent = self.gateway.create_intent(request, idempotency_key=payment.idempotency_key)
        payment.stripe_payment_intent_id = intent.id
        payment.livemode = intent.livemode
        new_status = state.payment_status_for_intent(intent.status)
        if state.PAYMENT.can_advance(payment.status, new_status):
            payment.advance(new_status)
        with audit.together():  # the entry commits with the change it records
            Payment.objects.filter(pk=payment.pk).update(
                stripe_payment_intent_id=intent.id,
                livemode=intent.livemode,
                status=payment.status,
                updated_at=timezone.now(),
            )
            audit.record("intent_created", payment, actor=payment.user, metadata=self._audit_data(payment))
        if confirm:
            return self.confirm_payment(payment)
        return intent

    def confirm_payment(
        self, payment: Payment, payment_method: str | None = None, return_url: str = ""
    ) -> GatewayIntent:
        """Confirm the payment's intent server-side (a saved card). A decline marks the payment ``failed`` and
        raises ``PaymentDeclined`` with a readable ``user_message``; the customer may try again."""
        declined: PaymentDeclined | None = None
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
                raise PaymentValidationError(f"A payment in status {locked.status!r} cannot be confirmed.")
            attempt = locked.confirm_attempts + 1
            try:
                intent = self.gateway.confirm_intent(
                    locked.stripe_payment_intent_id or "",
                    payment_method=payment_method,
                    return_url=return_url,
                    idempotency_key=f"{locked.idempotency_key}:confirm:{attempt}",
                )
            except PaymentDeclined as error:
                declined = error
                locked.failure_code = (error.decline_code or error.code)[:64]
                self._set_status(locked, PaymentStatus.FAILED, code=locked.failure_code)
                sync.known_now(locked)
                intent = None
            locked.confirm_attempts = attempt
            if intent is not None:
                self._apply_intent(locked, intent)
            locked.save(
                update_fields=[
                    "status",
                    "failure_code",
                    "confirm_attempts",
                    "succeeded_at",
                    "last_event_at",
                    "updated_at",
                ]
            )
            action, outcome = ("payment_failed", "failure") if declined else ("intent_confirmed", "success")
            audit.record(action, locked, actor=locked.user, metadata=self._audit_data(locked), outcome=outcome)
        self._copy_state(locked, payment)
        if declined is not None or intent is None:
            raise declined or PaymentValidationError("The provider returned no intent.")
        return intent

    def sync_payment(self, payment: Payment) -> Payment:
        """Bring the payment up to date with its intent at the provider (after 3D Secure, on a success page)."""
        if not payment.stripe_payment_intent_id:
            return payment
        intent = self.gateway.retrieve_intent(payment.stripe_payment_intent_id)
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if self._apply_intent(locked, intent):
                locked.save(update_fields=["status", "failure_code", "succeeded_at", "last_event_at", "updated_at"])
        self._copy_state(locked, payment)
        return payment

    def capture_payment(self, payment: Payment, amount: Decimal | int | str | None = None) -> GatewayIntent:
        """Capture an authorised payment (``capture_method="manual"``), in full or ``amount`` of it."""
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status != PaymentStatus.REQUIRES_CAPTURE:
                raise PaymentValidationError(f"A payment in status {locked.status!r} cannot be captured.")
            amount_minor = None if amount is None else money.to_minor(amount, locked.currency)
            if amount_minor is not None and amount_minor > locked.amount_minor:
                raise PaymentValidationError("The amount to capture is larger than the payment.")
            intent = self.gateway.capture_intent(
                locked.stripe_payment_intent_id or "",
                amount=amount_minor,
                idempotency_key=f"{locked.idempotency_key}:capture",
            )
            if amount_minor is not None and amount_minor != locked.amount_minor:
                locked.amount_minor = amount_minor
            self._apply_intent(locked, intent)
            locked.save(
                update_fields=["status", "amount_minor", "succeeded_at", "last_event_at", "updated_at", "failure_code"]
            )
            audit.record("captured", locked, actor=locked.user, metadata=self._audit_data(locked))
        self._copy_state(locked, payment)
        return intent

    def cancel_payment(self, payment: Payment) -> Payment:
        """Cancel a payment that has not been captured (open or authorised)."""
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status == PaymentStatus.CANCELED:
                return locked
            if not state.PAYMENT.can_advance(locked.status, PaymentStatus.CANCELED):
                raise PaymentValidationError(f"A payment in status {locked.status!r} cannot be canceled.")
            if locked.stripe_payment_intent_id:
                intent = self.gateway.cancel_intent(
                    locked.stripe_payment_intent_id, idempotency_key=f"{locked.idempotency_key}:cancel"
                )
                self._apply_intent(locked, intent)
            else:
                self._set_status(locked, PaymentStatus.CANCELED)
            locked.save(update_fields=["status", "failure_code", "succeeded_at", "last_event_at", "updated_at"])
            audit.record("canceled", locked, actor=locked.user, metadata=self._audit_data(locked))
        self._copy_state(locked, payment)
        return payment

    def _apply_intent(self, payment: Payment, intent: GatewayIntent) -> bool:
        """Move ``payment`` to the intent's status when the state machine allows it (a stale answer is ignored)."""
        new_status = state.payment_status_for_intent(intent.status, has_error=bool(intent.error_code))
        if intent.error_code:
            payment.failure_code = (intent.decline_code or intent.error_code)[:64]
        sync.known_now(payment)
        if not state.PAYMENT.can_advance(payment.status, new_status):
            return False
        return self._set_status(payment, new_status, code=payment.failure_code)

    def _set_status(self, payment: Payment, new_status: str, **extra: Any) -> bool:
        changed = payment.advance(new_status)
        if changed and new_status == PaymentStatus.SUCCEEDED:
            payment.succeeded_at = timezone.now()
        if changed:
            _after_commit(payment, new_status, **(extra if new_status == PaymentStatus.FAILED else {}))
        return changed

    @staticmethod
    def _copy_state(source: Payment, target: Payment) -> None:
        if source is not target:
            for name in (
                "status",
                "failure_code",
                "confirm_attempts",
                "succeeded_at",
                "amount_minor",
                "amount_refunded_minor",
                "refund_count",
                "updated_at",
            ):
                setattr(target, name, getattr(source, name))

    @staticmethod
    def _audit_data(payment: Payment, **extra: Any) -> dict[str, Any]:
        return {
            "payment_id": str(payment.id),
            "payment_type": payment.payment_type,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "status": payment.status,
            "payment_intent": payment.stripe_payment_intent_id,
            **extra,
        }

    # Refunds ------------------------------------------------------------------------------------------------------

    def refund_payment(
        self,
        payment: Payment,
        amount: Decimal | int | str | None = None,
        reason: str | None = None,
        requested_by: Any = None,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> Refund:
        """Refund ``amount`` (default: all that is left) of a captured payment; any number of partial refunds.

        Runs under a row lock on the payment, so concurrent refunds are applied one after the other and their
        total never exceeds the captured amount. The idempotency key is the refund's ledger position: a request
        repeated after a lost answer reuses it and cannot refund twice."""
        if reason and reason not in Refund.Reason.values:
            raise InvalidRefund(f"reason must be one of {', '.join(Refund.Reason.values)}, not {reason!r}.")
        clean_metadata = _validate_metadata(metadata)
        adapter = get_adapter()
        if not adapter.may_refund(requested_by, payment):
            raise RefundNotAllowed(f"{requested_by!r} may not refund payment {payment.pk}.")
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status not in state.REFUNDABLE_STATUSES:
                raise InvalidRefund(f"A payment in status {locked.status!r} cannot be refunded.")
            deadline = adapter.refund_deadline(locked)
            if deadline is not None and timezone.now() > deadline:
                raise RefundNotAllowed(
                    f"The refund window of payment {locked.pk} closed at {deadline.isoformat()}.",
                    user_message="The period for refunding this payment has ended.",
                )
            amount_minor = locked.refundable_minor if amount is None else money.to_minor(amount, locked.currency)
            if not 0 < amount_minor <= locked.refundable_minor:
                raise RefundExceedsPayment(
                    f"Refund of {money.format_amount(amount_minor, locked.currency)} exceeds the "
                    f"{money.format_amount(locked.refundable_minor, locked.currency)} left on payment {locked.pk}."
                )
            refund = self._send_refund(locked, amount_minor, reason or "", requested_by, clean_metadata)
            audit.record(
                "refunded",
                locked,
                actor=requested_by,
                metadata=self._audit_data(locked, refund_id=str(refund.id), refund_amount_minor=amount_minor),
            )
            effects.announce_refund(locked, refund)
        self._copy_state(locked, payment)
        return refund

    def _send_refund(
        self, payment: Payment, amount_minor: int, reason: str, requested_by: Any, metadata: dict[str, str]
    ) -> Refund:
        sequence = payment.refund_count + 1
        refund = Refund(
            id=uuid.uuid5(payment.id, f"refund:{sequence}"),
            payment=payment,
            sequence=sequence,
            amount_minor=amount_minor,
            currency=payment.currency,
            reason=reason,
            requested_by=requested_by,
            idempotency_key=f"{payment.idempotency_key}:refund:{sequence}",
            livemode=payment.livemode,
        )
        remote = self.gateway.create_refund(
            RefundRequest(
                payment_intent=payment.stripe_payment_intent_id or "",
                amount=amount_minor,
                reason=reason,
                metadata={
                    **metadata,
                    "eyt_payment_id": str(payment.id),
                    "eyt_refund_id": str(refund.id),
                    "eyt_refund_sequence": str(sequence),
                },
            ),
            idempotency_key=refund.idempotency_key,
        )
        refund.stripe_refund_id = remote.id
        refund.advance(remote.status if remote.status in RefundStatus.values else RefundStatus.PENDING)
        refund.failure_reason = (remote.failure_reason or "")[:64]
        refund.save(force_insert=True)
        payment.refund_count = sequence
        if refund.status not in (RefundStatus.FAILED, RefundStatus.CANCELED):
            payment.amount_refunded_minor += amount_minor
            payment.advance(
                PaymentStatus.REFUNDED if payment.refundable_minor == 0 else PaymentStatus.PARTIALLY_REFUNDED
            )
        payment.save(update_fields=["refund_count", "amount_refunded_minor", "status", "updated_at"])
        return refund

    # Payment methods ----------------------------------------------------------------------------------------------

    def start_payment_method_setup(self, user: Any) -> GatewaySetupIntent:
        """Step one of saving a card: a SetupIntent whose ``client_secret`` the Payment Element confirms."""
        customer = self.get_or_create_customer(user)
        return self.gateway.create_setup_intent(
            customer.stripe_customer_id, idempotency_key=f"eyt:seti:{customer.pk}:{uuid.uuid4()}"
        )

    def add_payment_method(self, user: Any, payment_method_id: str, *, set_default: bool = False) -> PaymentMethod:
        """Record a card the customer saved (attaching it if the SetupIntent did not). The first card becomes the
        default; ``set_default`` makes this one the default."""
        if not isinstance(payment_method_id, str) or not payment_method_id.strip():
            raise PaymentValidationError(f"{payment_method_id!r} is not a payment method id.")
        customer = self.get_or_create_customer(user)
        remote = self.gateway.attach_payment_method(payment_method_id.strip(), customer.stripe_customer_id)
        method, _ = PaymentMethod.objects.update_or_create(
            stripe_payment_method_id=remote.id,
            defaults={
                "customer": customer,
                "type": remote.type,
                "brand": remote.brand,
                "last4": remote.last4,
                "exp_month": remote.exp_month,
                "exp_year": remote.exp_year,
                "livemode": remote.livemode,
            },
        )
        audit.record("method_added", method, actor=user, metadata={"brand": method.brand, "last4": method.last4})
        if set_default or not customer.payment_methods.filter(is_default=True).exists():
            return self.set_default_payment_method(user, method)
        return method

    def _owned_method(self, user: Any, payment_method: PaymentMethod | str) -> PaymentMethod:
        key = payment_method.pk if isinstance(payment_method, PaymentMethod) else payment_method
        lookup = {"pk": key} if isinstance(payment_method, PaymentMethod) else {"stripe_payment_method_id": key}
        method = PaymentMethod.objects.filter(customer__user=user, **lookup).select_related("customer").first()
        if method is None:
            raise PaymentValidationError(
                f"{user!r} has no payment method {key!r}.",
                code="payment_method_not_found",
                user_message="This payment method was not found.",
            )
        return method

    def set_default_payment_method(self, user: Any, payment_method: PaymentMethod | str) -> PaymentMethod:
        """Make ``payment_method`` the default, here and as Stripe's ``invoice_settings.default_payment_method``."""
        method = self._owned_method(user, payment_method)
        self.gateway.set_default_payment_method(method.customer.stripe_customer_id, method.stripe_payment_method_id)
        with transaction.atomic():
            PaymentMethod.objects.filter(customer=method.customer, is_default=True).exclude(pk=method.pk).update(
                is_default=False
            )
            PaymentMethod.objects.filter(pk=method.pk).update(is_default=True)
        method.is_default = True
        audit.record("method_default_set", method, actor=user, metadata={"last4": method.last4})
        return method

    def remove_payment_method(self, user: Any, payment_method: PaymentMethod | str) -> None:
        """Detach the card at the provider and forget it; if it was the default, the newest other card is."""
        method = self._owned_method(user, payment_method)
        self.gateway.detach_payment_method(method.stripe_payment_method_id)
        method.delete()
        audit.record("method_removed", None, actor=user, metadata={"payment_method": method.stripe_payment_method_id})
        if method.is_default:
            successor = method.customer.payment_methods.order_by("-created_at").first()
            if successor is not None:
                self.set_default_payment_method(user, successor)

    def list_payment_methods(self, user: Any, *, refresh: bool = False) -> QuerySet[PaymentMethod]:
        """The user's saved cards, default first. ``refresh=True`` first reconciles with the provider's list."""
        if refresh:
            customer = self.get_or_create_customer(user)
            remote = {method.id: method for method in self.gateway.list_payment_methods(customer.stripe_customer_id)}
            customer.payment_methods.exclude(stripe_payment_method_id__in=remote).delete()
            for remote_method in remote.values():
                PaymentMethod.objects.update_or_create(
                    stripe_payment_method_id=remote_method.id,
                    defaults={
                        "customer": customer,
                        "type": remote_method.type,
                        "brand": remote_method.brand,
                        "last4": remote_method.last4,
                        "exp_month": remote_method.exp_month,
                        "exp_year": remote_method.exp_year,
                        "livemode": remote_method.livemode,
                    },
                )
        return PaymentMethod.objects.filter(customer__user=user, customer__livemode=self.gateway.livemode)

    # Queries and fees ---------------------------------------------------------------------------------------------

    def payment_history(
        self, user: Any, *, status: str | None = None, payment_type: str | None = None
    ) -> QuerySet[Payment]:
        """The user's payments, newest first (indexed by user and date), optionally by status and type."""
        payments = Payment.objects.filter(user=user)
        if status:
            payments = payments.filter(status=status)
        if payment_type:
            payments = payments.filter(payment_type=payment_type)
        return payments.order_by("-created_at")

    def calculate_fees(
        self, amount: Decimal | int | str, currency: str, payment_type: str | None = None
    ) -> FeeBreakdown:
        """Stripe fee, platform fee and net for charging ``amount`` (see ``eyt_payments.fees``)."""
        return calculate_fees(amount, currency, payment_type)


__all__ = ["GatewayError", "StripeService"]
