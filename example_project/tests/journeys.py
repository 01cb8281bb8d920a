"""Helpers of the end-to-end journeys: a browser-like client that keeps the CSRF rules on, and mail settings that
point the platform's mailer at a loopback SMTP server."""

from __future__ import annotations

import json
from typing import Any

import django
from django.test import Client

TEST_CARD = {"number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
DECLINED_CARD = {**TEST_CARD, "number": "4000 0000 0000 0002"}
AUTHENTICATION_CARD = {**TEST_CARD, "number": "4000 0025 0000 3155"}


class Browser(Client):
    """A test client that enforces CSRF like a browser session: forms carry the token, scripts send the header."""

    def __init__(self) -> None:
        super().__init__(enforce_csrf_checks=True)

    @property
    def csrf_token(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.cookies["csrftoken"].value

    def sign_in(self, username: str, password: str) -> Any:
        response = self.submit("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, "login refused"
        return response

    def submit(self, path: str, data: dict[str, Any] | None = None) -> Any:
        """POST a form the way a page does (with the hidden CSRF field)."""
        return self.post(path, {**(data or {}), "csrfmiddlewaretoken": self.csrf_token})

    def post_json(self, path: str, data: dict[str, Any]) -> Any:
        """POST JSON the way the checkout script does (``X-CSRFToken`` header)."""
        return self.post(path, json.dumps(data), content_type="application/json", HTTP_X_CSRFTOKEN=self.csrf_token)


def smtp_mail_settings(settings: Any, host: str, port: int) -> None:
    """Point the default mailer at ``host:port`` (``MAILERS`` on Django 6.1+, ``EMAIL_*`` before)."""
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION >= (6, 1):
        settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"host": host, "port": port}}}
    else:
        settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = smtp, host, port
