"""Benchmark settings: what ``manage.py bench`` serves with gunicorn. Production-like, on the developer defaults.

- Based on ``pmo.settings.local`` (the embedded services when ``DATABASE_URL`` and ``REDIS_URL`` are unset), with
  ``DEBUG`` off, the cached template loader, persistent database connections (``CONN_MAX_AGE``) and the Redis cache
  (the bench command always passes ``REDIS_URL``), as in production.
- Not production: plain HTTP on 127.0.0.1 only (no SSL redirect, no secure cookies), the static files as in
  development, and the API throttle's limit out of reach (one client sends thousands of API requests a minute; the
  throttle still runs and costs its cache round trip).
- ``pmo.scale.middleware.QueryCountMiddleware`` first in ``MIDDLEWARE`` (``X-Query-Count`` on every response) and
  ``pmo.scale.urls`` as the URLconf, which adds the framework floor ``/o/<org>/_bench/floor/``.
- ``PMO_BENCH_DATABASE`` (JSON: NAME, USER, PASSWORD, HOST, PORT, OPTIONS) points the server at the very database
  the bench command uses (the embedded one on its Unix socket, ``DATABASE_URL``, or a pytest test database).
"""

import json
from typing import Any, cast

from .base import REST_FRAMEWORK as BASE_REST_FRAMEWORK
from .base import TEMPLATES as BASE_TEMPLATES
from .base import env_int, env_str
from .local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "pmo.scale.urls"
MIDDLEWARE = ["pmo.scale.middleware.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405

_template = cast(dict[str, Any], BASE_TEMPLATES[0])
TEMPLATES = [
    {
        **_template,
        "APP_DIRS": False,
        "OPTIONS": {
            **_template["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
                )
            ],
        },
    }
]

_database = env_str("PMO_BENCH_DATABASE")
if _database:
    DATABASES["default"].update(json.loads(_database))  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)  # noqa: F405

_rates = cast(dict[str, str], BASE_REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
REST_FRAMEWORK = {**BASE_REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**_rates, "api": "1000000/min"}}
