"""Reads of weekly status, always for an actor in an organisation and in a constant number of queries: a project's
reports with their revisions, its RAG history with a trend per dimension, the organisation-wide list and the
compliance of a week (who submitted, who is late, who is missing)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from projects import evm
from projects.models import RAG_RANK, Project, Rag, StatusReport, StatusRevision
from projects.policy import control_policy_get, parse_week, status_due_at
from projects.selectors import projects_visible_to
from projects.status.services import RAG_FIELDS, report_figures

REPORT_RELATED = ("project", "submitted_by", "reviewed_by", "created_by")


def _revisions() -> QuerySet[StatusRevision]:
    return StatusRevision.objects.select_related("submitted_by").order_by("number")


def prefetch_revisions(queryset: QuerySet[StatusReport]) -> QuerySet[StatusReport]:
    return queryset.prefetch_related(Prefetch("revisions", queryset=_revisions(), to_attr="revision_list"))


def report_revisions(*, report: StatusReport) -> list[StatusRevision]:
    """``report``'s revisions, oldest first: those prefetched with it (``prefetch_revisions``), else one query."""
    prefetched = getattr(report, "revision_list", None)
    if prefetched is not None:
        return list(prefetched)
    return list(_revisions().filter(organization_id=report.organization_id, report=report))


def project_status_reports(
    *, project: Project, with_revisions: bool = False, related: tuple[str, ...] = REPORT_RELATED
) -> QuerySet[StatusReport]:
    """``project``'s reports, newest week first, with the ``related`` rows (each with ``revision_list`` when
    asked)."""
    reports = (
        StatusReport.objects.filter(organization_id=project.organization_id, project=project)
        .select_related(*related)
        .order_by("-week_start")
    )
    return prefetch_revisions(reports) if with_revisions else reports


def status_report_for_week(*, project: Project, week: Any) -> StatusReport:
    """The report of the ISO week ``week`` (``"2026-W47"`` or its Monday) with its revisions; ``Http404`` when
    there is none or the text is not a week."""
    try:
        week_start = week if isinstance(week, dt.date) else parse_week(week)
    except ValidationError as exc:
        raise Http404 from exc
    report = project_status_reports(project=project, with_revisions=True).filter(week_start=week_start).first()
    if report is None:
        raise Http404
    return report


def status_reports_visible_to(
    *,
    access: OrgAccess,
    week_start: dt.date | None = None,
    state: str = "",
    project: int | None = None,
    queryset: QuerySet[StatusReport] | None = None,
) -> QuerySet[StatusReport]:
    """The organisation's reports of the projects ``access`` may read, filtered by week, state and project."""
    if queryset is None:
        queryset = StatusReport.objects.all()
    reports = queryset.filter(
        organization=access.organization, project__in=projects_visible_to(access=access).values("pk")
    )
    if week_start is not None:
        reports = reports.filter(week_start=week_start)
    if state:
        reports = reports.filter(state=state)
    if project is not None:
        reports = reports.filter(project_id=project)
    return reports.select_related(*REPORT_RELATED).order_by("-week_start", "project__code")


# --- RAG history ------------------------------------------------------------------------------------------------


TREND_BETTER, TREND_WORSE, TREND_SAME = "better", "worse", "same"


def rag_trend(current: str, previous: str | None) -> str | None:
    """``better`` / ``worse`` / ``same`` of ``current`` against ``previous``; ``None`` without a previous value."""
    if not previous:
        return None
    now, before = RAG_RANK[Rag(current)], RAG_RANK[Rag(previous)]
    if now < before:
        return TREND_BETTER
    if now > before:
        return TREND_WORSE
    return TREND_SAME


@dataclass
class HistoryRow:
    """One week of a project's RAG history: the report (with ``revision_list``) and per dimension its RAG and the
    trend against the week before (``None`` when there was no report that week)."""

    report: StatusReport
    rags: dict[str, str]
    trends: dict[str, str | None]

    @property
    def overall_trend(self) -> str | None:
        return self.trends["rag_overall"]

    @property
    def dimensions(self) -> list[tuple[str, str, str | None]]:
        """``(field, rag, trend)`` of the six dimensions (without the overall one), for the RAG dots."""
        return [(name, self.rags[name], self.trends[name]) for name in RAG_FIELDS[1:]]


def rag_history(*, project: Project, reports: list[StatusReport] | None = None) -> list[HistoryRow]:
    """Every week's RAGs of ``project``, newest first, each with its trend against the report of the week before.
    Pass ``reports`` (newest first) to reuse rows already read."""
    if reports is None:
        reports = list(project_status_reports(project=project, with_revisions=True))
    by_week = {report.week_start: report for report in reports}
    rows = []
    for report in reports:
        before = by_week.get(report.week_start - dt.timedelta(days=7))
        rags = {name: getattr(report, name) for name in RAG_FIELDS}
        trends = {name: rag_trend(rags[name], getattr(before, name) if before else None) for name in RAG_FIELDS}
        rows.append(HistoryRow(report=report, rags=rags, trends=trends))
    return rows


# --- Compliance ---------------------------------------------------------------------------------------------------

MONITORED_STATUSES = (Project.Status.ACTIVE, Project.Status.ON_HOLD)
MISSING = "missing"


@dataclass
class ComplianceRow:
    project: Project
    report: StatusReport | None
    due_at: dt.datetime
    late: bool
    missing: bool

    @property
    def state(self) -> str:
        return self.report.state if self.report is not None else MISSING if self.missing else "none"


@dataclass
class Compliance:
    """A week's status compliance over the active and on-hold projects the actor may read."""

    week_start: dt.date
    due_at: dt.datetime
    rows: list[ComplianceRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.report.state for row in self.rows if row.report is not None)
        counts = {state: counted.get(state, 0) for state in StatusReport.State.values}
        counts["not_started"] = sum(1 for row in self.rows if row.report is None)
        counts["late"] = sum(1 for row in self.rows if row.late)
        counts["missing"] = sum(1 for row in self.rows if row.missing)
        return counts

    @property
    def queue(self) -> list[ComplianceRow]:
        """The reports waiting for the PMO (submitted)."""
        return [row for row in self.rows if row.report is not None and row.report.state == StatusReport.State.SUBMITTED]

    @property
    def submitted_count(self) -> int:
        return sum(1 for row in self.rows if row.report is not None and row.report.first_submitted_at is not None)


def status_compliance(
    *,
    access: OrgAccess,
    week_start: dt.date,
    now: dt.datetime | None = None,
    portfolio: int | None = None,
    manager: int | None = None,
    search: str = "",
) -> Compliance:
    """For the ISO week starting ``week_start``: each active or on-hold project the actor may read (of
    ``portfolio``, run by ``manager``, whose code or name contains every word of ``search``, when given) with its
    report (if any); ``late`` when first submitted after its due time (or still unsubmitted past it), ``missing``
    when never submitted and past due. Three queries whatever the number of projects."""
    now = now or timezone.now()
    policy = control_policy_get(organization=access.organization)
    due_at = status_due_at(organization=access.organization, policy=policy, week_start=week_start)
    projects = projects_visible_to(access=access).filter(status__in=MONITORED_STATUSES)
    if portfolio is not None:
        projects = projects.filter(portfolio_id=portfolio)
    if manager is not None:
        projects = projects.filter(manager_id=manager)
    for word in search.split():
        projects = projects.filter(Q(code__icontains=word) | Q(name__icontains=word))
    projects = (
        projects.select_related("manager", "portfolio")
        .prefetch_related(
            Prefetch(
                "status_reports",
                queryset=StatusReport.objects.filter(
                    organization=access.organization, week_start=week_start
                ).select_related("reviewed_by"),
                to_attr="week_reports",
            )
        )
        .order_by("code")
    )
    rows = []
    for project in projects:
        week_reports: list[StatusReport] = project.week_reports
        report = week_reports[0] if week_reports else None
        due = report.due_at if report is not None else due_at
        first = report.first_submitted_at if report is not None else None
        missing = first is None and now > due
        late = first > due if first is not None else missing
        rows.append(ComplianceRow(project=project, report=report, due_at=due, late=late, missing=missing))
    return Compliance(week_start=week_start, due_at=due_at, rows=rows)


def compliance_rows(compliance: Compliance, *, state: str = "") -> list[ComplianceRow]:
    """The rows of ``compliance`` in ``state``: a report state, ``none`` (not started), ``missing`` or ``late``."""
    if state == "late":
        return [row for row in compliance.rows if row.late]
    if state:
        return [row for row in compliance.rows if row.state == state]
    return list(compliance.rows)


def describe_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suggestion's reasons with a ``text`` in the active language (``projects.evm.describe_reason``)."""
    return [{**reason, "text": evm.describe_reason(reason)} for reason in reasons or []]


def status_suggestion(*, organization: Organization, report: StatusReport) -> tuple[evm.Evm | None, evm.RagSuggestion]:
    """The figures and suggested RAG of ``report``: as frozen at its last submission, or, for a draft or a returned
    report, computed now from its current content (``services.report_figures``, six queries), so the form shows it
    beside the manager's choice."""
    if report.state not in (StatusReport.State.DRAFT, StatusReport.State.RETURNED) and report.suggested_rag:
        return None, evm.RagSuggestion(rag=report.suggested_rag, reasons=list(report.suggested_reasons or []))
    return report_figures(organization=organization, project=report.project, report=report)
