"""Settings for the test suite: the normal settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never serve collected static files.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Throttle counters would carry over from test to test; tests/api/test_throttling.py switches
# to the database cache to exercise them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
