"""Signals of django-eyt-payments. Each is sent after the transaction that changed the payment commits."""

from __future__ import annotations

from django.dispatch import Signal

#: A payment's money was captured. kwargs: ``payment``.
payment_succeeded = Signal()
#: An attempt to pay failed (declined, authentication failed). kwargs: ``payment``, ``code`` (decline code).
payment_failed = Signal()
#: A refund was recorded. kwargs: ``payment``, ``refund``.
payment_refunded = Signal()
#: A payment was canceled before capture. kwargs: ``payment``.
payment_canceled = Signal()
#: Stripe reported a dispute (chargeback) on a payment. kwargs: ``payment``, ``dispute_status``.
payment_disputed = Signal()
