"""``manage.py eyt_audit_unlock USERNAME [--ip IP]`` / ``--ip IP``: lift login locks before they expire."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from eyt_audit.limits import lockout
from eyt_audit.limits.exceptions import StorageUnavailable


class Command(BaseCommand):
    help = (
        "Lift login locks: USERNAME clears its account lock and every (IP, username) lock of it; --ip clears "
        "that IP's lock (password spraying). Locks also expire by themselves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the username as typed at login (case and spaces ignored)")
        parser.add_argument("--ip", help="a client IP address whose own lock to lift")

    def handle(self, *args: Any, username: str | None, ip: str | None, **options: Any) -> None:
        if username is None and ip is None:
            raise CommandError("Give a USERNAME, an --ip, or both.")
        if ip is not None:
            try:
                ip = ipaddress.ip_address(ip.strip()).compressed
            except ValueError:
                raise CommandError(f"--ip {ip!r} is not an IP address.") from None
        try:
            before = lockout.status(username, ip) if username is not None else None
            lockout.unlock(username, ip, by="manage.py eyt_audit_unlock")
        except StorageUnavailable as error:
            raise CommandError(f"The counter cache could not be reached ({error}); nothing was changed.") from None
        lifted = [f"username {username!r}"] if username is not None else []
        lifted += [f"IP {ip}"] if ip is not None else []
        note = f" (it was locked: {before.reason})" if before is not None and before.locked else ""
        self.stdout.write(self.style.SUCCESS(f"Unlocked {' and '.join(lifted)}{note}."))
