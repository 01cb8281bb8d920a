"""Web push through pywebpush (RFC 8030/8291/8292) to every subscribed browser or device of the recipient.

A 404 or 410 from a push service removes that one subscription and delivery goes on to the others. When some
subscriptions got the push and others answered 429 or 5xx, the delivery is retried for those others only: the ids of
the subscriptions served are kept on the delivery (``provider_message_id``) and skipped on the next attempt.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.checks import CheckMessage, Error
from django.utils import timezone
from django.utils.functional import cached_property

from eyt_notify.channels.base import BaseChannel, Message
from eyt_notify.exceptions import DeliveryError, MissingDependency, NoAddress, PermanentDeliveryError
from eyt_notify.models import Delivery, PushSubscription

try:
    import pywebpush
    import requests
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from py_vapid import Vapid
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingDependency("web push", "webpush", "pywebpush") from error

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from eyt_notify.models import Notification

#: The push service's Urgency header (RFC 8030 section 5.3) by notification priority.
URGENCY = {"low": "low", "normal": "normal", "high": "high", "urgent": "high"}
GONE = (404, 410)


class WebPushChannel(BaseChannel):
    """OPTIONS: ``vapid_private_key`` (PEM, or base64url DER/raw), ``vapid_public_key`` (for the browser),
    ``vapid_subject`` (``mailto:`` or ``https:`` contact), ``ttl`` (seconds, default 86400), ``timeout`` (10)."""

    option_names: ClassVar[frozenset[str]] = frozenset(
        {"vapid_private_key", "vapid_public_key", "vapid_subject", "ttl", "timeout"}
    )

    def get_address(self, user: AbstractBaseUser, notification: Notification) -> list[PushSubscription]:
        subscriptions = list(PushSubscription.objects.filter(user_id=user.pk).order_by("pk"))
        if not subscriptions:
            raise NoAddress("The recipient has no push subscription.")
        return subscriptions

    def send(self, address: Any, message: Message, delivery: Delivery) -> str:
        payload = json.dumps(
            {
                "id": message.notification_id,
                "type": message.notification_type,
                "title": message.subject,
                "body": message.body,
                "url": message.url,
                "data": dict(message.data),
            }
        )
        served = _served(delivery)
        sent, retry, retry_after, permanent = [], [], None, []
        for subscription in address:
            if subscription.pk in served:
                continue
            try:
                self._push(subscription, payload, message)
            except pywebpush.WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in GONE:
                    subscription.delete()
                elif status == 429 or status is None or status >= 500:
                    retry.append(f"{status or 'no response'}")
                    retry_after = _retry_after(error.response) or retry_after
                else:
                    permanent.append(str(status))
            else:
                sent.append(subscription.pk)
        if sent:
            PushSubscription.objects.filter(pk__in=sent).update(last_success_at=timezone.now())
        served_now = _record_served(delivery, [*served, *sent])
        if retry:
            raise DeliveryError(
                f"Push services answered {', '.join(retry)}"
                + (f"; {len(served_now.split(','))} device(s) served, the others retried." if served_now else "."),
                retry_after=retry_after,
            )
        if served_now:
            return served_now
        if permanent:
            raise PermanentDeliveryError(f"Push services rejected the message: {', '.join(permanent)}.")
        raise NoAddress("Every push subscription of the recipient has expired.")

    @cached_property
    def vapid(self) -> Vapid:
        key = str(self.options.get("vapid_private_key", ""))
        return Vapid.from_pem(key.encode()) if key.startswith("-----BEGIN") else Vapid.from_string(key)

    @cached_property
    def application_server_key(self) -> str:
        """The VAPID public key browsers subscribe with: ``vapid_public_key``, else derived from the private key."""
        configured = str(self.options.get("vapid_public_key") or "")
        if configured and not configured.startswith("-----BEGIN"):
            return configured
        raw = self.vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def _push(self, subscription: PushSubscription, payload: str, message: Message) -> None:
        with NoRedirects() as session:
            pywebpush.webpush(
                subscription_info=subscription.as_subscription_info(),
                data=payload,
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.options.get("vapid_subject", "")},
                ttl=int(self.options.get("ttl", 86400)),
                timeout=float(self.options.get("timeout", 10)),
                headers={"Urgency": URGENCY.get(message.priority, "normal")},
                requests_session=session,
            )

    def check(self) -> list[CheckMessage]:
        missing = [name for name in ("vapid_private_key", "vapid_subject") if not self.options.get(name)]
        if not missing:
            return []
        return [
            Error(
                f"The web push channel {self.alias!r} needs OPTIONS {', '.join(missing)}.",
                hint="Generate a VAPID key pair (e.g. `vapid --gen` from py-vapid) and set vapid_private_key and a "
                "'mailto:' vapid_subject.",
                id="eyt_notify.E003",
            )
        ]


class NoRedirects(requests.Session):
    """A push service answers itself: a redirect is the push's answer (a refusal), never followed, so that an
    endpoint cannot send the server's POST (or the GET a redirect turns it into) to another, internal, URL."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _served(delivery: Delivery) -> list[int]:
    """The subscriptions an earlier attempt of ``delivery`` already pushed to."""
    return [int(pk) for pk in delivery.provider_message_id.split(",") if pk.isdigit()]


def _record_served(delivery: Delivery, served: list[int]) -> str:
    """Keep the ids of the subscriptions served so far on the delivery (as many as its column holds), so that a
    retry skips them; returns them as stored."""
    room = Delivery._meta.get_field("provider_message_id").max_length or 255
    ids = ""
    for pk in served:
        longer = f"{ids},{pk}" if ids else str(pk)
        if len(longer) > room:
            break
        ids = longer
    if ids != delivery.provider_message_id:
        Delivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(provider_message_id=ids)
        delivery.provider_message_id = ids
    return ids
