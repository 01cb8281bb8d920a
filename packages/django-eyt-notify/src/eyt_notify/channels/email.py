"""Email through Django's mail API: a MAILERS alias on Django 6.1, the EMAIL_BACKEND connection before it.

Anything that is a Django email backend works, django-anymail's included (its message id is recorded). The worker
sends a batch of deliveries over one connection (one SMTP session), each message sent and judged on its own.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.core import mail
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.mail.utils import DNS_NAME

from eyt_notify.adapter import get_adapter
from eyt_notify.channels.base import BaseChannel, Message
from eyt_notify.exceptions import DeliveryError, NoAddress, PermanentDeliveryError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.mail.backends.base import BaseEmailBackend

    from eyt_notify.models import Delivery, Notification

__all__ = ["EmailChannel"]

logger = logging.getLogger("eyt_notify.dispatch")


class EmailChannel(BaseChannel):
    """OPTIONS: ``mailer`` (a Django 6.1 MAILERS alias), ``from_email`` (default DEFAULT_FROM_EMAIL),
    ``reply_to`` (a list), ``headers`` (extra headers)."""

    parts: ClassVar[tuple[str, ...]] = ("subject", "body", "html")
    option_names: ClassVar[frozenset[str]] = frozenset({"mailer", "from_email", "reply_to", "headers"})

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> str:
        email = get_adapter().get_email(user)
        if not email:
            raise NoAddress("The recipient has no email address.")
        return email

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        with _Session(self.connection) as session:
            return session.send(self.email_message(address, message))

    @contextmanager
    def batch(self) -> Iterator[Callable[[Delivery], str]]:
        """One connection for the whole batch, opened on its first message and closed at the end."""
        with _Session(self.connection) as session:
            yield lambda delivery: session.send(self.email_message(*self.prepare(delivery)))

    def email_message(self, address: str, message: Message) -> EmailMultiAlternatives:
        """The email for one recipient (override to change it): text, HTML alternative, a Message-ID of our own."""
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=self.options.get("from_email"),
            to=[address],
            reply_to=self.options.get("reply_to"),
            headers={**self.options.get("headers", {}), "Message-ID": make_msgid(domain=DNS_NAME)},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def connection(self) -> BaseEmailBackend:
        """A new, unopened email backend instance: the ``mailer`` alias of MAILERS on 6.1, else EMAIL_BACKEND."""
        mailers = getattr(mail, "mailers", None)
        if mailers is not None:  # Django 6.1+
            return cast("BaseEmailBackend", mailers[self.options.get("mailer") or "default"])
        return mail.get_connection()


class _Session:
    """One email backend connection shared by consecutive messages, each sent and judged on its own.

    The connection opens with the first message. A recipient the server refuses for good (5xx) fails only that
    delivery; smtplib resets the transaction and the connection goes on. Any other failure may have broken the
    connection: it is closed, the message is retried later, and the next message opens a new connection. If a
    connection cannot be opened, the rest of the batch fails at once (each retried later) instead of each waiting
    for its own connect timeout.
    """

    def __init__(self, factory: Callable[[], BaseEmailBackend]) -> None:
        self.factory = factory
        self.backend: BaseEmailBackend | None = None
        self.unreachable: str | None = None

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, email: EmailMultiAlternatives) -> str:
        backend = self.backend or self._open()
        try:
            sent = backend.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            if all(_code(reply) >= 500 for reply in error.recipients.values()):
                raise PermanentDeliveryError(f"The mail server refused the recipient: {error.recipients}") from error
            self.close()  # 4xx: try again later; a 421 also means the server closed the connection
            raise DeliveryError(f"The mail server deferred the recipient: {error.recipients}") from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        except Exception:  # another backend's error (an API client's): retried by the worker on a fresh connection
            self.close()
            raise
        if not sent:
            raise DeliveryError("The email backend reported that nothing was sent.")
        status = getattr(email, "anymail_status", None)
        return str(getattr(status, "message_id", None) or email.extra_headers.get("Message-ID", ""))

    def _open(self) -> BaseEmailBackend:
        if self.unreachable is not None:
            raise DeliveryError(f"Not sent: no connection to the mail server in this batch ({self.unreachable}).")
        backend = None
        try:
            backend = self.factory()
            backend.open()
        except Exception as error:
            self.unreachable = f"{type(error).__name__}: {error}"
            if backend is not None:
                _close(backend)  # a half-open connection (refused TLS or login)
            if isinstance(error, (smtplib.SMTPException, OSError)):
                raise DeliveryError(self.unreachable) from error
            raise
        self.backend = backend
        return backend

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            _close(backend)


def _close(backend: BaseEmailBackend) -> None:
    try:
        backend.close()
    except Exception:  # a connection that broke may fail to say QUIT; it is dropped either way
        logger.debug("Closing the email connection failed.", exc_info=True)


def _code(reply: Any) -> int:
    """The SMTP code of a ``SMTPRecipientsRefused`` entry, ``(code, message)``."""
    try:
        return int(reply[0])
    except (TypeError, ValueError, IndexError):
        return 0
