"""What a calendar feed holds, read for its owner as of now (the projects they may see today, their role today).

- milestones: an all-day event on the day it was achieved, else its forecast, else its baseline date;
- gate reviews (gates, TRs, DCPs): an all-day event on the day it was decided, else its planned date;
- weekly status: for the projects the user manages that report weekly, one event a week for the current week and
  the next seven, ending at the due time of the organisation's control policy, in its time zone.

Milestones and gates come from the feed's scope: ``mine`` (projects I manage or sponsor, or that are shared with me
by name) or ``all`` (every project I may read). Items more than a year old are left out. A constant number of
queries, whatever the number of projects, milestones and gates. Texts are in the active language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pmo.calendars.models import CalendarFeed
from pmo.tenancy.access import OrgAccess
from projects.models import GateReview, Milestone, Project, ProjectUserObjectPermission, StatusReport
from projects.policy import control_policy_get, current_week_start, status_due_at, week_label
from projects.selectors import projects_visible_to
from projects.status.selectors import MONITORED_STATUSES

HISTORY = dt.timedelta(days=365)
STATUS_WEEKS = 8
# The weekly status event: a half-hour block that ends when the status is due.
STATUS_BLOCK = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    description: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    url: str
    category: str


def feed_host() -> str:
    """The host named in event UIDs (``milestone-12@pmo.example.com``): stable, so that an update replaces an
    event instead of adding one."""
    return urlsplit(settings.PUBLIC_BASE_URL).hostname or "pmo.invalid"


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _line(label: str, value: object) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def feed_projects(*, access: OrgAccess, scope: str) -> QuerySet[Project]:
    """The projects whose milestones and gates the feed shows (no rows read: a subquery)."""
    visible = projects_visible_to(access=access)
    if scope == CalendarFeed.Scope.ALL:
        return visible
    user_id = access.membership.user_id
    shared = ProjectUserObjectPermission.objects.filter(
        organization=access.organization, content_object=OuterRef("pk"), user_id=user_id
    )
    return visible.filter(Q(manager_id=user_id) | Q(sponsor_id=user_id) | Exists(shared))


def _project_label(project: Project) -> str:
    return f"[{project.code}] {project.name}"


def _milestone_state(milestone: Milestone, today: dt.date) -> str:
    if milestone.actual_date:
        return _("Achieved on %(date)s") % {"date": milestone.actual_date.isoformat()}
    due = milestone.forecast_date or milestone.baseline_date
    if milestone.slip_days:
        return ngettext("Late by %(days)s day", "Late by %(days)s days", milestone.slip_days) % {
            "days": milestone.slip_days
        }
    if due and due < today:
        return _("Overdue")
    return _("On track")


def milestone_events(*, access: OrgAccess, projects: QuerySet[Project], today: dt.date) -> list[FeedEvent]:
    host = feed_host()
    slug = access.organization.slug
    rows = (
        Milestone.objects.filter(organization=access.organization, project__in=projects)
        .annotate(day=Coalesce("actual_date", "forecast_date", "baseline_date"))
        .filter(day__gte=today - HISTORY)
        .select_related("project")
        .order_by("day", "pk")
    )
    events = []
    for milestone in rows:
        project = milestone.project
        url = _absolute(reverse("project-milestones", kwargs={"org_slug": slug, "pk": project.pk}))
        lines = [
            _line(_("Project"), _project_label(project)),
            _line(_("Status"), _milestone_state(milestone, today)),
            _line(_("Baseline date"), milestone.baseline_date.isoformat() if milestone.baseline_date else "—"),
            _line(_("Forecast date"), milestone.forecast_date.isoformat() if milestone.forecast_date else "—"),
            url,
        ]
        events.append(
            FeedEvent(
                uid=f"milestone-{milestone.pk}@{host}",
                summary=f"[{project.code}] {milestone.name}",
                description="\n".join(lines),
                start=milestone.day,
                end=milestone.day + dt.timedelta(days=1),
                url=url,
                category=_("Milestone"),
            )
        )
    return events


def gate_events(*, access: OrgAccess, projects: QuerySet[Project], today: dt.date) -> list[FeedEvent]:
    host = feed_host()
    slug = access.organization.slug
    zone = timezone.get_current_timezone()
    decided = ~Q(decision=GateReview.Decision.PENDING) & Q(decided_at__isnull=False)
    recent = (decided & Q(decided_at__gte=timezone.now() - HISTORY)) | (~decided & Q(planned_date__gte=today - HISTORY))
    rows = (
        GateReview.objects.filter(recent, organization=access.organization, project__in=projects)
        .select_related("project")
        .order_by("planned_date", "pk")
    )
    events = []
    for gate in rows:
        project = gate.project
        is_decided = gate.decided_at is not None and gate.decision != gate.Decision.PENDING
        day = timezone.localtime(gate.decided_at, zone).date() if is_decided and gate.decided_at else gate.planned_date
        if day is None:
            continue
        url = _absolute(reverse("project-lifecycle", kwargs={"org_slug": slug, "pk": project.pk}))
        summary = f"[{project.code}] {gate.code} {gate.name}"
        if is_decided:
            summary = f"{summary} — {gate.get_decision_display()}"
        lines = [
            _line(_("Project"), _project_label(project)),
            _line(_("Kind"), gate.get_kind_display()),
            _line(_("Planned date"), gate.planned_date.isoformat() if gate.planned_date else "—"),
            _line(_("Decision"), gate.get_decision_display()),
        ]
        if is_decided:
            lines.append(_line(_("Decided on"), day.isoformat()))
        lines.append(url)
        events.append(
            FeedEvent(
                uid=f"gate-{gate.pk}@{host}",
                summary=summary,
                description="\n".join(lines),
                start=day,
                end=day + dt.timedelta(days=1),
                url=url,
                category=gate.get_kind_display(),
            )
        )
    return events


def status_due_events(*, access: OrgAccess, now: dt.datetime) -> list[FeedEvent]:
    """One event a week (this week and the next seven) listing the user's weekly-reporting projects and the state
    of each one's report; none when the user manages no such project."""
    organization = access.organization
    projects = list(
        projects_visible_to(access=access)
        .filter(manager_id=access.membership.user_id, status__in=MONITORED_STATUSES)
        .order_by("code", "pk")
    )
    if not projects:
        return []
    policy = control_policy_get(organization=organization)
    first = current_week_start(organization=organization, now=now)
    weeks = [first + dt.timedelta(weeks=n) for n in range(STATUS_WEEKS)]
    states = {
        (row["project_id"], row["week_start"]): row["state"]
        for row in StatusReport.objects.filter(
            organization=organization, project__in=[p.pk for p in projects], week_start__in=weeks
        ).values("project_id", "week_start", "state")
    }
    labels = dict(StatusReport.State.choices)
    host = feed_host()
    zone = timezone.get_current_timezone()
    events = []
    for week in weeks:
        label = week_label(week)
        due = status_due_at(organization=organization, policy=policy, week_start=week).astimezone(zone)
        lines = []
        for project in projects:
            state = states.get((project.pk, week))
            path = reverse(
                "project-status-week", kwargs={"org_slug": organization.slug, "pk": project.pk, "week": label}
            )
            lines.append(
                f"{_project_label(project)} — {labels[state] if state else _('Not started')}\n{_absolute(path)}"
            )
        if len(projects) == 1:
            summary = _("Weekly status due: %(project)s") % {"project": f"[{projects[0].code}] {projects[0].name}"}
        else:
            summary = ngettext(
                "Weekly status due (%(count)s project)", "Weekly status due (%(count)s projects)", len(projects)
            ) % {"count": len(projects)}
        heading = _("Weekly status of %(week)s, due %(due)s") % {"week": label, "due": due.strftime("%Y-%m-%d %H:%M")}
        url = _absolute(reverse("my-work", kwargs={"org_slug": organization.slug}))
        events.append(
            FeedEvent(
                uid=f"status-due-{organization.pk}-{access.membership.user_id}-{label}@{host}",
                summary=summary,
                description="\n\n".join([heading, *lines]),
                start=due - STATUS_BLOCK,
                end=due,
                url=url,
                category=_("Weekly status"),
            )
        )
    return events


def feed_events(*, access: OrgAccess, scope: str, now: dt.datetime | None = None) -> list[FeedEvent]:
    """Every event of the feed, in the active language and time zone (the caller activates the organisation's)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    projects = feed_projects(access=access, scope=scope)
    return [
        *milestone_events(access=access, projects=projects, today=today),
        *gate_events(access=access, projects=projects, today=today),
        *status_due_events(access=access, now=now),
    ]
