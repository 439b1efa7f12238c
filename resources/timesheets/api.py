"""Timesheets in the API, under ``/api/v1/orgs/<org>/timesheets/``:

- list — the caller's own sheets; with ``?person=&week=2026-W47&state=`` the matching sheets the caller may read
  (approvers: their own and those with hours on projects they may change; the PMO: all); ``?ordering=`` over
  ``week``, ``person``, ``department``, ``total``, ``submitted`` (default ``-week``);
- ``approvals/`` — the approval queue: submitted sheets awaiting the caller (``?person=&department=&week=
  &project=``, oldest week first), each naming the projects that keep the caller from deciding it (``blocked``);
- create ``{"week": "2026-W47", "person": <id>}`` — a draft (``person`` defaults to the caller's own; the PMO may
  name anyone); a second sheet of a person and week is 409;
- retrieve; partial_update ``{"version", "entries": [{"project", "hours", "note"}]}`` replaces the entries of a
  draft or returned sheet (stale version 409);
- actions ``submit`` ``{"version"}``, ``approve`` ``{"comment"}``, ``return`` ``{"comment"}`` (required).

A sheet the caller may not read is 404. Who may take a step is checked by the services (403 with the reason); a
sheet no longer in the right state and a stale version are 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import PersonOutput, ProjectRefOutput, ProjectsAPIMixin
from projects.api_fields import WeekField
from projects.policy import week_label
from resources.filters import ApprovalFilterSet, TimesheetFilterSet
from resources.models import Timesheet
from resources.timesheets import selectors, services

# --- Output ------------------------------------------------------------------------------------------------------


class TimesheetPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class TimesheetEntryOutput(serializers.Serializer):
    project = ProjectRefOutput()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    note = serializers.CharField()


class TimesheetOutput(serializers.ModelSerializer):
    person = TimesheetPersonOutput(read_only=True)
    week = serializers.SerializerMethodField()
    total_hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    entries = TimesheetEntryOutput(many=True, read_only=True)
    decided_by = PersonOutput(read_only=True, allow_null=True)
    cost_rate = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "person",
            "week",
            "week_start",
            "state",
            "total_hours",
            "entries",
            "submitted_at",
            "decided_by",
            "decided_at",
            "comment",
            "cost_rate",
            "version",
        ]
        read_only_fields = fields

    def get_week(self, timesheet: Timesheet) -> str:
        return week_label(timesheet.week_start)


class ApprovalRowOutput(TimesheetOutput):
    blocked = serializers.SerializerMethodField(
        help_text="codes of the projects on the sheet you may not change: you cannot decide it (the PMO can)"
    )

    class Meta(TimesheetOutput.Meta):
        fields = [*TimesheetOutput.Meta.fields, "blocked"]
        read_only_fields = fields

    def get_blocked(self, timesheet: Timesheet) -> list[str]:
        return selectors.blocked_projects(timesheet, changeable=self.context["changeable"])


# --- Input -------------------------------------------------------------------------------------------------------


class TimesheetCreateInput(serializers.Serializer):
    week = WeekField(help_text="ISO week, e.g. 2026-W47")
    person = serializers.IntegerField(required=False, min_value=1, help_text="default: your own person")


class TimesheetEntryInput(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=168)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.NOTE_MAX)


class TimesheetUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="the version you read (409 if stale)")
    entries = TimesheetEntryInput(many=True, help_text="replaces every entry of the sheet")


class TimesheetSubmitInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)


class TimesheetCommentInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.COMMENT_MAX)


# --- Views -------------------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(tags=["timesheets"]), retrieve=extend_schema(tags=["timesheets"]))
class TimesheetViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = Timesheet
    serializer_class = TimesheetOutput
    capabilities = {
        "*": Capability.TIMESHEETS_SUBMIT,
        "approve": Capability.TIMESHEETS_APPROVE,
        "return_": Capability.TIMESHEETS_APPROVE,
        "approvals": Capability.TIMESHEETS_APPROVE,
    }
    filterset_class = TimesheetFilterSet
    sort_keys = selectors.APPROVAL_SORTS
    ordering = ["-week"]

    def restrict_queryset(self, queryset: Any) -> Any:
        sheets = selectors.timesheets_visible_to(access=self.access, queryset=queryset)
        if self.action == "list" and not TimesheetFilterSet.given(self.request.query_params):
            sheets = sheets.filter(person__user_id=self.access.membership.user_id)
        return sheets

    @extend_schema(responses={200: ApprovalRowOutput(many=True)}, tags=["timesheets"])
    @action(detail=False, methods=["get"], filterset_class=ApprovalFilterSet, ordering=["week"])
    def approvals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submitted sheets awaiting your decision: every one for the PMO, for a manager those with hours on a
        project they may change; never your own. Oldest week first."""
        sheets = self.filter_queryset(selectors.approval_sheets(access=self.access))
        page = self.paginate_queryset(sheets)
        context = {**self.get_serializer_context(), "changeable": selectors.changeable_project_ids(access=self.access)}
        return self.get_paginated_response(ApprovalRowOutput(page, many=True, context=context).data)

    def _respond(self, timesheet: Timesheet, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.timesheet_get_for_actor(access=self.access, pk=timesheet.pk)
        return Response(TimesheetOutput(fresh).data, status=code)

    @extend_schema(request=TimesheetCreateInput, responses={201: TimesheetOutput}, tags=["timesheets"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a draft for a week: your own, or (the PMO) anyone's."""
        data = TimesheetCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        person_id = data.validated_data.get("person")
        if person_id is None:
            person = selectors.person_for_user(organization=self.organization, user=request.user)
            if person is None:
                raise serializers.ValidationError(
                    {"person": [_("No person is linked to your account: ask the PMO to link one.")]}
                )
        else:
            person = selectors.person_get(organization=self.organization, pk=person_id)
            if person is None:
                raise serializers.ValidationError({"person": [_("Choose a person of this organisation.")]})
        timesheet = services.timesheet_create(
            organization=self.organization, actor=request.user, person=person, week_start=data.validated_data["week"]
        )
        return self._respond(timesheet, status.HTTP_201_CREATED)

    @extend_schema(
        request=TimesheetUpdateInput,
        responses={200: TimesheetOutput},
        tags=["timesheets"],
        description="Replace the entries of a draft or returned sheet. Send the ``version`` you read (409 if stale).",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        timesheet = self.get_object()
        data = TimesheetUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        timesheet = services.timesheet_save(
            organization=self.organization,
            actor=request.user,
            timesheet=timesheet,
            entries=data.validated_data["entries"],
            version=data.validated_data["version"],
        )
        return self._respond(timesheet)

    @extend_schema(request=TimesheetSubmitInput, responses={200: TimesheetOutput}, tags=["timesheets"])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hand the sheet to the approvers."""
        timesheet = self.get_object()
        data = TimesheetSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        timesheet = services.timesheet_submit(
            organization=self.organization,
            actor=request.user,
            timesheet=timesheet,
            version=data.validated_data.get("version"),
        )
        return self._respond(timesheet)

    @extend_schema(
        request=TimesheetCommentInput,
        responses={200: TimesheetOutput},
        tags=["timesheets"],
        description="Approve a submitted sheet: needs the right to change every project on it, and not your own "
        "sheet. Freezes the person's cost rate (``cost_rate``).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        timesheet = self.get_object()
        data = TimesheetCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        timesheet = services.timesheet_approve(
            organization=self.organization,
            actor=request.user,
            timesheet=timesheet,
            comment=data.validated_data["comment"],
        )
        return self._respond(timesheet)

    @extend_schema(request=TimesheetCommentInput, responses={200: TimesheetOutput}, tags=["timesheets"])
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a submitted sheet back, saying what to correct (``comment`` required)."""
        timesheet = self.get_object()
        data = TimesheetCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        timesheet = services.timesheet_return(
            organization=self.organization,
            actor=request.user,
            timesheet=timesheet,
            comment=data.validated_data["comment"],
        )
        return self._respond(timesheet)
