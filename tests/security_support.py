"""Settings that the hardening and security-event tests need, applied when the settings module lacks them (the
middleware order is the one documented in docs/security.md)."""

from __future__ import annotations

from typing import Any

from csp.constants import NONCE, NONE, SELF

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
EVENT_MIDDLEWARE = "pmo.audit.middleware.SecurityEventMiddleware"
IDLE_MIDDLEWARE = "pmo.accounts.middleware.IdleSessionTimeoutMiddleware"
POLICY = {
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


def _insert_after(middleware: list[str], anchor: str, name: str) -> None:
    if name not in middleware:
        middleware.insert(middleware.index(anchor) + 1, name)


def apply_security_settings(settings: Any) -> None:
    middleware = list(settings.MIDDLEWARE)
    _insert_after(middleware, "django.middleware.security.SecurityMiddleware", CSP_MIDDLEWARE)
    _insert_after(middleware, "pmo.tenancy.middleware.TenantContextResetMiddleware", EVENT_MIDDLEWARE)
    _insert_after(middleware, "django.contrib.auth.middleware.AuthenticationMiddleware", IDLE_MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    if not getattr(settings, "CONTENT_SECURITY_POLICY", None):
        settings.CONTENT_SECURITY_POLICY = POLICY
