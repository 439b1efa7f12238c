"""Settings of the web, worker and load-test processes that ``tests/test_faults.py`` and ``tests/test_loadtest.py``
start: the test settings, but with the production shape where faults matter — a real broker (no eager tasks), the
shared cache in that broker's Redis (throttle counters, login lockout, data cache), persistent database connections
checked before reuse, and the outage middleware.

Environment: ``PMO_FAULT_REDIS`` (the private Redis URL), ``PMO_FAULT_DB_NAME`` (optional: the database on the
``DATABASE_URL`` server, e.g. the test database that pytest created).
"""

import os
from typing import Any

from pmo.settings.test import *  # noqa: F403
from pmo.settings.test import MIDDLEWARE as TEST_MIDDLEWARE

if os.environ.get("PMO_FAULT_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PMO_FAULT_DB_NAME"]  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = os.environ["PMO_FAULT_REDIS"]
CELERY_RESULT_BACKEND = ""  # no result backend
CELERY_TASK_IGNORE_RESULT = True
# A stopped Redis must fail a cache call within a second, not hang the request.
_CACHE_OPTIONS: Any = {"socket_connect_timeout": 1, "socket_timeout": 1}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["PMO_FAULT_REDIS"],
        "KEY_PREFIX": "pmo-cache",
        "OPTIONS": _CACHE_OPTIONS,
    }
}

OUTAGE_MIDDLEWARE = "pmo.core.middleware.ServiceUnavailableMiddleware"
MIDDLEWARE = list(TEST_MIDDLEWARE)
if OUTAGE_MIDDLEWARE not in MIDDLEWARE:
    MIDDLEWARE.insert(1, OUTAGE_MIDDLEWARE)
