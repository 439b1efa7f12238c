"""The closure report (kind ``closure``, period ``""``, one project): how the project ended against what it set out
to do, from its ``ClosureReport`` (``projects.selectors.project_closure``). Outcome against objectives, first
baseline vs last baseline vs actual (start, finish, cost), customer satisfaction, performance evaluation, lessons
learned, the baseline history and the final earned-value figures with the S-curve."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from projects.earnedvalue import selectors as evm_selectors
from projects.models import Baseline, Project
from projects.selectors import project_baselines, project_closure
from reports.pdf import PackDocument, PackUnavailable, TocEntry
from reports.pdf.common import s_curve_svg
from reports.pdf.onepager import project_for_pack

if TYPE_CHECKING:
    from pmo.tenancy.models import Organization


@dataclass(frozen=True)
class PlanLine:
    """One line of "planned against actual": the first baseline's value, the last one's, what happened, and the
    variance of the actual against each (days for dates, money for cost; positive is late or over budget)."""

    label: str
    first: Any
    last: Any
    actual: Any
    against_first: int | Decimal | None
    against_last: int | Decimal | None
    is_date: bool


def _variance(actual: Any, planned: Any) -> int | Decimal | None:
    if actual is None or planned is None:
        return None
    if isinstance(actual, dt.date):
        return (actual - planned).days
    return Decimal(actual) - Decimal(planned)


def _plan_lines(first: Baseline | None, last: Baseline | None, report: Any) -> list[PlanLine]:
    rows = [
        (_("Start"), "start_date", report.actual_start, True),
        (_("Finish"), "finish_date", report.actual_finish, True),
        (_("Cost"), "budget", report.final_cost, False),
    ]
    lines = []
    for label, field, actual, is_date in rows:
        first_value = getattr(first, field) if first is not None else None
        last_value = getattr(last, field) if last is not None else None
        lines.append(
            PlanLine(
                label=str(label),
                first=first_value,
                last=last_value,
                actual=actual,
                against_first=_variance(actual, first_value),
                against_last=_variance(actual, last_value),
                is_date=is_date,
            )
        )
    return lines


def _lessons(raw: Any) -> list[dict[str, str]]:
    """The lessons as ``{"title", "text"}`` pairs, skipping malformed or empty entries."""
    lessons = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        title, text = str(item.get("title") or "").strip(), str(item.get("text") or "").strip()
        if title or text:
            lessons.append({"title": title, "text": text})
    return lessons


def build(*, organization: Organization, period: str, project: Project | None, language: str) -> PackDocument:
    """The closure report of ``project``; ``PackUnavailable`` when it has none (``period`` is ignored)."""
    if project is None:
        raise PackUnavailable(_("This report is about one project: choose the project."))
    project = project_for_pack(organization=organization, project=project)
    closure = project_closure(project=project)
    report = closure.report
    if report is None:
        raise PackUnavailable(
            _("%(project)s has no closure report yet: write it on the project's closure page first.")
            % {"project": f"{project.code} {project.name}"}
        )
    baselines = list(project_baselines(project=project))  # newest first
    first = baselines[-1] if baselines else None
    last = baselines[0] if baselines else None

    history = evm_selectors.project_evm_history(organization=organization, project=project)
    final = history[-1] if history else None
    s_curve = evm_selectors.project_s_curve(
        organization=organization, project=project, on=report.actual_finish, history=history
    )
    toc = (
        TocEntry("outcome", _("Outcome against objectives")),
        TocEntry("plan", _("Planned against actual")),
        TocEntry("evaluation", _("Customer satisfaction and performance")),
        TocEntry("lessons", _("Lessons learned")),
        TocEntry("baselines", _("Baseline history")),
        TocEntry("evm", _("Final earned value")),
    )
    return PackDocument(
        template_name="reports/pdf/closure.html",
        title=_("Closure report"),
        subtitle=f"{project.code} {project.name}",
        period_label=f"{report.actual_start:%Y-%m-%d} – {report.actual_finish:%Y-%m-%d}"
        if report.actual_start
        else f"{report.actual_finish:%Y-%m-%d}",
        toc=toc,
        context={
            "project": project,
            "closure": report,
            "plan_lines": _plan_lines(first, last, report),
            "first_baseline": first,
            "last_baseline": last,
            "baselines": list(reversed(baselines)),
            "lessons": _lessons(report.lessons),
            "satisfaction_range": range(1, 6),
            "final": final,
            "s_curve_svg": s_curve_svg(s_curve=s_curve, marker_label=_("Actual finish"), width=720, height=280),
        },
    )
