"""The platform's own settings, with the database and cache chosen by the test environment."""

from esports.settings import *  # noqa: F403
from eyt_testing.settings import caches, databases

DATABASES = databases()
CACHES = caches()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EYT_AUDIT_HMAC_KEY = "example-project-tests"
