"""Every payment and refund, whatever was bought, gets a confirmation to its payer (after commit)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from eyt_notify import notify
from eyt_payments.money import format_amount
from eyt_payments.signals import payment_refunded, payment_succeeded


@receiver(payment_succeeded, dispatch_uid="esports.payment_confirmed")
def confirm_payment(sender: Any, payment: Any, **kwargs: Any) -> None:
    notify(
        payment.user,
        "payment.confirmed",
        context={"amount": format_amount(payment.amount_minor, payment.currency), "description": payment.description},
        action_url=f"/payments/{payment.pk}/",
        idempotency_key=f"payment-confirmed:{payment.pk}",
    )


@receiver(payment_refunded, dispatch_uid="esports.refund_confirmed")
def confirm_refund(sender: Any, payment: Any, refund: Any, **kwargs: Any) -> None:
    notify(
        payment.user,
        "payment.refunded",
        context={
            "amount": format_amount(refund.amount_minor, refund.currency),
            "description": payment.description,
        },
        action_url=f"/payments/{payment.pk}/",
        idempotency_key=f"refund-confirmed:{refund.pk}",
    )
