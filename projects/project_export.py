"""A whole project as one file: ``GET /o/<org>/projects/<id>/export/?format=xlsx`` (one workbook, a sheet per part)
or ``?format=csv`` (a zip of CSV files, UTF-8 with a byte-order mark). The API answers the same file at
``/api/v1/orgs/<org>/projects/<id>/export/`` (``projects.project_export_api``).

Sheets, in order: overview, phases, deliverables, milestones, gates, baselines, change requests, status reports,
risks, issues, assumptions, allocations, budget and earned value, documents. Headers and choice labels are in the
reader's language, dates in the organisation's time zone; cells are data, never formulas (``pmo.core.exports``).

Whoever may read the project may export it (404 otherwise, as for the project); the risks and issues are those the
reader may see. Every sheet is one query (a few with prefetches), whatever the size of the project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from pmo.core.exports import Column, ExportableListMixin, Sheet, attr, workbook_response
from pmo.tenancy.access import OrgAccess
from projects import selectors
from projects.changes.selectors import project_change_requests
from projects.documents.selectors import project_documents
from projects.earnedvalue.selectors import project_evm_history, project_evm_now
from projects.models import ApproverRole, Project, Rag
from projects.policy import week_label
from projects.services import organization_today
from projects.status.selectors import project_status_reports
from resources.planning import allocations_list
from risks.scoring import LEVEL_LABELS
from risks.selectors import IssueFilters, RiskFilters, issues_visible_to, project_assumptions, risks_visible_to

EXPORT_FORMATS = ("csv", "xlsx")


def _name(user: Any) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def _rag(value: str) -> str:
    return str(Rag(value).label) if value in Rag.values else value


def _overview(project: Project, *, access: OrgAccess, today: dt.date) -> list[tuple[str, Any]]:
    """The project's facts and its budget as of today, as label–value pairs."""
    now = project_evm_now(organization=access.organization, project=project, on=today)
    figures = now.figures if now is not None else None
    return [
        (_("Code"), project.code),
        (_("Name"), project.name),
        (_("Status"), project.get_status_display()),
        (_("Priority"), project.get_priority_display()),
        (_("Portfolio"), project.portfolio.name if project.portfolio else ""),
        (_("Programme"), project.programme.name if project.programme else ""),
        (_("Manager"), _name(project.manager)),
        (_("Sponsor"), _name(project.sponsor)),
        (_("Process template"), project.template.name if project.template else ""),
        (_("Current phase"), project.current_phase.name if project.current_phase else ""),
        (_("Planned start"), project.planned_start),
        (_("Planned finish"), project.planned_finish),
        (_("Budget at completion"), project.budget_at_completion),
        (_("Currency"), access.organization.currency),
        (_("Tags"), project.tags),
        (_("Description"), project.description),
        (_("Objectives"), project.objectives),
        (_("Created"), project.created_at),
        (_("Closed"), project.closed_at),
        (_("Earned value as of"), now.on if now else None),
        (_("Percent complete"), now.percent_complete if now else None),
        (_("Actual cost"), now.actual_cost if now else None),
        ("PV", figures.pv if figures else None),
        ("EV", figures.ev if figures else None),
        ("SPI", figures.spi if figures else None),
        ("CPI", figures.cpi if figures else None),
        ("EAC", figures.eac if figures else None),
        (_("Exported"), timezone.now()),
    ]


_FIGURES = (
    ("bac", "BAC"),
    ("pv", "PV"),
    ("ev", "EV"),
    ("ac", "AC"),
    ("sv", "SV"),
    ("cv", "CV"),
    ("spi", "SPI"),
    ("cpi", "CPI"),
    ("eac", "EAC"),
    ("etc", "ETC"),
    ("vac", "VAC"),
)


# --- The parts: each a sheet of the project's file, and the file of the project tab that shows it --------------


def phases_columns() -> list[Column]:
    return [
        Column(_("Order"), attr("order"), 7),
        Column(_("Phase"), attr("name"), 28),
        Column(_("Status"), attr("get_status_display"), 14),
        Column(_("Optional"), attr("optional"), 9),
        Column(_("Planned start"), attr("planned_start"), 12),
        Column(_("Planned finish"), attr("planned_finish"), 12),
        Column(_("Baseline start"), attr("baseline_start"), 12),
        Column(_("Baseline finish"), attr("baseline_finish"), 12),
        Column(_("Started"), attr("started_at"), 17),
        Column(_("Completed"), attr("completed_at"), 17),
        Column(_("Completed by"), lambda p: _name(p.completed_by), 20),
        Column(_("Deliverables"), attr("deliverable_count"), 10),
        Column(_("Required deliverables open"), attr("deliverables_open"), 10),
        Column(_("Gates"), attr("gate_count"), 8),
        Column(_("Gates passed"), attr("gates_passed"), 8),
    ]


def deliverables_columns() -> list[Column]:
    return [
        Column(_("Phase"), attr("phase.name"), 22),
        Column(_("Deliverable"), attr("name"), 36),
        Column(_("Required"), attr("required"), 9),
        Column(_("Status"), attr("get_status_display"), 12),
        Column(_("Note"), attr("note"), 36),
        Column(_("Updated by"), lambda d: _name(d.updated_by), 20),
        Column(_("Updated"), attr("updated_at"), 17),
    ]


def milestones_columns() -> list[Column]:
    return [
        Column(_("Milestone"), attr("name"), 32),
        Column(_("Phase"), attr("phase.name"), 20),
        Column(_("Baseline date"), attr("baseline_date"), 12),
        Column(_("Forecast date"), attr("forecast_date"), 12),
        Column(_("Actual date"), attr("actual_date"), 12),
        Column(_("Slip (days)"), attr("slip_days"), 9),
        Column(_("Weight"), attr("weight"), 8),
    ]


def gates_columns() -> list[Column]:
    return [
        Column(_("Phase"), attr("phase.name"), 20),
        Column(_("Code"), attr("code"), 8),
        Column(_("Gate"), attr("name"), 30),
        Column(_("Kind"), attr("get_kind_display"), 24),
        Column(_("Decided by"), attr("get_decider_display"), 18),
        Column(_("Planned date"), attr("planned_date"), 12),
        Column(_("Decision"), attr("get_decision_display"), 10),
        Column(_("Decided on"), attr("decided_at"), 17),
        Column(_("Decider"), lambda g: _name(g.decided_by), 20),
        Column(_("Conditions"), attr("conditions"), 30),
        Column(_("Decisions taken"), lambda g: len(g.decision_list), 9),
    ]


def baselines_columns() -> list[Column]:
    return [
        Column(_("Version"), attr("version"), 8),
        Column(_("Budget"), attr("budget"), 14),
        Column(_("Start"), attr("start_date"), 12),
        Column(_("Finish"), attr("finish_date"), 12),
        Column(_("Reason category"), attr("get_reason_category_display"), 18),
        Column(_("Reason"), attr("reason"), 40),
        Column(_("Milestones"), lambda b: len(b.milestone_dates or []), 10),
        Column(_("Approved by"), lambda b: _name(b.approved_by), 20),
        Column(_("Approved"), attr("approved_at"), 17),
    ]


def change_requests_columns() -> list[Column]:
    return [
        Column(_("Code"), attr("code"), 9),
        Column(_("Title"), attr("title"), 36),
        Column(_("Type"), attr("get_change_type_display"), 12),
        Column(_("Status"), attr("get_status_display"), 12),
        Column(_("Cost Δ"), attr("cost_delta"), 12),
        Column(_("Finish Δ (days)"), attr("finish_delta_days"), 10),
        Column(_("Raised by"), lambda cr: _name(cr.raised_by), 20),
        Column(_("Raised"), attr("raised_at"), 17),
        Column(_("Submitted"), attr("submitted_at"), 17),
        Column(_("Approvals required"), lambda cr: [ApproverRole(r).label for r in cr.approvals_required], 16),
        Column(_("Decided"), attr("decided_at"), 17),
        Column(_("Baseline version"), attr("baseline.version"), 10),
    ]


def status_reports_columns() -> list[Column]:
    return [
        Column(_("Week"), lambda r: week_label(r.week_start), 10),
        Column(_("State"), attr("get_state_display"), 11),
        Column(_("Overall"), lambda r: _rag(r.rag_overall), 9),
        Column(_("Suggested RAG"), lambda r: _rag(r.suggested_rag), 9),
        Column(_("Schedule"), lambda r: _rag(r.rag_schedule), 9),
        Column(_("Cost"), lambda r: _rag(r.rag_cost), 9),
        Column(_("Scope"), lambda r: _rag(r.rag_scope), 9),
        Column(_("Quality"), lambda r: _rag(r.rag_quality), 9),
        Column(_("Resources"), lambda r: _rag(r.rag_resources), 9),
        Column(_("Risk"), lambda r: _rag(r.rag_risk), 9),
        Column(_("Percent complete"), attr("percent_complete"), 9),
        Column(_("Actual cost"), attr("actual_cost"), 12),
        Column(_("Forecast finish"), attr("forecast_finish"), 12),
        Column(_("Summary"), attr("summary"), 40),
        Column(_("Due"), attr("due_at"), 17),
        Column(_("Submitted"), attr("submitted_at"), 17),
        Column(_("Submitted by"), lambda r: _name(r.submitted_by), 20),
    ]


def risks_columns() -> list[Column]:
    return [
        Column(_("Code"), attr("code"), 8),
        Column(_("Title"), attr("title"), 36),
        Column(_("Category"), attr("get_category_display"), 14),
        Column(_("Probability"), attr("probability"), 9),
        Column(_("Impact"), attr("impact"), 9),
        Column(_("Score"), attr("score"), 8),
        Column(_("Level"), lambda r: LEVEL_LABELS.get(r.level, ""), 9),
        Column(_("Owner"), lambda r: _name(r.owner), 20),
        Column(_("Response strategy"), attr("get_strategy_display"), 14),
        Column(_("Status"), attr("get_status_display"), 10),
        Column(pgettext("risk", "Escalation"), attr("get_escalation_level_display"), 12),
        Column(_("Proximity"), attr("proximity"), 12),
        Column(_("Last reviewed"), attr("last_reviewed_at"), 17),
    ]


def issues_columns() -> list[Column]:
    return [
        Column(_("Code"), attr("code"), 8),
        Column(_("Title"), attr("title"), 36),
        Column(_("Severity"), attr("get_severity_display"), 10),
        Column(_("Status"), attr("get_status_display"), 12),
        Column(_("Owner"), lambda i: _name(i.owner), 20),
        Column(_("Due"), attr("due_date"), 12),
        Column(pgettext("risk", "Escalation"), attr("get_escalation_level_display"), 12),
        Column(_("Resolved"), attr("resolved_at"), 17),
    ]


def assumptions_columns() -> list[Column]:
    return [
        Column(_("Assumption"), attr("title"), 36),
        Column(_("Description"), attr("description"), 40),
        Column(_("Owner"), lambda a: _name(a.owner), 20),
        Column(_("Validate by"), attr("validate_by"), 12),
        Column(_("Status"), attr("get_status_display"), 12),
    ]


def allocations_columns() -> list[Column]:
    return [
        Column(_("Person"), attr("person.full_name"), 24),
        Column(_("Department"), attr("person.department.name"), 18),
        Column(_("Role"), attr("role"), 18),
        Column(_("Hours per week"), attr("hours_per_week"), 10),
        Column(_("From week"), lambda a: week_label(a.start_week), 10),
        Column(_("To week"), lambda a: week_label(a.end_week), 10),
    ]


def earned_value_columns() -> list[Column]:
    return [
        Column(_("Week"), attr("week"), 10),
        Column(_("Status date"), attr("status_date"), 12),
        Column(_("Baseline version"), attr("baseline_version"), 9),
        Column(_("Percent complete"), attr("percent_complete"), 9),
        *(Column(label, attr(name), 12) for name, label in _FIGURES),
    ]


def documents_columns() -> list[Column]:
    return [
        Column(_("Title"), attr("title"), 32),
        Column(_("Kind"), attr("get_kind_display"), 14),
        Column(_("Phase"), attr("phase.name"), 18),
        Column(_("File or link"), lambda d: d.original_name or d.url, 36),
        Column(_("Version"), attr("version_label"), 9),
        Column(_("Size (bytes)"), attr("size"), 10),
        Column(_("Added by"), lambda d: _name(d.uploaded_by), 20),
        Column(_("Added on"), attr("uploaded_at"), 17),
    ]


@dataclass(frozen=True)
class Part:
    """A part of a project: its name (the CSV file's), its title (the sheet's), its columns and its rows as the
    reader may see them."""

    name: str
    title: str | Promise
    columns: Callable[[], list[Column]]
    rows: Callable[[OrgAccess, Project], Iterable[Any]]


PARTS: dict[str, Part] = {
    part.name: part
    for part in (
        Part(
            "phases",
            gettext_lazy("Phases"),
            phases_columns,
            lambda access, project: selectors.project_phases(project=project),
        ),
        Part(
            "deliverables",
            gettext_lazy("Deliverables"),
            deliverables_columns,
            lambda access, project: selectors.project_deliverables(project=project),
        ),
        Part(
            "milestones",
            gettext_lazy("Milestones"),
            milestones_columns,
            lambda access, project: selectors.project_milestones(project=project),
        ),
        Part(
            "gates",
            gettext_lazy("Gates"),
            gates_columns,
            lambda access, project: selectors.project_gates(project=project),
        ),
        Part(
            "baselines",
            gettext_lazy("Baselines"),
            baselines_columns,
            lambda access, project: selectors.project_baselines(project=project),
        ),
        Part(
            "change-requests",
            gettext_lazy("Change requests"),
            change_requests_columns,
            lambda access, project: project_change_requests(project=project),
        ),
        Part(
            "status-reports",
            gettext_lazy("Status reports"),
            status_reports_columns,
            lambda access, project: project_status_reports(project=project),
        ),
        Part(
            "risks",
            gettext_lazy("Risks"),
            risks_columns,
            lambda access, project: risks_visible_to(access=access, filters=RiskFilters(project=project.pk)),
        ),
        Part(
            "issues",
            gettext_lazy("Issues"),
            issues_columns,
            lambda access, project: issues_visible_to(access=access, filters=IssueFilters(project=project.pk)),
        ),
        Part(
            "assumptions",
            gettext_lazy("Assumptions"),
            assumptions_columns,
            lambda access, project: project_assumptions(project=project),
        ),
        Part(
            "allocations",
            gettext_lazy("Allocations"),
            allocations_columns,
            lambda access, project: allocations_list(
                organization=access.organization, project=project.pk, sort="start"
            ),
        ),
        Part(
            "earned-value",
            gettext_lazy("Budget and earned value"),
            earned_value_columns,
            lambda access, project: project_evm_history(organization=access.organization, project=project),
        ),
        Part(
            "documents",
            gettext_lazy("Documents"),
            documents_columns,
            lambda access, project: project_documents(project=project),
        ),
    )
}


def project_export_sheets(*, access: OrgAccess, project: Project, today: dt.date) -> list[Sheet]:
    """Every sheet of the project's file, each a lazily read queryset or list (the file is written in order)."""
    pair = [Column(_("Field"), lambda row: row[0], 24), Column(_("Value"), lambda row: row[1], 50)]
    return [
        Sheet("overview", _("Overview"), pair, _overview(project, access=access, today=today)),
        *(Sheet(part.name, part.title, part.columns(), part.rows(access, project)) for part in PARTS.values()),
    ]


def project_export_filename(project: Project, *, access: OrgAccess, today: dt.date, part: str = "") -> str:
    """``<org>-project-<code>[-<part>]-<date>``, the code reduced to what a file name safely holds."""
    code = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in project.code)
    return "-".join(filter(None, [access.organization.slug, "project", code, part, today.isoformat()]))


def project_export_response(*, access: OrgAccess, project: Project, fmt: str) -> HttpResponse:
    today = organization_today(access.organization)
    return workbook_response(
        sheets=project_export_sheets(access=access, project=project, today=today),
        fmt=fmt,
        filename=project_export_filename(project, access=access, today=today),
    )


class ProjectTabExportMixin(ExportableListMixin):
    """For a project tab whose table is a part of the project's file (before ``ProjectPageView`` in the bases):
    ``?format=csv|xlsx`` answers that part alone, with the workbook's columns; the tab includes ``_export.html``."""

    export_part = ""
    access: OrgAccess
    project: Project

    def export_columns(self) -> list[Column]:
        return PARTS[self.export_part].columns()

    def export_rows(self) -> Iterable[Any]:
        return PARTS[self.export_part].rows(self.access, self.project)

    def export_title(self) -> str:
        return str(PARTS[self.export_part].title)

    def export_filename(self) -> str:
        today = organization_today(self.access.organization)
        return project_export_filename(self.project, access=self.access, today=today, part=self.export_part)
