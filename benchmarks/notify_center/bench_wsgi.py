import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from eyt_notify.wsgi import UnreadCountFastPath

application = get_wsgi_application()
if not settings.SESSION_ENGINE.endswith(".db"):  # the fast path needs the session in Redis
    application = UnreadCountFastPath(application)
