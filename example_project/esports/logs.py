"""Log hygiene for the platform: secrets that could slip into a message are masked before any handler sees them."""

from __future__ import annotations

import logging
import re

SECRET_PATTERNS = re.compile(
    r"(sk|rk)_(live|test)_[0-9A-Za-z]+"  # Stripe secret and restricted keys
    r"|whsec_[0-9A-Za-z]+"  # webhook signing secrets
    r"|(pi|seti)_[0-9A-Za-z]+_secret_[0-9A-Za-z]+"  # client secrets of intents
)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PATTERNS.sub("[redacted]", message).replace("\r", " ").replace("\n", " ")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
