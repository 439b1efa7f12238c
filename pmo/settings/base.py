"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import pghistory
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from pmo import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str = "") -> str:
    """The variable's value; a blank value counts as unset (compose files often pass empty strings)."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


SECRET_KEY = env_str("SECRET_KEY")
# Old keys, newest first, still accepted while a key rotates (sessions, password resets, calendar feed addresses).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "pgtrigger",
    "pghistory",
    "pmo.accounts",
    "pmo.tenancy",
    "pmo.audit",
    "pmo.core",
    "portfolio",
    "projects",
    "projects.knowledge",
    "projects.documents",
    "django.contrib.postgres",
    "resources",
    "risks",
    "reports",
    "pmo.imports",
    "pmo.calendars",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database or broker outage anywhere inside answers a friendly 503 with Retry-After, not a 500.
    "pmo.core.middleware.ServiceUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "pmo.tenancy.middleware.TenantContextResetMiddleware",
    # Inside the reset: it reads the organisation of a 403 before the reset forgets it.
    "pmo.audit.middleware.SecurityEventMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pmo.accounts.middleware.IdleSessionTimeoutMiddleware",
    "pmo.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "pmo.urls"
WSGI_APPLICATION = "pmo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pmo.tenancy.context_processors.navigation",
                "reports.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
# DATABASE_URL switches to an external PostgreSQL; unset, the embedded one under .local/ is used.
DATABASES: dict[str, dict[str, Any]]
if env_str("DATABASE_URL"):
    DATABASES = {
        "default": dict(
            dj_database_url.parse(
                env_str("DATABASE_URL"),
                conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                conn_health_checks=True,
                # Behind PgBouncer in transaction mode, server-side cursors cannot span transactions.
                disable_server_side_cursors=env_bool("DB_DISABLE_SERVER_SIDE_CURSORS"),
            )
        )
    }
else:
    DATABASES = {"default": embedded.postgres_database_settings(BASE_DIR)}
# PMO_DB_NAME picks another database on the same server (the benchmark's generated data lives apart from the demo);
# `manage.py ensure_database` creates it.
if env_str("PMO_DB_NAME"):
    DATABASES["default"]["NAME"] = env_str("PMO_DB_NAME")
# Every request runs in one transaction: the tenant is set transaction-locally (set_config(..., true)) inside it.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-guardian: no anonymous user row; object permissions live in direct foreign-key tables per model.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# --- Internationalisation -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our overrides of Django's per-language formats (Chinese amounts grouped by thousands, as in finance documents).
FORMAT_MODULE_PATH = ["pmo.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_ORGANIZATION_TIME_ZONE = "Asia/Shanghai"

# --- Static files ---------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or embedded.local_dir(BASE_DIR) / "media")
# The largest knowledge-base attachment accepted (bytes); media is never served directly, only through
# permission-checked download views.
KNOWLEDGE_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A multipart request larger than this is refused while it arrives (400), before it reaches a temporary file: each
# form checks its own file limit (attachments 10 MB, imports 5 MB, MS Project 16 MB) only once the file is on disk.
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", 17 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "projects.knowledge.uploads.RequestSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail ---------------------------------------------------------------------------------------------------
# Console by default; EMAIL_HOST switches to SMTP.
if env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PMO <pmo@localhost>")

# --- Celery ---------------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or embedded.embedded_redis_url()
# The cache holds the API throttle counters, which every web process must share: Redis when REDIS_URL is set (the
# production shape, and `make run`, which sets it for its processes), local memory otherwise (one process; tests).
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "KEY_PREFIX": "pmo-cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# pmo.core.datacache: how long a cached dashboard or cockpit result lives at most (seconds). Writes make it unreachable
# at once; the lifetime bounds only what the clock changes (a due time passing).
DATACACHE_TIMEOUT = env_int("DATACACHE_TIMEOUT", 300)

# The ORM adds ``organization_id = <active organisation>`` to every tenant query. Off only in the test mode that
# proves Row-Level Security alone keeps organisations apart (tests/test_isolation_matrix.py); never in production.
TENANCY_ORM_SCOPING = env_bool("PMO_TENANCY_ORM_SCOPING", True)
# Organisation deletion: a soft-deleted organisation can be restored for this many days, then the daily task
# tenancy.purge_deleted_organizations removes it (docs/operations.md). If ORG_PURGE_EXPORT_DIR is set, an export_org
# archive of it is written there first.
ORG_PURGE_GRACE_DAYS = env_int("ORG_PURGE_GRACE_DAYS", 30)
ORG_PURGE_EXPORT_DIR = env_str("ORG_PURGE_EXPORT_DIR", "")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_DEFAULT_EXCHANGE = "default"
CELERY_TASK_DEFAULT_ROUTING_KEY = "default"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# Beat only dispatches: each periodic task fans out one task per organisation (which sets its own tenant).
CELERY_BEAT_SCHEDULE = {
    "purge-dead-api-tokens": {"task": "accounts.purge_dead_tokens", "schedule": 24 * 60 * 60},
    "alerts-scan": {"task": "alerts.scan_all", "schedule": crontab(minute="*/15")},
    "reports-dispatch-scheduled": {"task": "reports.dispatch_scheduled", "schedule": crontab(minute="*/15")},
    "reminders-status": {"task": "reminders.status_all", "schedule": crontab(minute="*/15")},
    "reminders-timesheets": {"task": "reminders.timesheets_all", "schedule": crontab(minute="7,37")},
    "notifications-digests": {"task": "notifications.send_digests_all", "schedule": crontab(minute=3)},
    "notifications-webhook-sweep": {"task": "notifications.sweep_webhooks_all", "schedule": crontab(minute="*/5")},
    "imports-purge-batches": {"task": "imports.purge_batches", "schedule": crontab(minute=17, hour=3)},
    "tenancy-purge-deleted-organizations": {
        "task": "tenancy.purge_deleted_organizations",
        "schedule": crontab(minute=23, hour=4),
    },
    "audit-purge-security-events": {"task": "audit.purge_security_events", "schedule": crontab(minute=41, hour=3)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(embedded.local_dir(BASE_DIR) / "celerybeat-schedule")

# --- REST API -------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pmo.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "pmo.core.api_permissions.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Every API request is counted per bearer token (per user for browser sessions); the password login keeps its
    # own, stricter budget per client address.
    "DEFAULT_THROTTLE_CLASSES": ["pmo.accounts.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"login": "20/min", "api": env_str("API_TOKEN_THROTTLE_RATE", "600/min")},
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "pmo.core.api.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "pmo.core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "pmo.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many reverse proxies in front of the app append to X-Forwarded-For: the client address used by the login
    # throttle is the one the outermost trusted proxy saw. 0 (the default) trusts no proxy and uses REMOTE_ADDR, so a
    # client cannot pick its own address by sending the header.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PMO API",
    "DESCRIPTION": "Multi-tenant Project Management Office API. Every organisation's resources live under "
    "`/api/v1/orgs/{org_slug}/`; authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/token/`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses, security scheme descriptions and path patterns for every operation (pmo/core/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pmo.core.schema.document_api_contract",
    ],
    # Fields named alike with different choices (e.g. "status") need a name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ProjectRequestStatusEnum": "portfolio.models.ProjectRequest.Status",
        "ProcessTemplateKindEnum": "projects.models.ProcessTemplate.Kind",
        "GateKindEnum": "projects.models.GateKind",
        "ArticleKindEnum": "projects.knowledge.models.Article.Kind",
        "ProjectDocumentKindEnum": "projects.documents.models.ProjectDocument.Kind",
        "ClosureReportStatusEnum": "projects.models.ClosureReport.Status",
        "TailoringRequestStatusEnum": "projects.models.TailoringRequest.Status",
        "ProjectStatusEnum": "projects.models.Project.Status",
        "ProjectPhaseStatusEnum": "projects.models.ProjectPhase.Status",
        "ProjectDeliverableStatusEnum": "projects.models.ProjectDeliverable.Status",
        "RagEnum": "projects.models.Rag",
        "StatusReportStateEnum": "projects.models.StatusReport.State",
        "ApproverRoleEnum": "projects.models.ApproverRole",
        "ChangeRequestStatusEnum": "projects.models.ChangeRequest.Status",
        "AssumptionStatusEnum": "risks.models.Assumption.Status",
        "RiskStatusEnum": "risks.models.Risk.Status",
        "IssueStatusEnum": "risks.models.Issue.Status",
        "IssueSeverityEnum": "risks.models.Issue.Severity",
        "RiskCategoryEnum": "risks.models.Risk.Category",
        "RiskStrategyEnum": "risks.models.Risk.Strategy",
        "EscalationLevelEnum": "risks.models.EscalationLevel",
        "CalendarDayKindEnum": "resources.models.CalendarDay.Kind",
        "MeetingReportStateEnum": ["draft", "submitted", "returned", "accepted", "none"],
        "AlertSeverityEnum": "reports.models.Severity",
        "AlertRuleScopeEnum": "reports.models.AlertRule.Scope",
        "ImportBatchStatusEnum": "pmo.imports.models.ImportBatch.Status",
        "ApiTokenScopeEnum": "pmo.accounts.models.ApiToken.Scope",
        "ApiTokenStateEnum": "pmo.accounts.models.ApiToken.State",
        "CalendarFeedScopeEnum": "pmo.calendars.models.CalendarFeed.Scope",
        "AlertStateEnum": "reports.models.Alert.State",
        "AlertSubjectTypeEnum": "reports.models.SubjectType",
        "RoleEnum": "pmo.tenancy.roles.Role",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStateEnum": "reports.models.Report.State",
        "ReportSubscriptionKindEnum": ["weekly_pack", "monthly_review"],
        "NotificationKindEnum": "reports.models.NotificationKind",
        "NotificationDeliveryEnum": "reports.models.Delivery",
        "WebhookDeliveryStateEnum": "reports.models.WebhookDelivery.State",
        "LanguageEnum": LANGUAGES,
        "SecurityEventKindEnum": "pmo.audit.models.SecurityEventKind",
    },
}
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)

# --- History (django-pghistory) -------------------------------------------------------------------------------
# Context is stored on each event row (not in a shared table), so every event carries its organisation.
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())

# --- Sessions and security ------------------------------------------------------------------------------------
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4). Scripts: our own files and inline blocks carrying the request's nonce
# ({{ request.csp_nonce }}); styles allow inline (style="" attributes and Swagger UI's <style>), which cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# An idle session ends after this many seconds without a request (the absolute limit stays SESSION_COOKIE_AGE).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 60 * 60)
# Login lockout (pmo/accounts/lockout.py), counted in the default cache (Redis in production): after
# LOGIN_LOCKOUT_ATTEMPTS failures for one account (LOGIN_LOCKOUT_IP_ATTEMPTS from one client address) within
# LOGIN_LOCKOUT_WINDOW seconds, that account (address) is locked for LOGIN_LOCKOUT_DURATION seconds.
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_IP_ATTEMPTS = env_int("LOGIN_LOCKOUT_IP_ATTEMPTS", 30)
LOGIN_LOCKOUT_WINDOW = env_int("LOGIN_LOCKOUT_WINDOW", 15 * 60)
LOGIN_LOCKOUT_DURATION = env_int("LOGIN_LOCKOUT_DURATION", 15 * 60)
# Security events (pmo.audit.models) older than this many days are purged daily.
SECURITY_EVENT_RETENTION_DAYS = env_int("SECURITY_EVENT_RETENTION_DAYS", 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        # WeasyPrint logs every laid-out page at INFO; workers only need its warnings (refused URLs, missing fonts).
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# Called with (organization=…) inside its tenant context whenever an organisation is created (and by seed_demo):
# each domain app installs its defaults (built-in process templates, the default scoring model …).
ORGANIZATION_SETUP_HOOKS = [
    "projects.services.templates_install_builtin",
    "portfolio.services.scoring_model_install_defaults",
    "projects.policy.control_policy_install_default",
    "reports.alerts.defaults.alert_rules_install_defaults",
    "reports.packs.schedules.report_schedules_install_defaults",
    "reports.reminders.services.reminder_policy_install_default",
]

# Outgoing webhooks may reach loopback and private networks only when this is on (link-local, e.g. cloud metadata,
# never): on for development and tests, off in production unless an internal receiver needs it.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

# Absolute links in e-mails (invitations, password reset from tasks).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:" + env_str("PORT", "8000"))
