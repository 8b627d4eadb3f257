"""Test settings: the production settings module, with only what a test run
must change. Everything else (DEBUG off, secure cookies, the real middleware)
stays as deployed."""

from jiayuan.settings import *  # noqa: F403
from jiayuan.settings import STORAGES

# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# Hashing the personas' passwords with PBKDF2 would dominate the suite's time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests do not run collectstatic: serve static files from the finders.
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Uploaded documents go to a scratch directory, never into var/.
import tempfile  # noqa: E402

PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="jiayuan-test-private-")
