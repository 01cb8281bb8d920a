"""The platform's wiring of django-eyt-audit's limits: login lockout, the login rate limit, CSRF failures."""

from __future__ import annotations

import pytest

from eyt_audit.models import SecurityEvent
from tests.journeys import Browser

pytestmark = pytest.mark.django_db(transaction=True)  # security events are stored outside the test's transaction


def test_wrong_passwords_lock_the_account_before_the_right_one_is_tried(client, player, settings):
    settings.MAX_LOGIN_ATTEMPTS = 3
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "player", "password": "wrong"}).status_code == 200

    response = client.post("/accounts/login/", {"username": "player", "password": "pw-player"})

    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(event_type="lockout", username="player").exists()


def test_login_posts_are_rate_limited_per_ip_unless_turned_off(client, player, settings):
    settings.EYT_AUDIT_RATE_LIMITS = [
        {**rule, "rate": "2/m"} if rule["path"] == r"^/accounts/login/$" else rule
        for rule in settings.EYT_AUDIT_RATE_LIMITS
    ]
    attempts = [client.post("/accounts/login/", {"username": f"u{i}", "password": "x"}).status_code for i in range(3)]
    assert attempts == [200, 200, 429]

    settings.RATE_LIMIT_ENABLED = False
    assert client.post("/accounts/login/", {"username": "u9", "password": "x"}).status_code == 200


def test_a_csrf_failure_is_a_security_event_and_changes_nothing(player, tokyo_cup):
    browser = Browser()
    browser.sign_in("player", "pw-player")

    response = browser.post(f"/tournaments/{tokyo_cup.pk}/register/")  # no token

    assert response.status_code == 403
    assert SecurityEvent.objects.filter(
        event_type="csrf_failure", path=f"/tournaments/{tokyo_cup.pk}/register/"
    ).exists()
    assert not tokyo_cup.registrations.exists()
