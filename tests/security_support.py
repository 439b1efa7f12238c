"""What the hardening and security-event tests expect of the settings: the middleware in the order documented in
docs/security.md, and the Content-Security-Policy."""

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


def _assert_after(middleware: list[str], anchor: str, name: str) -> None:
    assert name in middleware, f"{name} is missing from MIDDLEWARE"
    assert middleware.index(name) > middleware.index(anchor), f"{name} must come after {anchor}"


def apply_security_settings(settings: Any) -> None:
    """Check that the settings module itself installs what these tests exercise (the middleware, in the documented
    order, and the policy), so that the tests prove the configuration that ships rather than one they made up."""
    middleware = list(settings.MIDDLEWARE)
    _assert_after(middleware, "django.middleware.security.SecurityMiddleware", CSP_MIDDLEWARE)
    _assert_after(middleware, "pmo.tenancy.middleware.TenantContextResetMiddleware", EVENT_MIDDLEWARE)
    _assert_after(middleware, "django.contrib.auth.middleware.AuthenticationMiddleware", IDLE_MIDDLEWARE)
    assert settings.CONTENT_SECURITY_POLICY == POLICY
