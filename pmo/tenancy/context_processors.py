"""Navigation for the base layout: the user's organisations and the entries their role may use."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.models import Membership
from pmo.tenancy.roles import Capability, role_can
from pmo.tenancy.selectors import memberships_of_user


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str
    # Administration entries sit in the bar's "Administration" menu, so the daily work fits one line.
    admin: bool = False


ADMIN_KEYS = frozenset({"import", "templates", "reminders", "webhooks", "alert_rules", "members", "audit", "settings"})


# (key, label, url name, capability): the one list the header renders, filtered by the capability map.
NAVIGATION: list[tuple[str, Any, str, Capability]] = [
    ("home", pgettext_lazy("navigation", "Home"), "org-home", Capability.ORG_VIEW),
    ("projects", _("Projects"), "project-list", Capability.ORG_VIEW),
    # Short labels: the bar holds up to thirteen entries; each page's title says it in full.
    ("status", pgettext_lazy("navigation", "Status"), "status-list", Capability.ORG_VIEW),
    ("changes", pgettext_lazy("navigation", "Changes"), "change-request-list", Capability.ORG_VIEW),
    ("meeting", pgettext_lazy("navigation", "Meeting"), "meeting-weekly", Capability.MEETINGS_VIEW),
    ("risks", pgettext_lazy("navigation", "Risks"), "risk-list", Capability.ORG_VIEW),
    ("alerts", pgettext_lazy("navigation", "Alerts"), "alert-list", Capability.ALERTS_VIEW),
    ("reports", pgettext_lazy("navigation", "Reports"), "report-list", Capability.ORG_VIEW),
    ("resources", pgettext_lazy("navigation", "Resources"), "resources-home", Capability.RESOURCES_VIEW),
    ("timesheets", pgettext_lazy("navigation", "Timesheets"), "timesheet-mine", Capability.TIMESHEETS_SUBMIT),
    ("intake", _("Intake"), "intake-queue", Capability.INTAKE_VIEW),
    ("portfolios", _("Portfolios"), "portfolio-list", Capability.PORTFOLIO_VIEW),
    ("import", pgettext_lazy("navigation", "Import data"), "import-home", Capability.DATA_IMPORT),
    ("templates", _("Templates"), "template-list", Capability.TEMPLATES_MANAGE),
    ("dependencies", _("Dependencies"), "dependency-list", Capability.PROJECTS_VIEW_ALL),
    ("knowledge", _("Knowledge"), "knowledge-list", Capability.KNOWLEDGE_VIEW),
    ("alert_rules", _("Alert rules"), "alert-rule-list", Capability.ALERTS_VIEW),
    ("reminders", _("Reminders"), "reminder-policy", Capability.PROJECTS_VIEW_ALL),
    ("webhooks", _("Webhooks"), "webhook-list", Capability.WEBHOOKS_MANAGE),
    ("members", _("Members"), "org-members", Capability.MEMBERS_VIEW),
    ("audit", _("Audit trail"), "org-audit", Capability.AUDIT_VIEW),
    ("settings", _("Settings"), "org-settings", Capability.ORG_MANAGE),
]


@functools.lru_cache(maxsize=2048)
def _nav_items(slug: str, role: str, script_prefix: str, urlconf: str) -> tuple[NavItem, ...]:
    """The entries a role may use in an organisation: the same for every request of that role there (the labels
    stay lazy, translated when rendered), so the twenty-odd ``reverse()`` calls run once per organisation and role
    in a process (``script_prefix`` and ``urlconf`` are in the key because ``reverse()`` depends on them)."""
    return tuple(
        NavItem(key, label, reverse(url_name, kwargs={"org_slug": slug}), admin=key in ADMIN_KEYS)
        for key, label, url_name, capability in NAVIGATION
        if role_can(role, capability)
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "org_access", None)
    # On an organisation page the resolution read the user's memberships already (``OrgAccess.memberships``).
    memberships: Sequence[Membership] = access.memberships if access is not None else ()
    if not memberships:
        with transaction.atomic(savepoint=False):
            memberships = memberships_of_user(user=user)
    items: tuple[NavItem, ...] = ()
    if access is not None:
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        items = _nav_items(access.organization.slug, access.role, get_script_prefix(), urlconf)
    return {
        "my_memberships": memberships,
        "nav_items": [item for item in items if not item.admin],
        "nav_admin_items": [item for item in items if item.admin],
        "org_access": access,
    }
