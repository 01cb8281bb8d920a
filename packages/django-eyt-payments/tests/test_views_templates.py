"""Templates: one base a host overrides in one place, script tags with the request's CSP nonce, no inline script."""

from __future__ import annotations

import copy

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.pages import TYPE, NonceMiddleware, scripts

pytestmark = pytest.mark.django_db

HOST_BASE = """<html><head><title>Esports · {% block title %}{% endblock %}</title>
{% block extra_head %}{% endblock %}</head>
<body><header>HOST LAYOUT</header>{% block content %}{% endblock %}</body></html>"""
PAYMENTS_BASE = """{% extends "host_base.html" %}
{% block title %}{% block payments_title %}{% endblock %}{% endblock %}
{% block extra_head %}{% block payments_head %}{% endblock %}{% endblock %}
{% block content %}{% include "eyt_payments/_messages.html" %}
{% block payments_content %}{% endblock %}{% endblock %}"""


def test_a_host_puts_every_page_in_its_layout_by_overriding_base_once(ada, tournament, payable, tmp_path):
    (tmp_path / "eyt_payments").mkdir()
    (tmp_path / "host_base.html").write_text(HOST_BASE)
    (tmp_path / "eyt_payments" / "base.html").write_text(PAYMENTS_BASE)
    templates = copy.deepcopy(django_settings.TEMPLATES)
    templates[0]["DIRS"] = [str(tmp_path)]
    with override_settings(TEMPLATES=templates):
        html = ada.get(reverse("eyt_payments:checkout"), {"type": TYPE, "ref": tournament.pk}).content.decode()
        history = ada.get(reverse("eyt_payments:history")).content.decode()
    assert "<title>Esports · Checkout</title>" in html
    assert "HOST LAYOUT" in html
    assert '<script src="/static/eyt_payments/checkout.js" defer></script>' in html
    assert "Entry fee: Spring Cup" in html
    assert "payments.css" not in html  # the host styles the pages
    assert "HOST LAYOUT" in history
    assert "Payment history" in history


def _render(context):
    template = Template('{% load eyt_payments %}{% payments_script "eyt_payments/checkout.js" %}')
    return template.render(Context(context))


@pytest.mark.parametrize(
    "where",
    ["context", "django_csp_attribute", "django6_middleware_attribute"],
)
def test_script_tags_carry_the_csp_nonce(where):
    request = RequestFactory().get("/")
    context = {"request": request}
    if where == "context":
        context["csp_nonce"] = "n0nce"
    elif where == "django_csp_attribute":
        request.csp_nonce = "n0nce"
    else:
        request._csp_nonce = "n0nce"
    assert _render(context) == '<script src="/static/eyt_payments/checkout.js" defer nonce="n0nce"></script>'


def test_script_tags_without_a_nonce():
    assert (
        _render({"request": RequestFactory().get("/")})
        == '<script src="/static/eyt_payments/checkout.js" defer></script>'
    )


def test_a_nonce_reaches_every_script_of_a_page(ada, tournament, payable):
    with override_settings(MIDDLEWARE=[*django_settings.MIDDLEWARE, "tests.pages.NonceMiddleware"]):
        html = ada.get(reverse("eyt_payments:checkout"), {"type": TYPE, "ref": tournament.pk}).content.decode()
    executable = [attributes for attributes, _ in scripts(html) if 'type="application/json"' not in attributes]
    assert len(executable) == 2
    assert all(f'nonce="{NonceMiddleware.nonce}"' in attributes for attributes in executable)


def test_messages_are_announced_to_assistive_technology(ada, user, service):
    from tests.conftest import open_payment

    payment = open_payment(service, user)
    response = ada.post(reverse("eyt_payments:cancel"), {"payment": str(payment.pk)}, follow=True)
    assert '<li class="eyt-payments-message eyt-payments-message--success" role="status">' in response.content.decode()
