"""Creates the demo accounts and data (safe to run again) and prints how to sign in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from coaching.models import Coach
from teams.models import Team
from tournaments.models import Tournament
from venues.models import Venue

DEMO_PASSWORD = "eyt-demo-2026"  # noqa: S105 (the published password of the demo accounts)
DEMO_USERS = [
    # username, e-mail, is_staff, what to try with it
    ("player", "player@eyt.example", False, "register and pay (card 4242 4242 4242 4242), captain of Night Owls"),
    ("player2", "player2@eyt.example", False, "a second player to invite into the team"),
    ("coach", "coach@eyt.example", False, "is told of coaching bookings"),
    ("organiser", "organiser@eyt.example", False, "organises the tournaments, told of each new player"),
    ("staff", "staff@eyt.example", True, "staff and superuser: /staff/audit/, /staff/dashboard/, /admin/"),
]
TOURNAMENTS = [
    # name, game, days from now, entry fee, currency
    ("Tokyo Spring Cup", "Street Fighter 6", 14, Decimal("3000"), "jpy"),
    ("Berlin Open", "Counter-Strike 2", 21, Decimal("25.00"), "eur"),
    ("Austin Weekly", "Valorant", 7, Decimal("10.00"), "usd"),
]
VENUES = [
    ("Arena One", "Austin", Decimal("80.00"), "usd"),
    ("Pixel Hall", "Berlin", Decimal("65.00"), "eur"),
    ("Akiba Lounge", "Tokyo", Decimal("9000"), "jpy"),
]


class Command(BaseCommand):
    help = "Create the demo accounts and data of the example platform (safe to run again)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {username: self.user(username, email, is_staff) for username, email, is_staff, _ in DEMO_USERS}
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        for name, game, days, fee, currency in TOURNAMENTS:
            Tournament.objects.get_or_create(
                name=name,
                defaults={
                    "game": game,
                    "organiser": users["organiser"],
                    "starts_at": now + timedelta(days=days),
                    "entry_fee": fee,
                    "currency": currency,
                },
            )
        Coach.objects.get_or_create(
            user=users["coach"],
            defaults={"games": "Street Fighter 6, Tekken 8", "hourly_rate": Decimal("40.00"), "currency": "usd"},
        )
        team, _ = Team.objects.get_or_create(name="Night Owls", defaults={"captain": users["player"]})
        team.members.add(users["player"])
        for name, city, rate, currency in VENUES:
            Venue.objects.get_or_create(name=name, defaults={"city": city, "hourly_rate": rate, "currency": currency})
        self.stdout.write(f"Demo accounts (password for each: {DEMO_PASSWORD}):")
        for username, _, _, role in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role}")

    def user(self, username: str, email: str, is_staff: bool) -> Any:
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
        if created:
            user.is_staff = user.is_superuser = is_staff
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user
