"""{% load eyt_notify %}: the bell, the unread-count tag and CSP nonces."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from eyt_notify import notify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def render(source, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    for name, value in context.pop("request_attrs", {}).items():
        setattr(request, name, value)
    return Template("{% load eyt_notify %}" + source).render(Context({"request": request, "user": user, **context}))


def test_the_bell_shows_the_count_and_the_endpoints(user):
    notify(user, "system.notice", title="Hi")
    html = render("{% notification_bell %}", user)
    assert "data-eyt-badge>1</span>" in html
    assert 'data-recent-url="/notifications/recent/?limit=10"' in html
    assert 'data-read-url="/notifications/0/read/"' in html
    assert 'data-stream-url=""' in html  # no broker: the bell polls
    assert 'aria-expanded="false"' in html
    assert '<script src="/static/eyt_notify/bell.js" defer></script>' in html


def test_the_badge_is_hidden_at_zero(user):
    assert "data-eyt-badge hidden>0</span>" in render("{% notification_bell %}", user)


def test_the_bell_names_the_stream_when_live_updates_are_on(user, settings):
    settings.EYT_NOTIFY_LIVE = {"BACKEND": "eyt_notify.live.redis.RedisBroker"}
    assert 'data-stream-url="/notifications/stream/"' in render("{% notification_bell %}", user)


def test_the_poll_interval_is_not_localized(user, settings):
    settings.USE_THOUSAND_SEPARATOR, settings.EYT_NOTIFY_POLL_INTERVAL = True, 1800
    with translation.override("de"):
        assert 'data-poll-interval="1800"' in render("{% notification_bell %}", user)


def test_nothing_for_anonymous_users():
    assert render("{% notification_bell %}", AnonymousUser()).strip() == ""
    assert render("{% unread_count %}", AnonymousUser()) == "0"


def test_unread_count(user):
    notify(user, "system.notice", title="Hi")
    notify(user, "system.notice", title="Again")
    assert render("{% unread_count %}", user) == "2"


@pytest.mark.parametrize(
    "source",
    [{"csp_nonce": "n0nce"}, {"request_attrs": {"_csp_nonce": "n0nce"}}, {"request_attrs": {"csp_nonce": "n0nce"}}],
)
def test_scripts_carry_the_csp_nonce(user, source):
    html = render("{% notification_bell %}", user, **source)
    assert '<script src="/static/eyt_notify/bell.js" defer nonce="n0nce"></script>' in html


def test_the_script_never_uses_inner_html():
    from pathlib import Path

    import eyt_notify

    static = Path(eyt_notify.__file__).parent / "static" / "eyt_notify"
    for name in ("bell.js", "push.js", "sw.js"):
        source = (static / name).read_text()
        assert "innerHTML" not in source.replace("never innerHTML", "")
        assert "insertAdjacentHTML" not in source
