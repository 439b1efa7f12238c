"""Who may do what with projects: organisation roles first, then per-project object permissions (guardian).

- view a project and everything in it: a role with ``projects.view_all`` (admin, pmo, executive), or
  ``view_project`` on it;
- change a project, its deliverables and milestones, propose tailoring, advance its phase, draft and submit its
  closure report: a role with ``projects.change_all`` (admin, pmo), or ``change_project`` on it (its manager);
- reassign the manager, cancel a project: ``projects.change_all``;
- create a project: ``projects.create``; share one with a member: ``projects.share``;
- decide a gate: decider ``executive`` (DCP) needs ``gates.decide_executive``; ``pmo`` and ``technical`` (TR)
  need ``gates.decide_pmo``;
- approve or reject tailoring: ``tailoring.approve``; approve or return a closure report: ``closure.approve``;
- add or remove a cross-project dependency: ``dependencies.manage``, and both projects visible;
- read, copy and edit process templates: ``templates.manage`` (built-in templates are read-only).
"""

from __future__ import annotations

from pmo.tenancy.roles import Capability
from projects.models import DeciderRole

VIEW_ALL = Capability.PROJECTS_VIEW_ALL
CHANGE_ALL = Capability.PROJECTS_CHANGE_ALL
CREATE = Capability.PROJECTS_CREATE
SHARE = Capability.PROJECTS_SHARE
TEMPLATES = Capability.TEMPLATES_MANAGE
TAILORING_APPROVE = Capability.TAILORING_APPROVE
CLOSURE_APPROVE = Capability.CLOSURE_APPROVE
DEPENDENCIES = Capability.DEPENDENCIES_MANAGE
VIEW_CODENAME = "view_project"
CHANGE_CODENAME = "change_project"
MANAGER_CODENAMES = (VIEW_CODENAME, CHANGE_CODENAME)


def gate_decider_capability(decider: str) -> Capability:
    """DCPs are decided by executives; generic gates and technical reviews (TR) by the PMO."""
    if decider == DeciderRole.EXECUTIVE:
        return Capability.GATES_DECIDE_EXECUTIVE
    return Capability.GATES_DECIDE_PMO
