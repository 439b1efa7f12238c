"""The integrated weekly meeting page (项目集成周会) under ``/o/<org_slug>/meetings/weekly/``: week picker, summary,
the agenda of decisions needed by whom, the projects that changed as compact cards, then one line per project with
nothing new. The page is print-friendly; the weekly PDF pack renders the same ``WeeklyMeeting``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.meetings.selectors import (
    BaselineChange,
    ChangeRequestEvent,
    ProjectWeek,
    RagChange,
    WeeklyMeeting,
    weekly_meeting,
)
from projects.models import Baseline, ChangeType, Project, Rag, StatusReport
from projects.policy import current_week_start, parse_week, week_label

DIMENSION_LABELS = {
    "overall": _("Overall"),
    "schedule": _("Schedule"),
    "cost": _("Cost"),
    "scope": _("Scope"),
    "quality": _("Quality"),
    "resources": _("Resources"),
    "risk": _("Risk"),
}
CHANGE_EVENT_LABELS = {
    "submitted": _("submitted"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "withdrawn": _("withdrawn"),
}
AGENDA_KIND_LABELS = {
    "escalation": _("Escalation"),
    "change_request": _("Change request"),
    "gate": _("Gate review"),
}


@dataclass(frozen=True)
class RagChangeRow:
    change: RagChange
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class BaselineRow:
    change: BaselineChange
    category: str


@dataclass(frozen=True)
class ChangeRequestRow:
    event: ChangeRequestEvent
    label: str
    change_type: str


@dataclass(frozen=True)
class ProjectCard:
    """A ``ProjectWeek`` with its codes put into words for the reader."""

    project: ProjectWeek
    rag_label: str
    status_label: str
    report_label: str
    rag_changes: list[RagChangeRow]
    baselines: list[BaselineRow]
    change_requests: list[ChangeRequestRow]


def project_card(row: ProjectWeek) -> ProjectCard:
    rags = dict(Rag.choices)
    report_states = dict(StatusReport.State.choices)
    categories = dict(Baseline.ReasonCategory.choices)
    types = dict(ChangeType.choices)
    return ProjectCard(
        project=row,
        rag_label=str(rags.get(row.rag, _("No report"))),
        status_label=str(dict(Project.Status.choices).get(row.status, row.status)),
        report_label=str(report_states.get(row.report.state, _("No report"))),
        rag_changes=[
            RagChangeRow(
                change=change,
                label=str(DIMENSION_LABELS[change.dimension]),
                before=str(rags[change.before]),
                after=str(rags[change.after]),
            )
            for change in row.rag_changes
        ],
        baselines=[
            BaselineRow(change=change, category=str(categories.get(change.category, change.category)))
            for change in row.baseline_changes
        ],
        change_requests=[
            ChangeRequestRow(
                event=event,
                label=str(CHANGE_EVENT_LABELS[event.event]),
                change_type=str(types.get(event.change_type, event.change_type)),
            )
            for event in row.change_requests
        ],
    )


class WeeklyMeetingPageView(OrganizationViewMixin, TemplateView):
    nav_key = "meeting"
    capability = Capability.MEETINGS_VIEW
    template_name = "projects/meetings/weekly.html"
    week_error: str = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        this_week = current_week_start(organization=self.organization)
        value = request.GET.get("week", "")
        week_start = this_week
        if value:
            try:
                week_start = parse_week(value)
            except ValidationError as exc:
                self.week_error = " ".join(str(m) for m in exc.messages)
        meeting = weekly_meeting(access=self.access, week_start=week_start)
        context = self.get_context_data(meeting=meeting, this_week=this_week, week_value=value)
        return self.render_to_response(context, status=400 if self.week_error else 200)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        meeting: WeeklyMeeting = kwargs["meeting"]
        this_week: dt.date = kwargs["this_week"]
        cards = [project_card(row) for row in meeting.projects]
        data.update(
            week_error=self.week_error,
            week=meeting.week,
            previous_week=meeting.previous_week,
            next_week=week_label(meeting.next_week_start),
            is_this_week=meeting.week_start == this_week,
            changed_cards=[card for card in cards if card.project.changed],
            unchanged_cards=[card for card in cards if not card.project.changed],
            agenda=[
                (group.by_whom, [(item, str(AGENDA_KIND_LABELS[item.kind])) for item in group.items])
                for group in meeting.agenda
            ],
        )
        return data
