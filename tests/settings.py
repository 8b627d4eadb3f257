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

# The audit log's triggers refuse UPDATE, DELETE and TRUNCATE of its rows
# (core migration 0005). Django empties the test database between
# transactional and live-server tests with TRUNCATE, and the tamper tests
# rewrite rows on purpose: the test connections turn the triggers' maintenance
# switch on. Only here, never in jiayuan/settings.py. tests/core/
# test_audit_protection.py turns it off again to check the triggers.
from jiayuan.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A test database is thrown away: its commits need not wait for the disk
    # (synchronous_commit=off keeps every guarantee but durability after a crash).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jiayuan.audit_maintenance=on -c synchronous_commit=off")
WEBHOOK_ALLOW_PRIVATE = True  # the webhook tests deliver to 127.0.0.1
# A read replica (jiayuan.core.dbrouter): the alias "replica" mirrors the test
# database (DATABASE_REPLICA_URL's, or this one made here), but reads stay on the
# primary: a test's own transaction is invisible to another connection. The
# router's tests (tests/core/test_dbrouter.py) turn the replica on.
if "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_ALIAS = ""
