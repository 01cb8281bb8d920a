"""Fixtures and helpers shared by the page tests (tests/test_views_*.py and tests/browser/)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from eyt_payments.payables import Payable, register_payable, unregister_payable

TYPE = "tournament_fee"


def tournament_fee(ref: str, user: Any) -> Payable:
    from tests.testapp.models import Tournament

    tournament = Tournament.objects.get(pk=int(ref))
    return Payable(tournament.entry_fee, tournament.currency, f"Entry fee: {tournament.name}", tournament)


@pytest.fixture
def payable():
    """``tournament_fee`` registered: a Tournament's entry fee, priced on the server."""
    register_payable(TYPE, tournament_fee)
    yield TYPE
    unregister_payable(TYPE)


@pytest.fixture
def ada(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def bob(other_user):
    client = Client()
    client.force_login(other_user)
    return client


def post_json(client: Client, name: str, body: Any, *args: Any, **extra: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(reverse(f"eyt_payments:{name}", args=args), data, content_type="application/json", **extra)


def create_intent(client: Client, tournament: Any, **extra_body: Any) -> dict[str, Any]:
    response = post_json(client, "create_intent", {"type": TYPE, "ref": str(tournament.pk), **extra_body})
    assert response.status_code == 200, response.content
    return response.json()


def pay(client: Client, payment_id: str, number: str = "4242 4242 4242 4242", **fields: str) -> Any:
    card = {"number": number, "expiry": "12/34", "cvc": "123", **fields}
    return post_json(client, "test_card", card, payment_id)


def error_of(response: Any) -> dict[str, Any]:
    """The ``{"code", "message"}`` of a JSON error answer."""
    assert response["Content-Type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert set(error) <= {"code", "message", "fields"}
    return error


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


def scripts(html: str) -> list[tuple[str, str]]:
    """``(attributes, body)`` of every script element of a page."""
    return SCRIPT_TAG.findall(html)


class NonceMiddleware:
    """Gives every request ``csp_nonce`` as django-csp does (the page tests' stand-in for a CSP middleware)."""

    nonce = "abc123"

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.csp_nonce = self.nonce
        return self.get_response(request)
