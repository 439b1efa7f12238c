""" "My work" in the API: ``GET /api/v1/orgs/<org>/my-work/`` (``MY_WORK``) answers what the page shows the caller —
the manager's part (my projects with this week's report, earlier reports to finish, open change requests and who
acts next, my risks, actions due on my projects, the team's allocations over 8 weeks) when they manage projects or
have the manager role, the member's part (my allocations over 8 weeks, this week's and earlier timesheets) when a
person of resource planning is linked to them or they have the member role, and the actions and issues assigned to
them. Each part is ``null`` when it does not apply; each list holds the first rows and says how many there are."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.tenancy.api_base import OrganizationAPIView
from pmo.tenancy.roles import Capability
from projects.api import PersonOutput, ProjectRefOutput
from projects.api_fields import WeekField
from reports.mywork.selectors import my_work
from risks.scoring import LEVEL_CHOICES

TAGS = ["my work"]


class MyProjectOutput(serializers.Serializer):
    project = ProjectRefOutput()
    status = serializers.CharField(source="project.status")
    rag = serializers.CharField(allow_null=True, help_text="latest submitted report's overall RAG")
    trend = serializers.CharField(allow_null=True)
    percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    spi = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    cpi = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    status_week = WeekField(allow_null=True, help_text="week of the latest submitted report")
    milestone_name = serializers.CharField(allow_null=True)
    milestone_date = serializers.DateField(allow_null=True)
    milestone_late = serializers.BooleanField()
    milestone_slip_days = serializers.IntegerField()
    open_risks = serializers.IntegerField()
    reports_weekly = serializers.BooleanField()
    week_state = serializers.CharField(help_text="this week's report: not_started, draft, submitted …")
    week_state_label = serializers.CharField()
    week_due_at = serializers.DateTimeField()
    week_overdue = serializers.BooleanField()
    week_needs_me = serializers.BooleanField()
    can_change = serializers.BooleanField()


class MyWorkEarlierReportOutput(serializers.Serializer):
    id = serializers.IntegerField(source="report.pk")
    project = ProjectRefOutput(source="report.project")
    week = serializers.CharField()
    state = serializers.CharField(source="report.state")
    review_comment = serializers.CharField(source="report.review_comment")


class MyChangeOutput(serializers.Serializer):
    id = serializers.IntegerField(source="change_request.pk")
    code = serializers.CharField(source="change_request.code")
    title = serializers.CharField(source="change_request.title")
    project = ProjectRefOutput(source="change_request.project")
    status = serializers.CharField(source="change_request.status")
    next_actor = serializers.ChoiceField(choices=["raiser", "pmo", "executive"])
    next_actor_label = serializers.CharField()
    mine_to_act = serializers.BooleanField()


class MyRiskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    score = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)
    stale = serializers.BooleanField()
    open_actions = serializers.IntegerField()


class MyWorkRiskSummaryOutput(serializers.Serializer):
    top = MyRiskOutput(many=True, help_text="highest score first")
    total = serializers.IntegerField()


class MyActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    risk = serializers.IntegerField(source="risk_id")
    risk_code = serializers.CharField(source="risk.code")
    project = ProjectRefOutput(source="risk.project", allow_null=True)
    owner = PersonOutput(allow_null=True)
    due_date = serializers.DateField(allow_null=True)


class MyIssueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    severity = serializers.CharField()
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)


class MyWorkShownActionsOutput(serializers.Serializer):
    rows = MyActionOutput(many=True)
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()


class MyWorkShownIssuesOutput(serializers.Serializer):
    rows = MyIssueOutput(many=True)
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()


class MyWorkWeekCellOutput(serializers.Serializer):
    week = WeekField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="on the row's projects")
    total = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="on every project")
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    over = serializers.BooleanField()


class MyWorkTeamRowOutput(serializers.Serializer):
    person = serializers.SerializerMethodField()
    projects = ProjectRefOutput(many=True)
    cells = MyWorkWeekCellOutput(many=True)
    over_weeks = serializers.IntegerField()

    def get_person(self, row: Any) -> dict[str, Any]:
        return {"id": row.person.pk, "name": row.person.full_name}


class MyWorkManagerPartOutput(serializers.Serializer):
    projects = MyProjectOutput(many=True)
    reports_to_do = serializers.IntegerField()
    earlier_reports = MyWorkEarlierReportOutput(many=True)
    changes = MyChangeOutput(many=True)
    risks = MyWorkRiskSummaryOutput()
    actions_due = MyWorkShownActionsOutput(help_text="open actions on my projects owned by others, due within 14 days")
    team_weeks = serializers.ListField(child=WeekField())
    team = MyWorkTeamRowOutput(many=True, help_text="over-allocated people first")


class MyWorkAllocationRowOutput(serializers.Serializer):
    project = ProjectRefOutput()
    role = serializers.CharField()
    cells = MyWorkWeekCellOutput(many=True)


class MyAllocationsOutput(serializers.Serializer):
    rows = MyWorkAllocationRowOutput(many=True)
    totals = MyWorkWeekCellOutput(many=True)
    over_weeks = serializers.IntegerField()


class MyWorkSheetRowOutput(serializers.Serializer):
    week = serializers.CharField()
    timesheet = serializers.IntegerField(source="timesheet.pk", allow_null=True, default=None)
    state = serializers.CharField(help_text="a timesheet state, or not_started")
    state_label = serializers.CharField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    expected = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    needs_me = serializers.BooleanField()


class MyTimesheetsOutput(serializers.Serializer):
    this_week = MyWorkSheetRowOutput()
    earlier = MyWorkSheetRowOutput(many=True, help_text="returned first, then unsubmitted drafts")


class MyWorkMemberPartOutput(serializers.Serializer):
    person = serializers.SerializerMethodField()
    weeks = serializers.ListField(child=WeekField())
    allocations = MyAllocationsOutput(allow_null=True)
    timesheets = MyTimesheetsOutput(allow_null=True)
    timesheets_to_do = serializers.IntegerField()

    def get_person(self, part: Any) -> dict[str, Any] | None:
        return None if part.person is None else {"id": part.person.pk, "name": part.person.full_name}


class MyWorkOutput(serializers.Serializer):
    today = serializers.DateField()
    week = WeekField(source="week_start")
    due_at = serializers.DateTimeField(help_text="this week's status reports are due then")
    manager = MyWorkManagerPartOutput(allow_null=True)
    member = MyWorkMemberPartOutput(allow_null=True)
    actions = MyWorkShownActionsOutput(help_text="open risk actions assigned to me")
    issues = MyWorkShownIssuesOutput(help_text="open issues I own")


class MyWorkView(OrganizationAPIView):
    capabilities = {"*": Capability.MY_WORK}

    @extend_schema(responses={200: MyWorkOutput}, tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What needs the caller now (a fixed number of queries)."""
        return Response(MyWorkOutput(my_work(access=self.access, user=request.user)).data)
