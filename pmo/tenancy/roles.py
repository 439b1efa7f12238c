"""Organisation roles and the one capability map that every view, API and navigation entry consults."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PMO = "pmo", _("PMO")
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Project manager")
    MEMBER = "member", _("Team member")
    VIEWER = "viewer", _("Viewer")


class Capability(StrEnum):
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"
    AUDIT_VIEW = "audit.view"
    PORTFOLIO_VIEW = "portfolio.view"
    PORTFOLIO_MANAGE = "portfolio.manage"
    PROJECTS_VIEW_ALL = "projects.view_all"
    PROJECTS_CREATE = "projects.create"
    PROJECTS_CHANGE_ALL = "projects.change_all"
    PROJECTS_SHARE = "projects.share"
    INTAKE_VIEW = "intake.view"
    INTAKE_SUBMIT = "intake.submit"
    INTAKE_REVIEW = "intake.review"
    INTAKE_DECIDE = "intake.decide"
    SCENARIOS_MANAGE = "scenarios.manage"
    TEMPLATES_MANAGE = "templates.manage"
    TAILORING_APPROVE = "tailoring.approve"
    GATES_DECIDE_PMO = "gates.decide_pmo"
    GATES_DECIDE_EXECUTIVE = "gates.decide_executive"
    CLOSURE_APPROVE = "closure.approve"
    DEPENDENCIES_MANAGE = "dependencies.manage"
    KNOWLEDGE_VIEW = "knowledge.view"
    KNOWLEDGE_WRITE = "knowledge.write"
    KNOWLEDGE_MANAGE = "knowledge.manage"
    STATUS_REVIEW = "status.review"
    CONTROL_POLICY_MANAGE = "control.manage"
    CHANGES_ASSESS = "changes.assess"
    CHANGES_APPROVE_PMO = "changes.approve_pmo"
    CHANGES_APPROVE_EXECUTIVE = "changes.approve_executive"
    MEETINGS_VIEW = "meetings.view"
    RESOURCES_VIEW = "resources.view"
    RESOURCES_MANAGE = "resources.manage"
    TIMESHEETS_SUBMIT = "timesheets.submit"
    TIMESHEETS_APPROVE = "timesheets.approve"
    RISKS_SETTINGS = "risks.settings"
    RISKS_ESCALATE_EXECUTIVE = "risks.escalate_executive"
    RISKS_EXECUTIVE_LEVEL = "risks.executive_level"
    ALERTS_VIEW = "alerts.view"
    ALERTS_ACKNOWLEDGE = "alerts.acknowledge"
    ALERT_RULES_MANAGE = "alerts.manage_rules"
    WEBHOOKS_MANAGE = "webhooks.manage"
    REPORTS_VIEW = "reports.view"
    REPORTS_GENERATE = "reports.generate"
    REPORTS_SCHEDULE = "reports.schedule"
    DASHBOARD_VIEW = "dashboard.view"
    COCKPIT_VIEW = "cockpit.view"
    MY_WORK = "mywork.view"
    DATA_IMPORT = "data.import"


_ALL = frozenset(Role)
_GOVERNANCE = frozenset({Role.ADMIN, Role.PMO})
_LEADERSHIP = frozenset({Role.ADMIN, Role.PMO, Role.EXECUTIVE})

CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.ORG_VIEW: _ALL,
    Capability.ORG_MANAGE: frozenset({Role.ADMIN}),
    Capability.MEMBERS_VIEW: _ALL - {Role.VIEWER},
    Capability.MEMBERS_MANAGE: frozenset({Role.ADMIN}),
    Capability.AUDIT_VIEW: _GOVERNANCE,
    Capability.PORTFOLIO_VIEW: _LEADERSHIP | {Role.MANAGER},
    Capability.PORTFOLIO_MANAGE: _GOVERNANCE,
    # Everyone else sees the projects granted to them through object permissions (django-guardian).
    Capability.PROJECTS_VIEW_ALL: _LEADERSHIP,
    Capability.PROJECTS_CREATE: _GOVERNANCE,
    Capability.PROJECTS_CHANGE_ALL: _GOVERNANCE,
    Capability.PROJECTS_SHARE: _GOVERNANCE,
    # Intake: sponsors (executives, managers, the PMO) draft and submit requests; the PMO reviews and scores;
    # the PMO and executives decide (approve / reject / defer).
    Capability.INTAKE_VIEW: _LEADERSHIP | {Role.MANAGER},
    Capability.INTAKE_SUBMIT: _LEADERSHIP | {Role.MANAGER},
    Capability.INTAKE_REVIEW: _GOVERNANCE,
    Capability.INTAKE_DECIDE: _LEADERSHIP,
    Capability.SCENARIOS_MANAGE: _LEADERSHIP,
    Capability.TEMPLATES_MANAGE: _GOVERNANCE,
    Capability.TAILORING_APPROVE: _GOVERNANCE,
    # Gates: generic gates and TRs are decided by the PMO (TRs also by technical reviewers: the project's manager
    # with change permission is not enough); DCPs by executives.
    Capability.GATES_DECIDE_PMO: _GOVERNANCE,
    Capability.GATES_DECIDE_EXECUTIVE: frozenset({Role.ADMIN, Role.EXECUTIVE}),
    Capability.CLOSURE_APPROVE: _GOVERNANCE,
    Capability.DEPENDENCIES_MANAGE: _GOVERNANCE | {Role.MANAGER},
    Capability.KNOWLEDGE_VIEW: _ALL,
    Capability.KNOWLEDGE_WRITE: _ALL - {Role.VIEWER},
    Capability.KNOWLEDGE_MANAGE: _GOVERNANCE,
    # Weekly status is written by whoever may change the project (its manager, the PMO); the PMO accepts or returns
    # it and sets the organisation's control policy (due time, RAG thresholds, change-approval thresholds).
    Capability.STATUS_REVIEW: _GOVERNANCE,
    Capability.CONTROL_POLICY_MANAGE: _GOVERNANCE,
    # Change requests are raised by whoever may change the project; the PMO assesses them and signs the PMO step;
    # executives sign the executive step that the PMO type and thresholds require.
    Capability.CHANGES_ASSESS: _GOVERNANCE,
    Capability.CHANGES_APPROVE_PMO: _GOVERNANCE,
    Capability.CHANGES_APPROVE_EXECUTIVE: frozenset({Role.ADMIN, Role.EXECUTIVE}),
    Capability.MEETINGS_VIEW: _LEADERSHIP,
    # Resources: leadership and managers see people across projects, capacity and over-allocation; the PMO keeps
    # people, skills, the calendar and time off, and changes any allocation (a manager changes those of the
    # projects they may change). Everyone with work to book enters timesheets; managers and the PMO approve them.
    Capability.RESOURCES_VIEW: _LEADERSHIP | {Role.MANAGER},
    Capability.RESOURCES_MANAGE: _GOVERNANCE,
    Capability.TIMESHEETS_SUBMIT: _ALL - {Role.VIEWER},
    Capability.TIMESHEETS_APPROVE: _GOVERNANCE | {Role.MANAGER},
    # Risks: whoever may change a project keeps its risks, issues and assumptions and escalates them to the PMO;
    # the PMO escalates further to the executives and sets the organisation's scale, thresholds and review period.
    Capability.RISKS_SETTINGS: _GOVERNANCE,
    Capability.RISKS_ESCALATE_EXECUTIVE: _GOVERNANCE,
    # Executives own what reaches their level: they may hand it back to the PMO.
    Capability.RISKS_EXECUTIVE_LEVEL: frozenset({Role.ADMIN, Role.EXECUTIVE}),
    # Alerts: leadership sees every alert, a manager those of the projects they may view (and their people); the
    # PMO and managers (for projects they may change) acknowledge them; the PMO and admins keep the rules and the
    # outgoing webhooks. Every user has an inbox and notification preferences of their own (no capability).
    Capability.ALERTS_VIEW: _LEADERSHIP | {Role.MANAGER},
    Capability.ALERTS_ACKNOWLEDGE: _GOVERNANCE | {Role.MANAGER},
    Capability.ALERT_RULES_MANAGE: _GOVERNANCE,
    Capability.WEBHOOKS_MANAGE: _GOVERNANCE,
    # Report packs: the organisation's packs (weekly, monthly) are read by leadership, produced on demand and
    # scheduled by the PMO; a project's one-pager and closure report follow the project's own read permission.
    Capability.REPORTS_VIEW: _LEADERSHIP,
    Capability.REPORTS_GENERATE: _GOVERNANCE,
    Capability.REPORTS_SCHEDULE: _GOVERNANCE,
    # Workspaces: the executive dashboard reads the whole portfolio (leadership); the PMO cockpit holds the PMO's
    # queues and data quality; "My work" is the page of anyone with projects, allocations or actions of their own.
    Capability.DASHBOARD_VIEW: _LEADERSHIP,
    Capability.COCKPIT_VIEW: _GOVERNANCE,
    Capability.MY_WORK: _ALL - {Role.VIEWER},
    # Import (CSV, XLSX, Microsoft Project XML): the PMO and admins import projects, people and allocations;
    # managers import allocations, risks and milestones into the projects they may change (each row is checked).
    Capability.DATA_IMPORT: _GOVERNANCE | {Role.MANAGER},
}


def role_can(role: str, capability: Capability) -> bool:
    return role in CAPABILITIES[capability]


def capabilities_of(role: str) -> frozenset[Capability]:
    return frozenset(cap for cap, roles in CAPABILITIES.items() if role in roles)
