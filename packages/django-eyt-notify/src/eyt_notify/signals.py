"""Signals of django-eyt-notify. Each is sent after the transaction that caused it has committed."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent once per ``notify()`` call that created notifications, after commit.
#: kwargs: ``notification_type`` (NotificationType), ``created`` (int), ``notification`` (the Notification when a
#: single recipient was given, else ``None``), ``recipient_ids`` (the primary keys of the users who got a notification:
#: a list for one user, else a lazy ``values_list`` queryset; read it with ``.iterator(chunk_size=...)`` to keep
#: memory flat in the number of recipients).
notification_created = Signal()

#: Sent by the worker after a delivery was sent. kwargs: ``delivery`` (Delivery), ``provider_message_id`` (str).
delivery_succeeded = Signal()

#: Sent by the worker after a delivery attempt failed. kwargs: ``delivery`` (Delivery), ``error`` (str),
#: ``final`` (bool: ``True`` when the delivery is now dead and will not be retried).
delivery_failed = Signal()
