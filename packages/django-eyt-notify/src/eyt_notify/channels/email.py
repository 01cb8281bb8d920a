"""Email through Django's mail API: a MAILERS alias on Django 6.1, the EMAIL_BACKEND connection before it.

Anything that is a Django email backend works, django-anymail's included (its message id is recorded).
"""

from __future__ import annotations

import smtplib
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
        message_id = make_msgid(domain=DNS_NAME)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=self.options.get("from_email"),
            to=[address],
            reply_to=self.options.get("reply_to"),
            headers={**self.options.get("headers", {}), "Message-ID": message_id},
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            sent = self.connection().send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"The mail server refused the recipient: {error.recipients}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        if not sent:
            raise DeliveryError("The email backend reported that nothing was sent.")
        status = getattr(email, "anymail_status", None)
        return str(getattr(status, "message_id", None) or message_id)

    def connection(self) -> BaseEmailBackend:
        mailers = getattr(mail, "mailers", None)
        if mailers is not None:  # Django 6.1+
            return cast("BaseEmailBackend", mailers[self.options.get("mailer") or "default"])
        return mail.get_connection()
