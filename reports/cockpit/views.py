"""The PMO cockpit ``/o/<org_slug>/cockpit/`` (the landing page of the PMO and admins): this week's status
compliance with "send reminders now", the queues waiting for the PMO, open alerts, over-allocations, escalated risks
and data quality; and its two drill-downs: ``cockpit/quality/?check=<key>`` (the projects failing one data-quality
check) and ``cockpit/queue/?queue=<key>`` (a queue that has no list page elsewhere: gates due, returned reports,
tailoring requests). Both lists paginate, sort and export as CSV or XLSX; an unknown key is a 400.

Admins and the PMO only (``COCKPIT_VIEW``); other roles get 403, another organisation's users 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin, attr
from pmo.core.listing import paginate, sort_label_choices
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin
from projects.models import ChangeRequest
from projects.policy import organization_zone, week_label
from reports.alerts.selectors import metric_label
from reports.cockpit import selectors
from reports.dashboard import caching
from reports.reminders.services import status_reminders_send
from risks.scoring import risk_settings_get

PAGE_SIZE = 25
# Bump when the body's template or context changes shape (a deployment must not serve the old code's bodies).
BODY_CACHE = "cockpit-body-v1"
# The cockpit lists the most overdue reports only; the status list has them all.
STATUS_SHOWN = 10

CHECK_LABELS: dict[str, Promise] = {
    selectors.CHECK_NO_BASELINE: gettext_lazy("Without a baseline"),
    selectors.CHECK_NO_MANAGER: gettext_lazy("Without a manager"),
    selectors.CHECK_NO_RECENT_STATUS: gettext_lazy("No status report in 2 weeks"),
    selectors.CHECK_STALE_RISKS: gettext_lazy("With stale risks"),
}
CHECK_HELP: dict[str, Promise] = {
    selectors.CHECK_NO_BASELINE: gettext_lazy(
        "Active or on-hold projects with no approved baseline to measure against."
    ),
    selectors.CHECK_NO_MANAGER: gettext_lazy(
        "Active or on-hold projects with no manager, or whose manager has left the organisation."
    ),
    selectors.CHECK_NO_RECENT_STATUS: gettext_lazy(
        "Active or on-hold projects with no status report submitted for the last two weeks (projects younger than "
        "two weeks are not counted yet)."
    ),
    selectors.CHECK_STALE_RISKS: gettext_lazy(
        "Active or on-hold projects with at least one open risk whose review is overdue (see the risk settings)."
    ),
}
QUEUE_TITLES: dict[str, Promise] = {
    selectors.QUEUE_INTAKE: gettext_lazy("Intake requests to review"),
    selectors.QUEUE_CHANGES: gettext_lazy("Change requests awaiting your decision"),
    selectors.QUEUE_GATES: gettext_lazy("Gates due"),
    selectors.QUEUE_RETURNED: gettext_lazy("Returned status reports"),
    selectors.QUEUE_TAILORING: gettext_lazy("Tailoring requests to approve"),
}
QUEUE_EMPTY: dict[str, Promise] = {
    selectors.QUEUE_INTAKE: gettext_lazy("No request waits for a feasibility review."),
    selectors.QUEUE_CHANGES: gettext_lazy("No change request waits for you."),
    selectors.QUEUE_GATES: gettext_lazy("No gate has reached its planned date undecided."),
    selectors.QUEUE_RETURNED: gettext_lazy("Every returned report has been resubmitted."),
    selectors.QUEUE_TAILORING: gettext_lazy("No tailoring request waits for approval."),
}


def days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return _("today")
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def late_text(hours: int) -> str:
    """How late a report is: hours for the first two days, days after."""
    if hours <= 0:
        return ""
    if hours < 48:
        return ngettext("%(hours)d hour late", "%(hours)d hours late", hours) % {"hours": hours}
    days = hours // 24
    return ngettext("%(days)d day late", "%(days)d days late", days) % {"days": days}


@dataclass
class Row:
    """One item of a card: what it is (linked), what it concerns, and how long it has waited."""

    label: str
    url: str
    subject: str = ""
    meta: str = ""
    age: int | None = None

    @property
    def age_text(self) -> str:
        return days_text(self.age)


@dataclass
class Card:
    key: str
    title: str | Promise
    count: int
    url: str
    rows: list[Row] = field(default_factory=list)
    empty: str | Promise = ""
    note: str = ""
    note_url: str = ""


class CockpitPage(OrganizationViewMixin):
    capability = Capability.COCKPIT_VIEW
    nav_key = "home"
    request: HttpRequest

    def url(self, name: str, *args: Any, query: str = "") -> str:
        path = reverse(name, args=[self.organization.slug, *args])
        return f"{path}?{query}" if query else path

    @cached_property
    def zone(self) -> Any:
        return organization_zone(self.organization)

    @cached_property
    def today(self) -> dt.date:
        return timezone.now().astimezone(self.zone).date()

    def age(self, item: Any) -> int | None:
        return selectors.age_days(selectors.queue_waiting_since(item), today=self.today, zone=self.zone)


class CockpitView(WorkspaceMixin, CockpitPage, TemplateView):
    """The page: its body (everything in the layout's content block) is cached per organisation, user, language and
    day until a write touches the organisation (``reports.dashboard.caching``)."""

    workspace_key = "cockpit"
    template_name = "reports/cockpit/page.html"
    body_template = "reports/cockpit/_body.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        body = caching.cached_result(
            BODY_CACHE,
            access=self.access,
            parts=(caching.reader(self.access, per_user=True), self.today),
            compute=lambda: caching.render_body(self.body_template, self.body_context()),
        )
        if caching.CSRF_PLACEHOLDER in body:
            body = caching.with_csrf(body, get_token(request))
        return self.render_to_response(self.get_context_data(body=body))

    def body_context(self) -> dict[str, Any]:
        data = self.get_context_data()
        board = selectors.cockpit(access=self.access)
        status = board.status
        data.update(
            board=board,
            status=status,
            week=week_label(status.week_start),
            status_url=self.url("status-list", query=f"week={week_label(status.week_start)}"),
            can_remind=self.access.can(Capability.CONTROL_POLICY_MANAGE),
            status_rows=[self.status_row(item) for item in status.not_in[:STATUS_SHOWN]],
            status_more=max(0, len(status.not_in) - STATUS_SHOWN),
            queue_cards=[self.queue_card(queue) for queue in board.queues],
            alerts=board.alerts,
            newest_alerts=[
                Row(
                    label=str(metric_label(alert.metric)),
                    url=self.url("alert-detail", alert.pk),
                    subject=self.alert_subject(alert),
                    meta=alert.severity,
                    age=selectors.age_days(alert.opened_at, today=self.today, zone=self.zone),
                )
                for alert in board.alerts.newest
            ],
            over=board.over,
            over_url=self.url(
                "overallocations", query=f"start={week_label(board.over.start)}&weeks={board.over.weeks}"
            ),
            escalated=board.escalated,
            escalated_rows=[
                Row(
                    label=f"{risk.code} {risk.title}",
                    url=self.url("risk-detail", risk.number),
                    subject=risk.project.code if risk.project else "",
                    meta=risk.escalation_level,
                    age=selectors.age_days(risk.escalated_at, today=self.today, zone=self.zone),
                )
                for risk in board.escalated.risks
            ],
            quality=[
                {
                    "key": check,
                    "label": CHECK_LABELS[check],
                    "help": CHECK_HELP[check],
                    "count": board.quality[check],
                    "url": self.url("cockpit-quality", query=f"check={check}"),
                }
                for check in selectors.QUALITY_CHECKS
            ],
            quality_total=sum(board.quality.values()),
        )
        return data

    def status_row(self, item: selectors.NotIn) -> dict[str, Any]:
        project, report = item.project, item.row.report
        return {
            "project": project,
            "url": self.url("project-status", project.pk),
            "manager": project.manager.get_full_name() if project.manager else "",
            "due_at": item.row.due_at,
            "late": late_text(item.hours_late),
            "state": report.state if report is not None else "none",
            "state_label": report.get_state_display() if report is not None else _("Not started"),
            "reminded_at": item.last_reminded_at,
        }

    def alert_subject(self, alert: Any) -> str:
        if alert.project is not None:
            return f"{alert.project.code} {alert.project.name}"
        if alert.person is not None:
            return str(alert.person.full_name)
        return str(self.organization.name)

    def queue_card(self, queue: selectors.Queue) -> Card:
        key = queue.key
        card = Card(key=key, title=QUEUE_TITLES[key], count=queue.count, url="", empty=QUEUE_EMPTY[key])
        if key == selectors.QUEUE_INTAKE:
            card.url = self.url("intake-queue", query="status=submitted")
            card.rows = [
                Row(
                    label=f"{item.code} {item.title}",
                    url=self.url("intake-request-detail", item.pk),
                    subject=item.sponsor.get_full_name() if item.sponsor else "",
                    age=self.age(item),
                )
                for item in queue.items
            ]
            if queue.extra:
                card.note = ngettext(
                    "%(count)d scored request awaits a decision",
                    "%(count)d scored requests await a decision",
                    queue.extra,
                ) % {"count": queue.extra}
                card.note_url = self.url("intake-queue", query="status=in_review")
        elif key == selectors.QUEUE_CHANGES:
            card.url = self.url("change-request-list", query="awaiting=on")
            card.rows = [
                Row(
                    label=f"{item.code} {item.title}",
                    url=self.url("project-change-request", item.project_id, item.number),
                    subject=item.project.code,
                    meta=_("to assess") if item.status == ChangeRequest.Status.SUBMITTED else _("to sign"),
                    age=self.age(item),
                )
                for item in queue.items
            ]
        elif key == selectors.QUEUE_GATES:
            card.url = self.url("cockpit-queue", query=f"queue={key}")
            card.rows = [
                Row(
                    label=f"{item.code} {item.name}",
                    url=self.url("project-lifecycle", item.project_id),
                    subject=item.project.code,
                    meta=item.get_decider_display(),
                    age=self.age(item),
                )
                for item in queue.items
            ]
        elif key == selectors.QUEUE_RETURNED:
            card.url = self.url("cockpit-queue", query=f"queue={key}")
            card.rows = [
                Row(
                    label=f"{item.project.code} · {item.week_label}",
                    url=self.url("project-status-week", item.project_id, item.week_label),
                    subject=item.project.manager.get_full_name() if item.project.manager else "",
                    age=self.age(item),
                )
                for item in queue.items
            ]
        else:
            card.url = self.url("cockpit-queue", query=f"queue={key}")
            card.rows = [
                Row(
                    label=f"{item.project.code} {item.project.name}",
                    url=self.url("project-lifecycle", item.project_id),
                    subject=item.proposed_by.get_full_name() if item.proposed_by else "",
                    age=self.age(item),
                )
                for item in queue.items
            ]
        return card


class CockpitRemindView(CockpitPage, View):
    """POST: run the status reminders now (the reminder service sends only what its schedule has due and not sent
    yet, so a second click sends nothing twice)."""

    capability = Capability.CONTROL_POLICY_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result = status_reminders_send(organization=self.organization)
        if result.notifications:
            messages.success(
                request,
                ngettext("%(count)d reminder sent.", "%(count)d reminders sent.", result.notifications)
                % {"count": result.notifications},
            )
        else:
            messages.info(
                request,
                _(
                    "Nothing to send now: every reminder due at this moment has gone out already. Reminders go out "
                    "before the due time and escalations after it, as the reminder policy sets."
                ),
            )
        return redirect("cockpit", org_slug=self.organization.slug)


# --- Drill-downs --------------------------------------------------------------------------------------------------


class BadKey(Exception):
    pass


class CockpitListPage(ExportableListMixin, CockpitPage, TemplateView):
    """A paginated, sortable, exportable list chosen by one query parameter; an unknown value answers 400 (page or
    file alike) and reads nothing."""

    param = ""
    keys: Sequence[str] = ()
    sorts: dict[str, Promise] = {}
    default_sort = "code"
    # Whether ``-key`` reverses a sort key.
    reversible = True

    @cached_property
    def key(self) -> str:
        value = self.request.GET.get(self.param, "") or self.keys[0]
        if value not in self.keys:
            raise BadKey(value)
        return value

    @cached_property
    def sort(self) -> str:
        value = self.request.GET.get("sort", "")
        key = value.removeprefix("-") if self.reversible else value
        return value if key in self.sorts else self.default_sort

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.key  # noqa: B018 - validates the parameter before anything is read
        except BadKey as exc:
            context = self.bad_key_context(str(exc))
            return self.render_to_response(context, status=400)
        return super().get(request, *args, **kwargs)

    def bad_key_context(self, value: str) -> dict[str, Any]:
        data = TemplateView.get_context_data(self)
        data.update(organization=self.organization, access=self.access, nav_active=self.nav_key)
        data.update(self.choices(), bad_key=value, title=_("Unknown list"))
        return data

    def choices(self) -> dict[str, Any]:
        return {}

    def rows(self) -> Any:
        raise NotImplementedError

    def export_rows(self) -> Iterable[Any]:
        return self.rows().iterator(chunk_size=2000)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        page, query = paginate(self.request, self.rows(), per_page=PAGE_SIZE)
        data.update(
            page=page,
            items=list(page.object_list),
            query=query,
            sort=self.sort,
            sort_choices=sort_label_choices(self.sorts, reversible=self.reversible),
            cockpit_url=self.url("cockpit"),
            **self.choices(),
        )
        return data


class CockpitQualityView(CockpitListPage):
    """The active and on-hold projects failing one data-quality check (``?check=``)."""

    template_name = "reports/cockpit/quality.html"
    param = "check"
    keys = selectors.QUALITY_CHECKS
    export_name = "data-quality"
    sorts = {
        "code": pgettext_lazy("project", "Code"),
        "name": gettext_lazy("Name"),
        "manager": gettext_lazy("Manager"),
        "last_report": gettext_lazy("Last report"),
    }

    def rows(self) -> Any:
        return selectors.quality_projects(access=self.access, check=self.key, sort=self.sort)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        for project in data["items"]:
            week = project.last_report_week
            project.last_report_label = week_label(week) if week else ""
        return data

    def choices(self) -> dict[str, Any]:
        counts = selectors.quality_counts(
            access=self.access,
            settings=risk_settings_get(organization=self.organization),
            now=timezone.now(),
        )
        current = self.request.GET.get(self.param, "") or self.keys[0]
        return {
            "checks": [
                {
                    "key": check,
                    "label": CHECK_LABELS[check],
                    "count": counts[check],
                    "url": self.url("cockpit-quality", query=f"check={check}"),
                    "active": check == current,
                }
                for check in self.keys
            ],
            "check_help": CHECK_HELP.get(current, ""),
            "check_label": CHECK_LABELS.get(current, ""),
        }

    def export_title(self) -> str:
        return str(CHECK_LABELS[self.key])

    def export_filename(self) -> str:
        return f"{super().export_filename()}-{self.key}"

    def export_columns(self) -> Sequence[Column]:
        return [
            Column(pgettext_lazy("project", "Code"), attr("code"), 14),
            Column(gettext_lazy("Project"), attr("name"), 36),
            Column(gettext_lazy("Status"), attr("get_status_display"), 12),
            Column(gettext_lazy("Portfolio"), attr("portfolio.name"), 24),
            Column(gettext_lazy("Manager"), lambda p: p.manager.get_full_name() if p.manager else "", 22),
            Column(gettext_lazy("Manager e-mail"), attr("manager.email"), 26),
            Column(gettext_lazy("Baselines"), attr("baseline_count"), 10),
            Column(
                gettext_lazy("Last report"), lambda p: week_label(p.last_report_week) if p.last_report_week else "", 12
            ),
            Column(gettext_lazy("Stale risks"), attr("stale_risk_count"), 10),
        ]


class CockpitQueueView(CockpitListPage):
    """A queue in full (``?queue=gates|returned|tailoring``), longest waiting first."""

    template_name = "reports/cockpit/queue.html"
    param = "queue"
    keys = selectors.LISTED_QUEUES
    export_name = "queue"
    sorts = {"waiting": gettext_lazy("Waiting longest"), "code": pgettext_lazy("project", "Code")}
    default_sort = "waiting"
    reversible = False

    def rows(self) -> Any:
        rows = selectors.queue_rows(access=self.access, key=self.key, today=self.today)
        if self.sort == "code":
            rows = rows.order_by("project__code", "pk")
        return rows

    def choices(self) -> dict[str, Any]:
        current = self.request.GET.get(self.param, "") or self.keys[0]
        return {
            "queues": [
                {
                    "key": key,
                    "label": QUEUE_TITLES[key],
                    "url": self.url("cockpit-queue", query=f"queue={key}"),
                    "active": key == current,
                }
                for key in self.keys
            ],
            "queue_label": QUEUE_TITLES.get(current, ""),
            "queue_empty": QUEUE_EMPTY.get(current, ""),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["queue_rows"] = [self.row(item) for item in data["items"]]
        return data

    def row(self, item: Any) -> dict[str, Any]:
        project = item.project
        base = {
            "project": project,
            "project_url": self.url("project-detail", project.pk),
            "age": days_text(self.age(item)),
        }
        if self.key == selectors.QUEUE_GATES:
            return {
                **base,
                "label": f"{item.code} {item.name}",
                "url": self.url("project-lifecycle", project.pk),
                "who": project.manager.get_full_name() if project.manager else "",
                "since": item.planned_date,
                "detail": item.get_decider_display(),
            }
        if self.key == selectors.QUEUE_RETURNED:
            return {
                **base,
                "label": item.week_label,
                "url": self.url("project-status-week", project.pk, item.week_label),
                "who": project.manager.get_full_name() if project.manager else "",
                "since": item.reviewed_at,
                "detail": item.review_comment,
            }
        return {
            **base,
            "label": _("Tailoring proposal"),
            "url": self.url("project-lifecycle", project.pk),
            "who": item.proposed_by.get_full_name() if item.proposed_by else "",
            "since": item.proposed_at,
            "detail": item.justification,
        }

    def export_title(self) -> str:
        return str(QUEUE_TITLES[self.key])

    def export_filename(self) -> str:
        return f"{super().export_filename()}-{self.key}"

    def export_columns(self) -> Sequence[Column]:
        age = Column(gettext_lazy("Days waiting"), lambda item: self.age(item), 12)
        project = [
            Column(pgettext_lazy("project", "Code"), attr("project.code"), 14),
            Column(gettext_lazy("Project"), attr("project.name"), 36),
        ]
        if self.key == selectors.QUEUE_GATES:
            return [
                *project,
                Column(gettext_lazy("Gate"), lambda g: f"{g.code} {g.name}", 28),
                Column(gettext_lazy("Decided by"), attr("get_decider_display"), 14),
                Column(gettext_lazy("Planned date"), attr("planned_date"), 12),
                Column(
                    gettext_lazy("Manager"), lambda g: g.project.manager.get_full_name() if g.project.manager else ""
                ),
                age,
            ]
        if self.key == selectors.QUEUE_RETURNED:
            return [
                *project,
                Column(gettext_lazy("Week"), attr("week_label"), 10),
                Column(gettext_lazy("Returned on"), attr("reviewed_at"), 18),
                Column(gettext_lazy("Returned by"), lambda r: r.reviewed_by.get_full_name() if r.reviewed_by else ""),
                Column(gettext_lazy("Comment"), attr("review_comment"), 40),
                Column(
                    gettext_lazy("Manager"), lambda r: r.project.manager.get_full_name() if r.project.manager else ""
                ),
                age,
            ]
        return [
            *project,
            Column(gettext_lazy("Proposed on"), attr("proposed_at"), 18),
            Column(gettext_lazy("Proposed by"), lambda t: t.proposed_by.get_full_name() if t.proposed_by else ""),
            Column(gettext_lazy("Justification"), attr("justification"), 40),
            age,
        ]
