"""Reads of the report packs: which stored reports an actor may see (never with their PDF bytes unless asked),
the schedules, the actor's subscriptions.

Who sees what: leadership (``REPORTS_VIEW``) every report of the organisation; anyone else the one-pagers and
closure reports of the projects they may read (``projects_visible_to``) — one query either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability
from projects.selectors import projects_visible_to
from reports.models import ORGANIZATION_REPORT_KINDS, Report, ReportKind, ReportSchedule, ReportSubscription
from reports.packs.services import PROJECT_REPORT_KINDS


@dataclass(frozen=True)
class ReportFilters:
    kind: str = ""
    state: str = ""
    project: int | None = None


def report_kinds_for(*, access: OrgAccess) -> list[str]:
    """The kinds the actor may read and request: all four for the PMO; the project kinds for everyone else."""
    if access.can(Capability.REPORTS_GENERATE):
        return list(ReportKind.values)
    return list(PROJECT_REPORT_KINDS)


def reports_visible_to(
    *, access: OrgAccess, filters: ReportFilters | None = None, queryset: QuerySet[Report] | None = None
) -> QuerySet[Report]:
    """The stored reports ``access`` may read, newest request first, without the PDF bytes (``has_pdf`` says
    whether one is stored: while a report is regenerated, the previous PDF stays served)."""
    if queryset is None:
        queryset = Report.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if not access.can(Capability.REPORTS_VIEW):
        visible = projects_visible_to(access=access).filter(pk=OuterRef("project_id"))
        queryset = queryset.filter(kind__in=PROJECT_REPORT_KINDS).filter(Exists(visible))
    filters = filters or ReportFilters()
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.project:
        queryset = queryset.filter(project_id=filters.project)
    return (
        queryset.defer("pdf")
        .select_related("project", "requested_by")
        .annotate(has_pdf=ExpressionWrapper(Q(pdf__isnull=False), output_field=BooleanField()))
        .order_by("-requested_at", "-id")
    )


REPORT_SORTS: dict[str, SortKey] = {
    "requested": SortKey(gettext_lazy("Requested"), ("requested_at",)),
    "generated": SortKey(gettext_lazy("Generated"), ("generated_at", "-requested_at")),
    "period": SortKey(gettext_lazy("Period"), ("period", "kind", "-requested_at")),
    "kind": SortKey(gettext_lazy("Kind"), ("kind", "-period", "-requested_at")),
    "project": SortKey(gettext_lazy("Project"), ("project__code", "-period", "-requested_at")),
}
REPORT_DEFAULT_SORT = "-requested"


def report_list(
    *, access: OrgAccess, filters: ReportFilters | None = None, sort: str = REPORT_DEFAULT_SORT
) -> QuerySet[Report]:
    """The Reports page's list and its export: ``reports_visible_to`` sorted by a key of ``REPORT_SORTS``."""
    reports = reports_visible_to(access=access, filters=filters)
    return reports.order_by(*sort_ordering(sort, REPORT_SORTS, default=REPORT_DEFAULT_SORT))


def report_get_for_actor(*, access: OrgAccess, pk: Any, with_pdf: bool = False) -> Report:
    """One report the actor may read; ``Http404`` alike when it is missing, another organisation's or not visible.
    ``with_pdf`` also loads the PDF bytes."""
    if not str(pk).isdigit():
        raise Http404
    queryset = reports_visible_to(access=access).filter(pk=pk)
    if with_pdf:
        queryset = queryset.defer(None)
    report = queryset.first()
    if report is None:
        raise Http404
    return report


def report_filename(report: Report, *, organization_slug: str) -> str:
    """``<org>-<kind>-<period>.pdf`` (a project's reports also name the project's code)."""
    parts = [organization_slug, report.kind.replace("_", "-")]
    if report.project_id is not None and report.project is not None:
        parts.append(report.project.code)
    if report.period:
        parts.append(report.period)
    return slugify("-".join(parts)) + ".pdf"


def report_schedules(*, access: OrgAccess) -> list[ReportSchedule]:
    return list(
        ReportSchedule.objects.filter(organization=access.organization, kind__in=ORGANIZATION_REPORT_KINDS).order_by(
            "kind"
        )
    )


def report_subscribed_kinds(*, access: OrgAccess) -> set[str]:
    """The kinds the actor receives by e-mail."""
    return set(
        ReportSubscription.objects.filter(
            organization=access.organization, user_id=access.membership.user_id
        ).values_list("kind", flat=True)
    )


def report_subscriptions(*, access: OrgAccess, queryset: QuerySet[ReportSubscription] | None = None) -> Any:
    """The actor's own subscriptions."""
    if queryset is None:
        queryset = ReportSubscription.objects.all()
    return queryset.filter(organization=access.organization, user_id=access.membership.user_id).order_by("kind")
