import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

from eyt_notify.asgi import UnreadCountFastPath

django_application = get_asgi_application()
if not settings.SESSION_ENGINE.endswith(".db"):  # the fast path needs the session in Redis
    django_application = UnreadCountFastPath(django_application)

BARE_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"19")]


async def application(scope, receive, send):
    """``/bench/bare/`` answers a constant before any of Django: the ceiling of anything this server serves."""
    if scope["type"] == "http" and scope["path"] == "/bench/bare/":
        await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
        await send({"type": "http.response.body", "body": b'{"unread_count": 1}'})
        return
    await django_application(scope, receive, send)
