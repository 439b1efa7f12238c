"""What the dashboard and the cockpit cache through ``pmo.core.datacache``, and what their keys hold.

Both pages cache what they compute per organisation until a write touches it: the web pages their rendered body
(everything inside the layout's content block; the layout around it, with the user's menu, inbox badge and messages,
is rendered per request) and the API its serialized output. A key holds, besides the organisation and its data
versions:

- **who reads**: the role (it decides the workspace tabs and the actions offered) and, unless the role sees every
  project of the organisation, the user (the projects granted to them); the cockpit always holds the user, whose
  queue of change requests to sign is their own;
- the language (labels, numbers and dates are rendered or translated in it);
- today's date in the organisation's time zone (the windows of every figure);
- the checked filters, and for a page the form's values as submitted (the form is rendered in the body).

Figures that move with the clock within a day (a report becoming late, hours past due) may lag by the cache's
lifetime (``DATACACHE_TIMEOUT``, five minutes by default); the pages say "as of" the moment they were computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from pmo.core import datacache
from pmo.tenancy.access import OrgAccess
from projects import permissions
from projects.policy import organization_zone

# The body is rendered once for every reader: the CSRF token of the reminders form is put in per request.
CSRF_PLACEHOLDER = "datacache0csrf0placeholder"


def reader(access: OrgAccess, *, per_user: bool = False) -> tuple[object, ...]:
    """Who reads, as far as the result depends on it (see the module's docstring)."""
    if per_user or not access.can(permissions.VIEW_ALL):
        return (access.role, access.membership.user_id)
    return (access.role,)


def organization_today(access: OrgAccess, now: dt.datetime) -> dt.date:
    return now.astimezone(organization_zone(access.organization)).date()


def cached_result(namespace: str, *, access: OrgAccess, parts: tuple[object, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``'s result, cached for the organisation, the language and ``parts``."""
    return datacache.cached(
        namespace,
        organization_id=access.organization.pk,
        parts=(translation.get_language(), *parts),
        compute=compute,
    )


def render_body(template_name: str, context: dict[str, Any]) -> SafeString:
    """The page's body rendered without the request (no context processor runs: the body must not show anything
    of the reader beyond ``reader()``), with a placeholder for the CSRF token."""
    return mark_safe(get_template(template_name).render({**context, "csrf_token": CSRF_PLACEHOLDER}))  # noqa: S308


def with_csrf(body: str, token: str) -> SafeString:
    """The cached body with the request's CSRF token (alphanumeric, safe in an attribute)."""
    return mark_safe(body.replace(CSRF_PLACEHOLDER, token))  # noqa: S308
