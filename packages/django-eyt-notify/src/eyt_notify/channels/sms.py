"""SMS through Twilio's library (``twilio.rest.Client``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from django.core.checks import CheckMessage, Error

from eyt_notify.adapter import get_adapter
from eyt_notify.channels.base import BaseChannel, Message
from eyt_notify.exceptions import DeliveryError, MissingDependency, NoAddress, PermanentDeliveryError

try:
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingDependency("SMS", "sms", "twilio") from error

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Delivery, Notification

SMS_LIMIT = 1600


class SmsChannel(BaseChannel):
    """OPTIONS: ``account_sid``, ``auth_token``, and ``from_number`` or ``messaging_service_sid``;
    ``base_url`` sends Twilio's API calls to another host (a proxy or a test server); ``timeout`` (seconds)."""

    parts: ClassVar[tuple[str, ...]] = ("body",)
    option_names: ClassVar[frozenset[str]] = frozenset(
        {"account_sid", "auth_token", "from_number", "messaging_service_sid", "base_url", "timeout"}
    )

    def __init__(self, alias: str, **options: Any) -> None:
        super().__init__(alias, **options)
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            timeout = float(self.options.get("timeout", 10))
            base_url = self.options.get("base_url")
            http = RebasedHttpClient(base_url, timeout=timeout) if base_url else TwilioHttpClient(timeout=timeout)
            self._client = Client(self.options.get("account_sid"), self.options.get("auth_token"), http_client=http)
        return self._client

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> str:
        number = get_adapter().get_phone_number(user)
        if not number:
            raise NoAddress("The recipient has no phone number.")
        return number

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        sender = (
            {"messaging_service_sid": self.options["messaging_service_sid"]}
            if self.options.get("messaging_service_sid")
            else {"from_": self.options.get("from_number")}
        )
        try:
            sent = self.client.messages.create(to=address, body=message.body[:SMS_LIMIT], **sender)
        except TwilioRestException as error:
            text = f"Twilio {error.status} (code {error.code}): {error.msg}"
            if error.status == 429 or error.status >= 500:
                raise DeliveryError(text) from error
            raise PermanentDeliveryError(text) from error
        except OSError as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        return str(sent.sid)

    def check(self) -> list[CheckMessage]:
        missing = [name for name in ("account_sid", "auth_token") if not self.options.get(name)]
        if not (self.options.get("from_number") or self.options.get("messaging_service_sid")):
            missing.append("from_number or messaging_service_sid")
        if not missing:
            return []
        return [Error(f"The SMS channel {self.alias!r} needs OPTIONS {', '.join(missing)}.", id="eyt_notify.E003")]


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with every request sent to ``base_url`` instead of ``https://*.twilio.com``."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        rebased = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path.rstrip("/") + parts.path, parts.query, "")
        )
        return super().request(method, rebased, *args, **kwargs)
