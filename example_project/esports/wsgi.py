import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esports.settings")
application = get_wsgi_application()
if getattr(settings, "UNREAD_COUNT_FAST_PATH", False):  # esports.settings_production with Redis
    from eyt_notify.wsgi import UnreadCountFastPath

    application = UnreadCountFastPath(application)
