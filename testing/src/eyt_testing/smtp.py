"""A real SMTP server on loopback (aiosmtpd) that collects what it receives.

```python
with SmtpServer() as smtp:
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
    ...  # send mail
    message = smtp.messages[0]  # email.message.EmailMessage
```

``refuse`` and ``drop`` (sets of addresses, changeable at any time) make the server answer ``550`` to those
recipients, or close the connection without answering. ``connections`` counts the client connections that named a
recipient (each received mail also records its ``peer``, the client's address and port).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterable
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
    #: The client's (host, port): mails with the same peer came over the same connection.
    peer: Any = None


class _Collector:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp_server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.server._lock:
            self.server._sessions[id(session)] = session  # held, so no later session can reuse the id
            drop, refuse = address in self.server.drop, address in self.server.refuse
        if drop:
            smtp_server.transport.close()  # the connection goes away mid-transaction, with no answer
            return "421 4.4.2 Connection dropped"
        if refuse:
            return "550 5.1.1 Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server._lock:
            self.server.received.append(
                ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message, session.peer)
            )
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """Start on ``__enter__`` on 127.0.0.1 and a free port; stop on ``__exit__``."""

    def __init__(self, host: str = "127.0.0.1", *, refuse: Iterable[str] = (), drop: Iterable[str] = ()) -> None:
        self.host = host
        self.port = 0
        self.received: list[ReceivedMail] = []
        self.refuse: set[str] = set(refuse)
        self.drop: set[str] = set(drop)
        self._sessions: dict[int, Any] = {}
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

    @property
    def connections(self) -> int:
        """Client connections that named at least one recipient since the start (or the last ``clear()``)."""
        with self._lock:
            return len(self._sessions)

    def clear(self) -> None:
        """Forget what was received and the connections counted."""
        with self._lock:
            self.received.clear()
            self._sessions.clear()
