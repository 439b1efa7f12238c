"""Test settings: the same database and RLS as production, fast hashing, in-memory e-mail."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Parallel test runs on one server (developers, CI shards) each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PMO_TEST_DB_NAME", "test_pmo")}  # noqa: F405
# Close connections after each request/task, so that a test worker thread never keeps the test database open.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Webhook receivers on this machine (a local chat bridge, the test server) are allowed here.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True

# Throttle counters live in process memory in tests, whatever REDIS_URL says: the suite clears the cache between
# tests, which must never touch a Redis database that a broker or a developer's server uses.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
