"""Who may do what with projects: organisation roles first, then per-project object permissions (guardian).

| action | granted by |
| --- | --- |
| view a project | role with ``projects.view_all`` (admin, pmo, executive), or ``view_project`` on it |
| change a project | role with ``projects.change_all`` (admin, pmo), or ``change_project`` on it (its manager) |
| create a project | role with ``projects.create`` |
"""

from __future__ import annotations

from pmo.tenancy.roles import Capability

VIEW_ALL = Capability.PROJECTS_VIEW_ALL
CHANGE_ALL = Capability.PROJECTS_CHANGE_ALL
CREATE = Capability.PROJECTS_CREATE
VIEW_CODENAME = "view_project"
CHANGE_CODENAME = "change_project"
MANAGER_CODENAMES = (VIEW_CODENAME, CHANGE_CODENAME)
