"""An HTTP answer as the fast-path tests see it, whichever interface (WSGI, ASGI) produced it."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass
class Answer:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes
    by_django: bool  # whether the fast path handed the request to Django

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def cookies(self) -> SimpleCookie:
        jar: SimpleCookie = SimpleCookie()
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                jar.load(value)
        return jar
