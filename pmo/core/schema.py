"""The OpenAPI schema's shared parts: security schemes, error responses and path-parameter patterns.

``document_api_contract`` is a drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).
It adds to every operation the error responses of DESIGN.md's error contract, according to what the operation can
return, so that no view has to repeat them:

* **401** for every operation that needs authentication (its ``security`` has no anonymous ``{}`` alternative);
* **403** for the same operations: an organisation role without the capability, or a read-only token on a write;
* **404** for every operation with a path parameter (``orgs/{org_slug}/`` included): missing, or another
  organisation's, or an organisation the caller is not a member of; and for every paginated list (a page beyond
  the last);
* **400** for every operation that takes a request body or query parameters;
* **409** where the view says so: a handler decorated with ``pmo.core.api.may_conflict``, a view whose class
  attribute ``conflict_on`` names the HTTP method or the viewset action (``WRITE_METHODS`` for all writes), or an
  operation that already declares 409 with ``@extend_schema``;
* **429** for views with a throttle.

401/403/404/409/429 share the ``Error`` component (``{"detail": "…"}``); 400 uses ``ValidationError`` (field names
to lists of messages, plus an optional ``detail``; a list or nested field's messages are keyed by item index or
sub-field, as DRF reports them, in ``FieldErrors``). A response that a view declares itself keeps its schema; one
declared without a body (``409: None``) gets the shared component.

The hook also describes the two security schemes (a personal access token as a bearer token; the browser's
session cookie, whose unsafe requests also need the CSRF token), documents times as RFC 3339 partial-time
(``hh:mm[:ss]``, what a TimeField sends) and gives string path parameters the pattern of their URL converter, so
that a generated value always reaches the view instead of missing the route.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls.converters import get_converters
from rest_framework.views import APIView

from pmo.core.api import Pagination

ERROR_COMPONENT = "Error"
VALIDATION_ERROR_COMPONENT = "ValidationError"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'An error that is not about one field: `{"detail": "…"}`, in the caller\'s language.',
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
    "required": ["detail"],
}
FIELD_ERRORS_COMPONENT = "FieldErrors"
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'Invalid input: each field in error maps to its messages (`{"field": ["…"]}`); an error that '
    "is not about one field is in `detail` (or `non_field_errors`). Nothing was changed.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"},
}
# A field's messages; a list's or a nested object's field maps each item (by index) or sub-field to its own.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "description": "The messages of one field: a list of strings; for a list or nested object, its items' (by index) "
    "or sub-fields' messages.",
    "anyOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "array", "items": {"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"}},
        {"type": "object", "additionalProperties": {"$ref": f"#/components/schemas/{FIELD_ERRORS_COMPONENT}"}},
    ],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input; nothing was changed.",
    "401": "Not authenticated: no credentials, or an invalid, expired or revoked token.",
    "403": "Authenticated, but your role in this organisation (or a read-only token) does not allow this.",
    "404": "Not found: missing, or in an organisation you are not a member of (or a page beyond the last).",
    "409": "Conflict with the current state: a stale version, a duplicate, or a step no longer allowed.",
    "429": "Too many requests: retry after the number of seconds in the Retry-After header.",
}

SECURITY_DESCRIPTIONS = {
    "bearerAuth": (
        "A personal access token: `Authorization: Bearer <token>`. Create one (shown once, stored hashed) with a "
        "name, an expiry and a scope under `/api/v1/auth/tokens/`, or exchange a password at `/api/v1/auth/token/`. "
        "A read-only token is refused (403) on writes; a revoked or expired one is refused (401). Requests are "
        "throttled per token (429)."
    ),
    "cookieAuth": (
        "The browser's session after signing in at `/accounts/login/`. Requests other than GET, HEAD and OPTIONS "
        "must also send the `csrftoken` cookie's value in the `X-CSRFToken` header (Django's CSRF protection)."
    ),
}

# A route's parameters: ``(?P<name>regex)`` in a regular expression, ``<converter:name>`` in a ``path()`` route.
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<pattern>(?:[^()]|\([^()]*\))+)\)")
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _error_content(component: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


def _handler(view: APIView, method: str) -> Any:
    action = getattr(view, "action", None)
    return getattr(view, action, None) if action else getattr(view, method.lower(), None)


def _may_conflict(view: APIView, method: str) -> bool:
    declared = {name.lower() for name in getattr(view, "conflict_on", ())}
    action = getattr(view, "action", None)
    if method.lower() in declared or (action and action.lower() in declared):
        return True
    return bool(getattr(_handler(view, method), "may_conflict", False))


def _error_statuses(operation: dict[str, Any], view: APIView | None, method: str) -> list[str]:
    security = operation.get("security") or []
    authenticated = bool(security) and {} not in security
    parameters = operation.get("parameters", [])
    statuses = []
    if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
        statuses.append("400")
    if authenticated:
        statuses += ["401", "403"]
    if any(p.get("in") == "path" or p.get("name") == Pagination.page_query_param for p in parameters):
        statuses.append("404")
    if view is not None and _may_conflict(view, method):
        statuses.append("409")
    if view is not None and getattr(view, "throttle_classes", None):
        statuses.append("429")
    return statuses


def _views_by_operation(generator: Any) -> dict[tuple[str, str], tuple[APIView, str]]:
    """(path, method) → (a view instance as drf-spectacular built it, the URL regex), for the schema's paths."""
    found = {}
    for path, path_regex, method, callback in generator.endpoints or []:
        view = generator.create_view(callback, method)
        found[generator.coerce_path(path, method, view), method.lower()] = (view, path_regex)
    return found


def _pin_path_patterns(operation: dict[str, Any], path_regex: str) -> None:
    """A string path parameter without a pattern gets its URL converter's (``slug`` → ``[-a-zA-Z0-9_]+``)."""
    converters = get_converters()
    groups = {match["name"]: match["pattern"] for match in _REGEX_GROUP.finditer(path_regex)}
    for match in _ROUTE_PARAMETER.finditer(path_regex):
        converter = converters.get(match["converter"] or "str")
        if converter is not None:
            groups.setdefault(match["name"], converter.regex)
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        pattern = groups.get(parameter["name"])
        if parameter.get("in") != "path" or pattern is None or schema.get("type") != "string":
            continue
        if not ({"pattern", "enum", "format"} & set(schema)):
            schema["pattern"] = f"^{pattern}$"


def _add_error_responses(operation: dict[str, Any], statuses: list[str]) -> None:
    """Add the missing error responses; give the shared body to those a view declared without one."""
    responses = operation.setdefault("responses", {})
    declared = [code for code in responses if code in ERROR_DESCRIPTIONS]
    for code in dict.fromkeys([*statuses, *declared]):
        component = VALIDATION_ERROR_COMPONENT if code == "400" else ERROR_COMPONENT
        response = responses.setdefault(code, {})
        if response.get("description") in (None, "", "No response body"):
            response["description"] = ERROR_DESCRIPTIONS[code]
        response.setdefault("content", _error_content(component))


# OpenAPI 3.0 has no "time" format, and JSON Schema's (RFC 3339 full-time) requires an offset that a TimeField
# does not send: times are documented as RFC 3339's partial-time, with its pattern.
PARTIAL_TIME = {"format": "partial-time", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"}


def _document_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            node.update(PARTIAL_TIME)
        for value in node.values():
            _document_times(value)
    elif isinstance(node, list):
        for value in node:
            _document_times(value)


def document_api_contract(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: see the module docstring."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    schemas.setdefault(VALIDATION_ERROR_COMPONENT, VALIDATION_ERROR_SCHEMA)
    schemas.setdefault(FIELD_ERRORS_COMPONENT, FIELD_ERRORS_SCHEMA)
    for name, scheme in components.get("securitySchemes", {}).items():
        if name in SECURITY_DESCRIPTIONS:
            scheme["description"] = SECURITY_DESCRIPTIONS[name]

    _document_times(result)
    views = _views_by_operation(generator)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            view, path_regex = views.get((path, method), (None, ""))
            _pin_path_patterns(operation, path_regex)
            _add_error_responses(operation, _error_statuses(operation, view, method))
    return result
