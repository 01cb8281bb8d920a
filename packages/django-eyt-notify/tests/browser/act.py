"""Another process acting on the browser server's database: ``python -m tests.browser.act``.

It reads one JSON list per line from stdin and answers one JSON line each (``{"ok": ...}`` or ``{"error": ...}``),
so the tests pay for Django's start-up once. Commands: ``["user", NAME]`` (a session key logged in as NAME),
``["notify", NAME, TITLE, COUNT]``, ``["channels", NAME, TYPE]`` (the enabled channels), ``["quiet", NAME]``.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.browser.server_settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from eyt_notify import notify  # noqa: E402
from eyt_notify.models import QuietHours  # noqa: E402
from eyt_notify.preferences import enabled_channels  # noqa: E402


def act(command: str, name: str, *args: str) -> object:
    if command == "user":
        user = get_user_model().objects.create_user(name, f"{name}@example.com", "pw")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return session.session_key
    user = get_user_model().objects.get(username=name)
    if command == "notify":
        for _ in range(int(args[1]) if len(args) > 1 else 1):
            notify(user, "system.notice", title=args[0], message="From another process", channels=["inapp"])
        return None
    if command == "channels":
        return enabled_channels(user, args[0])
    quiet = QuietHours.objects.get(user=user)
    return [quiet.start.isoformat(), quiet.end.isoformat(), quiet.timezone, quiet.enabled]


def main() -> None:
    for line in sys.stdin:
        try:
            answer = {"ok": act(*json.loads(line))}
        except Exception as error:  # reported to the test, which fails with it
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
