"""WSGI entry of the benchmark project (``gunicorn wsgi:application`` from this folder)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite")
application = get_wsgi_application()
