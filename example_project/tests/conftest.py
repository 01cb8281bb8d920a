from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from coaching.models import Coach
from teams.models import Team
from tournaments.models import Tournament


@pytest.fixture(autouse=True)
def fresh_cache():
    """Unread counts, lockout and rate-limit counters are keyed by user id and IP: with Redis they would outlive a
    test (and a run, whose database restarts its ids), so every test starts from an empty cache."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def make_user(db):
    def make(username: str, **extra):
        return get_user_model().objects.create_user(username, f"{username}@eyt.example", "pw-" + username, **extra)

    return make


@pytest.fixture
def player(make_user):
    return make_user("player")


@pytest.fixture
def organiser(make_user):
    return make_user("organiser")


@pytest.fixture
def tokyo_cup(organiser):
    return Tournament.objects.create(
        name="Tokyo Spring Cup",
        game="Street Fighter 6",
        organiser=organiser,
        starts_at=timezone.now() + timedelta(days=14),
        entry_fee=Decimal("3000"),
        currency="jpy",
        capacity=2,
    )


@pytest.fixture
def coach(make_user):
    return Coach.objects.create(user=make_user("coach"), games="Tekken 8", hourly_rate=Decimal("40.00"), currency="usd")


@pytest.fixture
def team(player):
    team = Team.objects.create(name="Night Owls", captain=player)
    team.members.add(player)
    return team
