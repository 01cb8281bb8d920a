"""The keyed chain: each entry's value is HMAC-SHA256(key, previous value + its canonical form).

Without the key (which lives outside the database) nobody can recompute the chain after editing, inserting,
removing or reordering entries. Checkpoints, exported and stored elsewhere, catch a cut tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes

from eyt_audit.conf import settings

__all__ = ["GENESIS", "Checkpoint", "CheckpointError", "hmac_key", "link", "linker"]

GENESIS = ""
CHECKPOINT_VERSION = 1


def hmac_key() -> bytes:
    """``EYT_AUDIT_HMAC_KEY``, or a key derived from ``SECRET_KEY`` (check ``eyt_audit.W001``)."""
    key = settings.EYT_AUDIT_HMAC_KEY
    if key:
        return force_bytes(key)
    return salted_hmac("eyt_audit.chain", "hmac-key", secret=django_settings.SECRET_KEY, algorithm="sha256").digest()


def link(previous: str, canonical: bytes, key: bytes | None = None) -> str:
    """The chain value of an entry whose canonical form is ``canonical`` and whose predecessor's value is
    ``previous`` (``GENESIS`` for the first entry)."""
    return hmac.new(key or hmac_key(), previous.encode() + b"\n" + canonical, hashlib.sha256).hexdigest()


def linker(key: bytes | None = None) -> Callable[[str, bytes], str]:
    """``link`` with the key set up once, for chaining or verifying many entries: same values, less work each."""
    keyed: Any = hmac.new(key or hmac_key(), digestmod=hashlib.sha256)
    keyed = getattr(keyed, "_hmac", keyed)  # OpenSSL's HMAC when hmac uses it: copying it skips a Python wrapper

    def link_with(previous: str, canonical: bytes) -> str:
        mac = keyed.copy()
        mac.update(previous.encode() + b"\n" + canonical)
        return str(mac.hexdigest())

    return link_with


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or whose signature does not match the key."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: its sequence number and chain value, signed with the key."""

    sequence: int
    chain: str
    created_at: str = ""

    def signature(self, key: bytes | None = None) -> str:
        message = f"eyt_audit.checkpoint\n{self.sequence}\n{self.chain}".encode()
        return hmac.new(key or hmac_key(), message, hashlib.sha256).hexdigest()

    def dumps(self) -> str:
        data = {
            "version": CHECKPOINT_VERSION,
            "sequence": self.sequence,
            "chain": self.chain,
            "created_at": self.created_at,
            "signature": self.signature(),
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def loads(cls, text: str) -> Checkpoint:
        try:
            data: dict[str, Any] = json.loads(text)
            checkpoint = cls(
                sequence=int(data["sequence"]), chain=str(data["chain"]), created_at=str(data["created_at"])
            )
            signature = str(data["signature"])
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"not an eyt_audit checkpoint ({error.__class__.__name__}: {error})") from None
        if not hmac.compare_digest(signature, checkpoint.signature()):
            raise CheckpointError(f"the signature of the checkpoint at #{checkpoint.sequence} does not match the key")
        return checkpoint
