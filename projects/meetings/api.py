"""``/api/v1/orgs/<org>/meetings/weekly/?week=2026-W47``: the integrated weekly meeting as JSON, the same structure
as the page (``projects.meetings.selectors.WeeklyMeeting``). Admins, the PMO and executives (``meetings.view``);
other members 403, other organisations 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.tenancy.api_base import OrganizationAPIView
from pmo.tenancy.roles import Capability
from projects.meetings.selectors import RAG_DIMENSIONS, weekly_meeting
from projects.models import ChangeRequest, Rag, StatusReport
from projects.policy import current_week_start, parse_week

RAG_OR_UNKNOWN = [*Rag.values, ""]


class MeetingRagChangeOutput(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=RAG_DIMENSIONS)
    before = serializers.ChoiceField(choices=Rag.choices)
    after = serializers.ChoiceField(choices=Rag.choices)
    direction = serializers.ChoiceField(choices=["better", "worse"])


class MeetingEscalationOutput(serializers.Serializer):
    title = serializers.CharField()
    detail = serializers.CharField()
    decision_needed = serializers.BooleanField()
    decision_from = serializers.CharField()
    changed_fields = serializers.ListField(child=serializers.CharField())


class MeetingEscalationChangesOutput(serializers.Serializer):
    new = MeetingEscalationOutput(many=True)
    changed = MeetingEscalationOutput(many=True)
    resolved = MeetingEscalationOutput(many=True)


class MeetingSlippedMilestoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["moved", "missed"],
        help_text="moved: its date moved later during the week; missed: its baseline date fell in the week and it "
        "was not achieved by the end of it.",
    )
    baseline_date = serializers.DateField(allow_null=True)
    before = serializers.DateField(allow_null=True, help_text="actual, else forecast, date at the week's start")
    after = serializers.DateField(allow_null=True, help_text="actual, else forecast, date at the week's end")
    moved_days = serializers.IntegerField()
    late_days = serializers.IntegerField(help_text="days after the baseline date")


class MeetingBaselineChangeOutput(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField()
    category = serializers.CharField()
    approved_at = serializers.DateTimeField()
    change_request_id = serializers.IntegerField(allow_null=True)
    budget_delta = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    finish_delta_days = serializers.IntegerField(allow_null=True)


class MeetingChangeRequestEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    change_type = serializers.CharField()
    status = serializers.ChoiceField(choices=ChangeRequest.Status.choices)
    event = serializers.ChoiceField(choices=["submitted", "approved", "rejected", "withdrawn"])
    at = serializers.DateTimeField()
    cost_delta = serializers.DecimalField(max_digits=16, decimal_places=2)
    finish_delta_days = serializers.IntegerField()


class MeetingReportStateOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=[*StatusReport.State.values, "none"])
    late = serializers.BooleanField()
    missing = serializers.BooleanField()
    returned = serializers.BooleanField()
    due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    revision = serializers.IntegerField()
    review_comment = serializers.CharField()


class MeetingProjectWeekOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    rag = serializers.ChoiceField(choices=RAG_OR_UNKNOWN, help_text="overall RAG; empty when no report is known")
    rag_carried = serializers.BooleanField(help_text="the RAG is last week's: no report counts this week")
    changed = serializers.BooleanField()
    rag_changes = MeetingRagChangeOutput(many=True)
    escalations = MeetingEscalationChangesOutput()
    slipped_milestones = MeetingSlippedMilestoneOutput(many=True)
    baseline_changes = MeetingBaselineChangeOutput(many=True)
    change_requests = MeetingChangeRequestEventOutput(many=True)
    report = MeetingReportStateOutput()


class MeetingAgendaItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["escalation", "change_request", "gate"])
    project_id = serializers.IntegerField()
    project_code = serializers.CharField()
    project_name = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True, help_text="the change request or gate")
    due = serializers.DateField(allow_null=True)


class MeetingAgendaGroupOutput(serializers.Serializer):
    by_whom = serializers.CharField()
    items = MeetingAgendaItemOutput(many=True)


class MeetingSummaryOutput(serializers.Serializer):
    projects = serializers.IntegerField()
    changed = serializers.IntegerField()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    unknown = serializers.IntegerField()
    missing_reports = serializers.IntegerField()
    late_reports = serializers.IntegerField()
    decisions_needed = serializers.IntegerField()


class WeeklyMeetingOutput(serializers.Serializer):
    week = serializers.CharField()
    previous_week = serializers.CharField()
    week_start = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    summary = MeetingSummaryOutput()
    projects = MeetingProjectWeekOutput(many=True)
    agenda = MeetingAgendaGroupOutput(many=True)


def requested_week(value: str | None, *, default: dt.date) -> dt.date:
    """The Monday of ``?week=`` (``"2026-W47"``), or ``default`` when absent; a bad value is 400 ``{"week"}``."""
    if value is None or value == "":
        return default
    try:
        return parse_week(value)
    except ValidationError as exc:
        raise exceptions.ValidationError({"week": [str(m) for m in exc.messages]}) from exc


class WeeklyMeetingView(OrganizationAPIView):
    capabilities = {"GET": Capability.MEETINGS_VIEW}

    @extend_schema(
        operation_id="meetings_weekly",
        parameters=[
            OpenApiParameter(
                "week",
                OpenApiTypes.STR,
                required=False,
                description="ISO week, e.g. 2026-W47 (default: the current week in the organisation's time zone)",
            )
        ],
        responses={200: WeeklyMeetingOutput},
        tags=["meetings"],
        description="For each project: only what changed since the previous week (RAG, escalations, slipped "
        "milestones, baseline versions, change requests submitted or decided, the report's own state); ``changed`` "
        "is false for a project with nothing to discuss. ``agenda`` lists the decisions needed, by whom.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        week_start = requested_week(
            request.query_params.get("week"), default=current_week_start(organization=self.organization)
        )
        meeting = weekly_meeting(access=self.access, week_start=week_start)
        return Response(WeeklyMeetingOutput(meeting).data)
