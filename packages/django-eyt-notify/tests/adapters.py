"""Adapters the channel tests use."""

from eyt_notify.adapter import NotifyAdapter


class TestAdapter(NotifyAdapter):
    def get_phone_number(self, user):
        return "+15005550006" if user.username != "nophone" else None

    def get_discord_webhook_url(self, user, notification):
        return (notification.data or {}).get("webhook")
