"""Creates the demo accounts (idempotent) and prints how to sign in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "eyt-demo-2026"
DEMO_USERS = [
    # username, e-mail, is_staff
    ("player", "player@eyt.example", False),
    ("coach", "coach@eyt.example", False),
    ("organiser", "organiser@eyt.example", False),
    ("staff", "staff@eyt.example", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts and data of the example platform (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        for username, email, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"email": email})
            if created:
                user.is_staff = user.is_superuser = is_staff
                user.set_password(DEMO_PASSWORD)
                user.save()
        self.stdout.write("Demo accounts (password for each: %s):" % DEMO_PASSWORD)
        for username, _, is_staff in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {'staff and superuser' if is_staff else ''}".rstrip())
