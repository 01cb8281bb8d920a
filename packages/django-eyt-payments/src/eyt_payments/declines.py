"""Readable, safe messages for Stripe's decline codes (https://docs.stripe.com/declines/codes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DECLINE_MESSAGES = {
    "insufficient_funds": _("Your card has insufficient funds."),
    "lost_card": _("Your card was declined."),
    "stolen_card": _("Your card was declined."),
    "expired_card": _("Your card has expired."),
    "incorrect_cvc": _("Your card's security code is incorrect."),
    "invalid_cvc": _("Your card's security code is incorrect."),
    "incorrect_number": _("Your card number is incorrect."),
    "invalid_expiry_month": _("Your card's expiration month is invalid."),
    "invalid_expiry_year": _("Your card's expiration year is invalid."),
    "processing_error": _("An error occurred while processing your card. Please try again."),
    "card_velocity_exceeded": _("Your card has been declined for making repeated attempts too frequently."),
    "authentication_required": _("Your bank asks you to confirm this payment."),
    "payment_intent_authentication_failure": _("We could not confirm the payment with your bank."),
    "do_not_honor": _("Your card was declined. Please contact your bank."),
    "currency_not_supported": _("Your card does not support this currency."),
    "card_not_supported": _("Your card does not support this type of purchase."),
    "generic_decline": _("Your card was declined."),
}


def decline_message(decline_code: str | None) -> str:
    """The message to show a customer for a decline code; unknown codes get the generic one."""
    return str(DECLINE_MESSAGES.get(decline_code or "", DECLINE_MESSAGES["generic_decline"]))
