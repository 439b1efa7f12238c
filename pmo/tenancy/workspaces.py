"""Role workspaces: the page each kind of user lands on, answering "what needs me" without another click.

``/o/<org_slug>/`` renders the landing workspace of the user's role (no redirect: the address stays the
organisation's); each workspace also has an address of its own, and a strip on top of every workspace links the
others the user may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability, Role


@dataclass(frozen=True)
class Workspace:
    key: str
    label: str | Promise
    url_name: str
    capability: Capability


WORKSPACES: tuple[Workspace, ...] = (
    Workspace("dashboard", _("Executive dashboard"), "dashboard", Capability.DASHBOARD_VIEW),
    Workspace("cockpit", _("PMO cockpit"), "cockpit", Capability.COCKPIT_VIEW),
    Workspace("mywork", _("My work"), "my-work", Capability.MY_WORK),
    Workspace("overview", _("Overview"), "org-overview", Capability.ORG_VIEW),
)

LANDING: dict[str, str] = {
    Role.ADMIN: "cockpit",
    Role.PMO: "cockpit",
    Role.EXECUTIVE: "dashboard",
    Role.MANAGER: "mywork",
    Role.MEMBER: "mywork",
    Role.VIEWER: "overview",
}


def workspace(key: str) -> Workspace:
    return next(item for item in WORKSPACES if item.key == key)


def landing_workspace(access: OrgAccess) -> Workspace:
    return workspace(LANDING.get(access.membership.role, "overview"))


def workspace_tabs(access: OrgAccess, active: str) -> list[dict[str, Any]]:
    """The strip on top of a workspace: the ones this user may open, the landing one first."""
    landing = landing_workspace(access)
    items = [landing, *(item for item in WORKSPACES if item is not landing)]
    slug = access.organization.slug
    return [
        {
            "key": item.key,
            "label": item.label,
            "url": reverse(item.url_name, kwargs={"org_slug": slug}),
            "active": item.key == active,
        }
        for item in items
        if access.can(item.capability)
    ]


class WorkspaceMixin:
    """For a workspace page (after ``OrganizationViewMixin``): the nav's Home entry is active, the strip shown."""

    nav_key = "home"
    workspace_key = ""
    access: OrgAccess

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        tabs = workspace_tabs(self.access, self.workspace_key)
        data.update(workspace_tabs=tabs if len(tabs) > 1 else [], workspace_key=self.workspace_key)
        return data
