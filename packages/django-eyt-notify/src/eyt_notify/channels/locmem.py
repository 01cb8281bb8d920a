"""An in-memory channel for tests, like Django's ``mail.outbox``: every send appends to ``outbox``.

```python
from eyt_notify.channels import locmem
locmem.outbox.clear()
... # notify and dispatch
assert [m.message.subject for m in locmem.outbox] == ["Match starts"]
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from eyt_notify.channels.base import BaseChannel, Message

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Delivery, Notification

__all__ = ["LocMemChannel", "SentMessage", "outbox"]


@dataclass(frozen=True)
class SentMessage:
    """One message a locmem channel sent, as kept in ``outbox``."""

    channel: str
    delivery_id: int
    recipient_id: Any
    message: Message


#: Every message sent through a locmem channel, across aliases, in order.
outbox: list[SentMessage] = []


class LocMemChannel(BaseChannel):
    """OPTIONS: ``parts`` (the template parts to render; default subject, body and html)."""

    option_names: ClassVar[frozenset[str]] = frozenset({"parts"})

    def __init__(self, alias: str, **options: Any) -> None:
        super().__init__(alias, **options)
        self.parts = tuple(options.get("parts", ("subject", "body", "html")))  # type: ignore[misc]

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> Any:
        return user.pk

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        outbox.append(SentMessage(self.alias, delivery.pk, address, message))
        return f"locmem-{len(outbox)}"
