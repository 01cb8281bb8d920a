import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esports.settings")
application = get_asgi_application()
if getattr(settings, "UNREAD_COUNT_FAST_PATH", False):  # esports.settings_production with Redis
    from eyt_notify.asgi import UnreadCountFastPath

    application = UnreadCountFastPath(application)
