"""The exceptions of django-eyt-payments, one deliberate tree.

Every error carries a ``code`` (stable, for programs and JSON responses) and a ``user_message`` that is safe to
show a customer. ``str(error)`` is for developers and logs and may hold detail such as Stripe's own text, which
never belongs in a response: use ``user_message``.

    PaymentsError
    ├── PaymentsConfigurationError (also ImproperlyConfigured)
    │   └── InvalidGateway
    ├── PaymentValidationError (also ValueError): bad input, nothing was changed
    │   ├── InvalidAmount, UnsupportedCurrency, BelowMinimumCharge, AmountOutOfRange
    │   ├── UnknownPaymentType, UnknownPayable
    │   └── InvalidRefund
    │       └── RefundExceedsPayment
    ├── IllegalTransition
    ├── RefundNotAllowed: the adapter's policy refused
    └── GatewayError: the payment provider refused or could not be reached
        ├── PaymentDeclined (decline_code), AuthenticationRequired
        ├── GatewayUnavailable: network, 429 or 5xx after retries; the outcome may be unknown
        ├── IdempotencyConflict
        └── GatewayRequestError
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class PaymentsError(Exception):
    """Base of every error this package raises."""

    code = "payments_error"
    default_user_message: Any = _("The payment could not be processed.")

    def __init__(self, message: str = "", *, code: str | None = None, user_message: Any = None) -> None:
        super().__init__(message or str(self.default_user_message))
        if code is not None:
            self.code = code
        self.user_message = str(user_message if user_message is not None else self.default_user_message)


class PaymentsConfigurationError(PaymentsError, ImproperlyConfigured):
    """A setting is wrong. Never swallowed: fix the settings."""

    code = "configuration_error"
    default_user_message = _("Payments are not available right now.")


class InvalidGateway(PaymentsConfigurationError):
    """``EYT_PAYMENTS_GATEWAY`` names no usable gateway, or gives it options it does not accept."""

    code = "invalid_gateway"


class PaymentValidationError(PaymentsError, ValueError):
    """The caller asked for something invalid; nothing was changed."""

    code = "invalid_request"
    default_user_message = _("The payment request is not valid.")


class InvalidAmount(PaymentValidationError):
    """The amount is not valid money in the currency: a float, not positive, too many decimals or above Stripe's
    maximum."""

    code = "invalid_amount"
    default_user_message = _("The amount is not valid.")


class UnsupportedCurrency(PaymentValidationError):
    """The currency is not one Stripe supports, or not in ``EYT_PAYMENTS_CURRENCIES``."""

    code = "unsupported_currency"
    default_user_message = _("This currency is not accepted.")


class BelowMinimumCharge(PaymentValidationError):
    """The amount is below Stripe's minimum charge for the currency."""

    code = "amount_too_small"
    default_user_message = _("The amount is below the minimum that can be charged.")


class AmountOutOfRange(PaymentValidationError):
    """The amount is outside the payment type's ``EYT_PAYMENTS_AMOUNT_LIMITS``."""

    code = "amount_out_of_range"
    default_user_message = _("The amount is outside the range allowed for this payment.")


class UnknownPaymentType(PaymentValidationError):
    """The payment type is not a valid slug, or no payable is registered under it."""

    code = "unknown_payment_type"
    default_user_message = _("This kind of payment is not available.")


class UnknownPayable(PaymentValidationError):
    """The reference names nothing payable: the resolver found no such item or refused it."""

    code = "unknown_payable"
    default_user_message = _("The item to pay for was not found.")


class AlreadyPaid(PaymentValidationError):
    """A payable was asked for again after it was paid (a reload of a checkout, a second tab)."""

    code = "already_paid"
    default_user_message = _("This has already been paid for.")


class InvalidRefund(PaymentValidationError):
    """The refund cannot be made as asked: the payment's status allows none, the reason is unknown, or the request
    was already decided."""

    code = "invalid_refund"
    default_user_message = _("This payment cannot be refunded.")


class RefundExceedsPayment(InvalidRefund):
    """The refund is more than what is still refundable on the payment."""

    code = "refund_exceeds_payment"
    default_user_message = _("The refund is larger than the amount left to refund.")


class IllegalTransition(PaymentsError):
    """A status change the state machine does not allow."""

    code = "illegal_transition"


class RefundNotAllowed(PaymentsError):
    """The adapter's policy does not let this user refund this payment (now)."""

    code = "refund_not_allowed"
    default_user_message = _("You cannot refund this payment.")


class GatewayError(PaymentsError):
    """The payment provider refused the request or could not be reached."""

    code = "gateway_error"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        user_message: Any = None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, user_message=user_message)
        self.http_status = http_status
        self.request_id = request_id


class PaymentDeclined(GatewayError):
    """The card or bank said no. ``decline_code`` is Stripe's (``insufficient_funds``, ...)."""

    code = "card_declined"
    default_user_message = _("Your card was declined.")

    def __init__(self, message: str = "", *, decline_code: str | None = None, **kwargs: Any) -> None:
        from eyt_payments.declines import decline_message

        kwargs.setdefault("user_message", decline_message(decline_code))
        super().__init__(message, **kwargs)
        self.decline_code = decline_code


class AuthenticationRequired(GatewayError):
    """The bank asks the customer to authenticate (3D Secure) before the card can be charged."""

    code = "authentication_required"
    default_user_message = _("Your bank asks you to confirm this payment.")


class GatewayUnavailable(GatewayError):
    """No answer after every retry. The provider may or may not have acted: retry with the same operation."""

    code = "gateway_unavailable"
    default_user_message = _("The payment service is not reachable right now. Please try again.")


class IdempotencyConflict(GatewayError):
    """An idempotency key was reused with different parameters."""

    code = "idempotency_conflict"
    default_user_message = _("This request conflicts with an earlier one. Please reload and try again.")


class GatewayRequestError(GatewayError):
    """The provider rejected the request as invalid (a bug or a stale object, not the customer's fault)."""

    code = "gateway_request_error"
