"""The ASGI application the browser tests serve with uvicorn (static files included)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.browser.server_settings")

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

application = ASGIStaticFilesHandler(get_asgi_application())
