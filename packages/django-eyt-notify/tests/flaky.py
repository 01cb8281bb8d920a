"""A channel that fails a set number of times before it succeeds."""

from eyt_notify.channels.locmem import LocMemChannel
from eyt_notify.exceptions import DeliveryError


class FlakyChannel(LocMemChannel):
    failures = 0

    def send(self, address, message, delivery):
        if FlakyChannel.failures > 0:
            FlakyChannel.failures -= 1
            raise DeliveryError("provider unavailable")
        return super().send(address, message, delivery)
