"""Forms of the payment pages: the simulator's test-card form, history filters and refund requests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eyt_payments import money
from eyt_payments.exceptions import PaymentValidationError
from eyt_payments.models import Payment
from eyt_payments.state import PaymentStatus

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


class TestCardForm(forms.Form):
    """A card typed into the offline simulator's form. Only Stripe's test numbers are accepted by the simulator;
    nothing typed here is stored."""

    __test__ = False  # not a pytest class

    # autocomplete="off": a browser must not offer to fill a real card into the test form.
    number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "4242 4242 4242 4242"}
        ),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "12/34"}),
    )
    cvc = forms.RegexField(
        label=_("CVC"),
        regex=r"^\d{3,4}$",
        max_length=4,
        error_messages={"invalid": _("Enter the 3 or 4 digits of the security code.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "123"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "eyt-card-%s")
        super().__init__(*args, **kwargs)

    def clean_number(self) -> str:
        """The card number's digits without spaces; 12 to 19 digits, else a ``ValidationError``."""
        digits = "".join(str(self.cleaned_data["number"]).split())
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise ValidationError(_("Enter a card number of 12 to 19 digits."), code="invalid_number")
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        """``(month, year)`` from ``MM/YY`` or ``MM/YYYY``; a ``ValidationError`` for a malformed or past date."""
        match = _EXPIRY.match(str(self.cleaned_data["expiry"]))
        if not match:
            raise ValidationError(_("Enter the expiry as MM/YY."), code="invalid_expiry")
        month, year = int(match[1]), int(match[2])
        year = year + 2000 if year < 100 else year
        today = _today()
        if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
            raise ValidationError(_("The expiry date is not valid or has passed."), code="invalid_expiry")
        return month, year


def _today() -> dt.date:
    """Today in ``TIME_ZONE`` (``timezone.localdate()`` refuses the naive now of ``USE_TZ = False``)."""
    now = timezone.now()
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


class HistoryFilterForm(forms.Form):
    """Filters of the history page and its CSV export; every field is optional."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *PaymentStatus.choices])
    type = forms.CharField(label=_("Type"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, payment_types: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if payment_types is not None:
            self.fields["type"] = forms.ChoiceField(
                label=_("Type"), required=False, choices=[("", _("Any"))] + [(t, t) for t in payment_types]
            )

    def clean(self) -> dict[str, Any]:
        """Refuses a ``date_from`` after ``date_to``."""
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("The start date is after the end date."), code="invalid_range")
        return cleaned

    def filter(self, payments: Any) -> Any:
        """``payments`` narrowed by the valid filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        if data.get("status"):
            payments = payments.filter(status=data["status"])
        if data.get("type"):
            payments = payments.filter(payment_type=data["type"])
        if data.get("date_from"):
            payments = payments.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            payments = payments.filter(created_at__date__lte=data["date_to"])
        return payments


class RefundRequestForm(forms.Form):
    """How much to refund (empty: everything left) and why."""

    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=18,
        decimal_places=3,
        help_text=_("Leave empty to refund everything that is left."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "min": "0"})

    def clean_amount(self) -> Any:
        """The amount (``None`` for everything left); a ``ValidationError`` when it is not valid in the payment's
        currency or exceeds what is refundable."""
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return None
        try:
            minor = money.to_minor(amount, self.payment.currency)
        except PaymentValidationError as error:
            raise ValidationError(error.user_message, code=error.code) from None
        if minor > self.payment.refundable_minor:
            raise ValidationError(
                _("At most %(left)s can be refunded.")
                % {"left": money.format_amount(self.payment.refundable_minor, self.payment.currency)},
                code="refund_exceeds_payment",
            )
        return amount
