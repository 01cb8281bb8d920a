"""django-eyt-payments: Stripe payments that are exact with money and never double-charge."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
