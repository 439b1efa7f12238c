"""The project one-pager (kind ``project_onepager``, period = an ISO week, one project): where the project stood that
week on one or two A4 pages, with no cover or contents page. Header facts, the RAGs of the latest counted status
report up to the week, percent complete, the earned-value figures frozen on that report with the S-curve up to it,
next and slipped milestones, the top five open risks, open issues, open change requests, summary and next steps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from projects.changes.selectors import project_change_requests
from projects.earnedvalue import selectors as evm_selectors
from projects.meetings.views import DIMENSION_LABELS
from projects.models import ChangeRequest, Milestone, Project, StatusReport
from projects.policy import control_policy_get, parse_week, status_date, week_label
from projects.selectors import PROJECT_RELATED, project_milestones
from reports.pdf import PackDocument, PackUnavailable
from reports.pdf.common import COUNTED_STATES, organization_access, s_curve_svg
from reports.periods import period_display
from risks.selectors import IssueFilters, RiskFilters, issues_visible_to, risks_visible_to

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization

TOP_RISKS = 5
MAX_ISSUES = 6
MAX_MILESTONES = 5
OPEN_CHANGE_STATES = (ChangeRequest.Status.SUBMITTED, ChangeRequest.Status.ASSESSED)


@dataclass(frozen=True)
class MilestoneLine:
    milestone: Milestone
    date: dt.date | None  # actual, else forecast, else baseline
    slip_days: int  # how much later than its baseline date (0 when on time or undated)
    overdue: bool  # its baseline date has passed by the week's end and it is not achieved


def project_for_pack(*, organization: Organization, project: Project) -> Project:
    """The project re-read inside the organisation with its header relations; ``PackUnavailable`` when it is not
    one of the organisation's."""
    found = Project.objects.select_related(*PROJECT_RELATED).filter(organization=organization, pk=project.pk).first()
    if found is None:
        raise PackUnavailable(_("This project does not exist in the organisation."))
    return found


def _milestone_lines(milestones: list[Milestone], week_end: dt.date) -> tuple[list[MilestoneLine], list[MilestoneLine]]:
    """The next open milestones by date, and those that slipped (later than their baseline, or overdue)."""
    lines = []
    for milestone in milestones:
        date = milestone.actual_date or milestone.forecast_date or milestone.baseline_date
        slip = (date - milestone.baseline_date).days if date and milestone.baseline_date else 0
        overdue = bool(
            milestone.actual_date is None and milestone.baseline_date and milestone.baseline_date <= week_end
        )
        lines.append(MilestoneLine(milestone=milestone, date=date, slip_days=max(0, slip), overdue=overdue))
    upcoming = sorted(
        (line for line in lines if line.milestone.actual_date is None),
        key=lambda line: (line.date or dt.date.max, line.milestone.order),
    )[:MAX_MILESTONES]
    slipped = [line for line in lines if line.slip_days > 0 or line.overdue]
    return upcoming, slipped


def build(*, organization: Organization, period: str, project: Project | None, language: str) -> PackDocument:
    """The one-pager of ``project`` for the ISO week ``period`` (a fixed number of queries)."""
    week_start = parse_week(period)
    if project is None:
        raise PackUnavailable(_("This report is about one project: choose the project."))
    project = project_for_pack(organization=organization, project=project)
    access = organization_access(organization)
    policy = control_policy_get(organization=organization)
    week_end = week_start + dt.timedelta(days=6)
    as_of = status_date(policy=policy, week_start=week_start)

    report = (
        StatusReport.objects.filter(
            organization=organization, project=project, week_start__lte=week_start, state__in=COUNTED_STATES
        )
        .order_by("-week_start")
        .first()
    )
    history = [
        row
        for row in evm_selectors.project_evm_history(organization=organization, project=project)
        if row.week_start <= week_start
    ]
    s_curve = evm_selectors.project_s_curve(organization=organization, project=project, on=as_of, history=history)
    upcoming, slipped = _milestone_lines(list(project_milestones(project=project)), week_end)
    risks = list(risks_visible_to(access=access, filters=RiskFilters(project=project.pk, status="open"))[:TOP_RISKS])
    open_issues = issues_visible_to(access=access, filters=IssueFilters(project=project.pk, open_only=True))
    issues = list(open_issues[:MAX_ISSUES])
    change_requests = list(
        project_change_requests(project=project, queryset=ChangeRequest.objects.filter(status__in=OPEN_CHANGE_STATES))
    )
    dimensions = (
        [(str(label), getattr(report, f"rag_{name}")) for name, label in DIMENSION_LABELS.items() if name != "overall"]
        if report is not None
        else []
    )
    return PackDocument(
        template_name="reports/pdf/project_onepager.html",
        title=_("Project one-pager"),
        subtitle=f"{project.code} {project.name}",
        period_label=period_display("project_onepager", period),
        context={
            "project": project,
            "report": report,
            "report_week": week_label(report.week_start) if report is not None else "",
            "report_is_old": report is not None and report.week_start != week_start,
            "dimensions": dimensions,
            "s_curve_svg": s_curve_svg(s_curve=s_curve, marker_label=_("Status date"), width=720, height=230),
            "upcoming": upcoming,
            "slipped": slipped,
            "risks": risks,
            "issues": issues,
            "more_issues": open_issues.count() - len(issues) if len(issues) == MAX_ISSUES else 0,
            "change_requests": change_requests,
            "as_of": as_of,
        },
    )
