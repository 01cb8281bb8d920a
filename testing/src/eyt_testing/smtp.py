"""A real SMTP server on loopback (aiosmtpd) that collects what it receives.

```python
with SmtpServer() as smtp:
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
    ...  # send mail
    message = smtp.messages[0]  # email.message.EmailMessage
```
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["ReceivedMail", "SmtpServer"]


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp_server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server._lock:
            self.server.received.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """Start on ``__enter__`` on 127.0.0.1 and a free port; stop on ``__exit__``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def __enter__(self) -> SmtpServer:
        self.port = _free_port(self.host)
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self.received]
