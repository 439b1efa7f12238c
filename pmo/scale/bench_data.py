"""What the benchmark reads from the database before it starts, and the one thing it cleans up after.

- ``choose_organizations``: the two data sizes (``--large`` and ``--small``, else the organisation with the most
  projects and the one nearest 40 projects) and ``scale-xl`` when it exists;
- ``size_of``: for one organisation, the accounts of each role the pages are read as (``<role>@<slug>.example`` when
  it exists, else the first member of that role), the projects the detail pages rotate over, and the
  (project, week) pairs the manager can submit a weekly status for: projects granted to them, not archived, weeks
  up to the current one that have no report yet (this week first, then earlier weeks), so no submission meets a
  409;
- ``status_reports_remove``: the benchmark submits real reports through the web form, then deletes them (and the
  history rows their triggers wrote), leaving the data as it found it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization
from projects import permissions as project_permissions
from projects.models import Project, ProjectUserObjectPermission, StatusReport
from projects.policy import current_week_start

SCALE_PREFIX = "scale-"
XL_SLUG = "scale-xl"
SMALL_PROJECTS = 40
DETAIL_PROJECTS = 20
STATUS_WEEKS_BACK = 104
ARCHIVED = (Project.Status.CLOSED, Project.Status.CANCELLED)
ROLES = ("executive", "pmo", "manager")


class DataMissing(LookupError):
    """The database lacks what a measurement needs (an organisation, an account of a role, a project)."""


@dataclass
class Size:
    """One organisation measured: its accounts, the projects the detail pages read, the status pairs to submit."""

    label: str  # "large", "small" or "xl"
    organization: Organization
    projects: int
    users: dict[str, str] = field(default_factory=dict)  # role → e-mail
    user_ids: dict[str, int] = field(default_factory=dict)  # role → user id
    detail_projects: list[int] = field(default_factory=list)
    status_pairs: list[tuple[int, dt.date]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.organization.slug

    def as_json(self) -> dict[str, Any]:
        return {
            "organization": self.slug,
            "projects": self.projects,
            "users": self.users,
            "detail_projects": len(self.detail_projects),
            "status_pairs": len(self.status_pairs),
        }


def _project_counts() -> dict[str, int]:
    """Projects per active organisation (the organisation table is not a tenant table; counting its projects reads
    each tenant's rows, so it goes through each organisation's context)."""
    counts: dict[str, int] = {}
    for organization in Organization.objects.filter(is_active=True).order_by("slug"):
        with tenant_context(organization):
            counts[organization.slug] = Project.objects.filter(organization=organization).count()
    return counts


def choose_organizations(*, large: str | None, small: str | None) -> tuple[str, str | None, str | None]:
    """The slugs of the large size, the small size (``None`` when there is only one organisation) and ``scale-xl``
    (``None`` when absent). Named slugs must exist (``DataMissing``)."""
    counts = _project_counts()
    if not counts:
        raise DataMissing("there is no active organisation: generate data first (seed_scale or seed_demo)")
    for slug in (large, small):
        if slug is not None and slug not in counts:
            raise DataMissing(f"there is no active organisation {slug!r}")
    xl = XL_SLUG if XL_SLUG in counts else None
    others = {slug: n for slug, n in counts.items() if slug != xl} or counts
    if large is None:
        large = max(others, key=lambda slug: (others[slug], slug))
    if small is None:
        rest = {slug: n for slug, n in others.items() if slug != large}
        small = min(rest, key=lambda slug: (abs(rest[slug] - SMALL_PROJECTS), slug)) if rest else None
    return large, small, xl if xl not in (large, small) else None


def _account(organization: Organization, role: str) -> tuple[str, int]:
    """The e-mail and id of the account the pages of ``role`` are read as."""
    accounts = dict(
        Membership.objects.filter(organization=organization, role=role, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", "user_id")
    )
    if not accounts:
        raise DataMissing(f"organisation {organization.slug} has no active {role} to read its pages as")
    conventional = f"{role}@{organization.slug}.example"
    email = conventional if conventional in accounts else next(iter(accounts))
    return email, accounts[email]


def _granted_projects(organization: Organization, email: str) -> list[int]:
    """The not-archived projects that the account may change (object permission), by code."""
    granted = ProjectUserObjectPermission.objects.filter(
        organization=organization,
        user__email=email,
        permission__codename=project_permissions.CHANGE_CODENAME,
    ).values("content_object_id")
    return list(
        Project.objects.filter(organization=organization, pk__in=granted)
        .exclude(status__in=ARCHIVED)
        .order_by("code")
        .values_list("pk", flat=True)
    )


def status_pairs(*, organization: Organization, project_ids: list[int], needed: int) -> list[tuple[int, dt.date]]:
    """Up to ``needed`` (project, week) pairs without a report: the current week of every project, then the week
    before, and so on (at most ``STATUS_WEEKS_BACK`` weeks back)."""
    current = current_week_start(organization=organization)
    oldest = current - dt.timedelta(weeks=STATUS_WEEKS_BACK - 1)
    taken = set(
        StatusReport.objects.filter(
            organization=organization, project_id__in=project_ids, week_start__gte=oldest
        ).values_list("project_id", "week_start")
    )
    pairs: list[tuple[int, dt.date]] = []
    for back in range(STATUS_WEEKS_BACK):
        week = current - dt.timedelta(weeks=back)
        for project_id in project_ids:
            if (project_id, week) not in taken:
                pairs.append((project_id, week))
                if len(pairs) >= needed:
                    return pairs
    return pairs


def size_of(*, label: str, slug: str, roles: tuple[str, ...] = ROLES, status_needed: int = 0) -> Size:
    organization = Organization.objects.get(slug=slug, is_active=True)
    with tenant_context(organization):
        totals = Project.objects.filter(organization=organization).aggregate(
            all=Count("pk"), active=Count("pk", filter=Q(status=Project.Status.ACTIVE))
        )
        size = Size(label=label, organization=organization, projects=totals["all"])
        for role in roles:
            size.users[role], size.user_ids[role] = _account(organization, role)
        projects = Project.objects.filter(organization=organization).order_by("code")
        if totals["active"]:
            projects = projects.filter(status=Project.Status.ACTIVE)
        size.detail_projects = list(projects.values_list("pk", flat=True)[:DETAIL_PROJECTS])
        if not size.detail_projects:
            raise DataMissing(f"organisation {slug} has no project to read")
        if status_needed and "manager" in size.users:
            granted = _granted_projects(organization, size.users["manager"])
            size.status_pairs = status_pairs(organization=organization, project_ids=granted, needed=status_needed)
    return size


def status_reports_remove(*, organization: Organization, pairs: list[tuple[int, dt.date]]) -> int:
    """Delete the status reports of ``pairs`` (which had none before the benchmark), their revisions (cascade) and
    every history row of them. Returns how many reports were deleted."""
    if not pairs:
        return 0
    event_model: Any = StatusReport.pgh_event_model  # type: ignore[attr-defined]
    with tenant_context(organization):
        condition = Q(pk__in=[])
        for project_id, week in pairs:
            condition |= Q(project_id=project_id, week_start=week)
        reports = StatusReport.objects.filter(condition, organization=organization)
        ids = list(reports.values_list("pk", flat=True))
        if not ids:
            return 0
        StatusReport.objects.filter(organization=organization, pk__in=ids).delete()
        event_model.objects.filter(organization=organization, pgh_obj_id__in=ids).delete()
    return len(ids)


def status_reports_written(*, organization: Organization, pairs: list[tuple[int, dt.date]]) -> int:
    """How many of ``pairs`` now have a submitted report (what the benchmark's submissions wrote)."""
    if not pairs:
        return 0
    with tenant_context(organization):
        condition = Q(pk__in=[])
        for project_id, week in pairs:
            condition |= Q(project_id=project_id, week_start=week)
        return StatusReport.objects.filter(
            condition, organization=organization, state=StatusReport.State.SUBMITTED
        ).count()
