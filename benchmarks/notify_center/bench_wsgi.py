import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from eyt_notify.wsgi import UnreadCountFastPath

django_application = get_wsgi_application()
if not settings.SESSION_ENGINE.endswith(".db"):  # the fast path needs the session in Redis
    django_application = UnreadCountFastPath(django_application)


def application(environ, start_response):
    """``/bench/bare/`` answers a constant before any of Django: the ceiling of anything this server serves."""
    if environ.get("PATH_INFO") == "/bench/bare/":
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "19")])
        return [b'{"unread_count": 1}']
    return django_application(environ, start_response)
