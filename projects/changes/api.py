"""Change control in the API, under ``/api/v1/orgs/<org>/``:

- ``projects/<project_pk>/change-requests/`` — list, create (a draft), retrieve by number (``…/1/``) with the
  approval steps and the next one, partial_update of a draft with ``version``; actions ``submit``, ``assess``
  ``{"assessment"}``, ``approve`` ``{"note"}``, ``reject`` ``{"note"}``, ``withdraw`` ``{"note"}`` (optional);
- ``change-requests/`` — the organisation's requests on projects the caller may read (``?status=&type=&project=``
  and ``?awaiting=me``);
- ``baseline-changes/`` — baseline-change statistics (``?from=YYYY-MM&to=YYYY-MM``).

A project the caller may not read is 404 for everything under it. Who may take a step is checked by the services
(403 with the reason); a request no longer in the right state, a stale version and an archived project are 409.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import PersonOutput, ProjectNestedMixin, ProjectRefOutput, ProjectsAPIMixin
from projects.changes import filters, selectors, services
from projects.models import ChangeApproval, ChangeRequest, ChangeType

# --- Output ------------------------------------------------------------------------------------------------------


class ApprovalOutput(serializers.ModelSerializer):
    decided_by = PersonOutput(read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ["step", "decision", "note", "decided_by", "decided_at"]
        read_only_fields = fields


class ChangeRequestOutput(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    project = ProjectRefOutput(read_only=True)
    raised_by = PersonOutput(read_only=True)
    assessed_by = PersonOutput(read_only=True, allow_null=True)
    decided_by = PersonOutput(read_only=True, allow_null=True)
    approvals = ApprovalOutput(many=True, read_only=True)
    next_step = serializers.SerializerMethodField()
    baseline_version = serializers.IntegerField(
        source="baseline.version", read_only=True, default=None, allow_null=True
    )
    cost_delta = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "number",
            "code",
            "project",
            "title",
            "change_type",
            "description",
            "justification",
            "cost_delta",
            "finish_delta_days",
            "scope_impact",
            "risk_impact",
            "status",
            "raised_by",
            "raised_at",
            "submitted_at",
            "assessment",
            "assessed_by",
            "assessed_at",
            "approvals_required",
            "approvals",
            "next_step",
            "decided_by",
            "decided_at",
            "decision_note",
            "baseline_version",
            "version",
        ]
        read_only_fields = fields

    def get_next_step(self, change_request: ChangeRequest) -> str | None:
        return selectors.approval_steps(change_request)[1]


# --- Input -------------------------------------------------------------------------------------------------------


class ChangeRequestInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    change_type = serializers.ChoiceField(choices=ChangeType.choices)
    description = serializers.CharField()
    justification = serializers.CharField()
    cost_delta = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, default=Decimal(0), help_text="positive: more budget"
    )
    finish_delta_days = serializers.IntegerField(
        required=False,
        default=0,
        min_value=-services.MAX_FINISH_DELTA_DAYS,
        max_value=services.MAX_FINISH_DELTA_DAYS,
        help_text="positive: a later finish",
    )
    scope_impact = serializers.CharField(required=False, allow_blank=True, default="")
    risk_impact = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeRequestUpdateInput(ChangeRequestInput):
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class AssessInput(serializers.Serializer):
    assessment = serializers.CharField(allow_blank=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --- Views -------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["changes"], description="Newest number first unless ``ordering`` is given."),
    retrieve=extend_schema(tags=["changes"]),
)
class ChangeRequestViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A project's change requests, addressed by number (``change-requests/1/`` is CR-001)."""

    model = ChangeRequest
    serializer_class = ChangeRequestOutput
    filterset_class = filters.ProjectChangeRequestFilterSet
    sort_keys = selectors.CHANGE_REQUEST_SORTS
    lookup_field = "number"
    lookup_value_regex = r"\d+"
    capabilities = {"assess": Capability.CHANGES_ASSESS}

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.project_change_requests(project=self.project, queryset=queryset)

    def _respond(self, change_request: ChangeRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.change_request_get(project=self.project, number=change_request.number)
        return Response(ChangeRequestOutput(fresh).data, status=code)

    @extend_schema(request=ChangeRequestInput, responses={201: ChangeRequestOutput}, tags=["changes"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Raise a draft; needs the right to change the project."""
        self.require_change()
        data = ChangeRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_create(
            organization=self.organization, actor=request.user, project=self.project, **data.validated_data
        )
        return self._respond(change_request, status.HTTP_201_CREATED)

    @extend_schema(
        request=ChangeRequestUpdateInput(partial=True),
        responses={200: ChangeRequestOutput},
        tags=["changes"],
        description="Edit a draft. Send the ``version`` you read to be told (409) when someone changed it meanwhile.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change_request = self.get_object()
        data = ChangeRequestUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        change_request = services.change_request_update(
            organization=self.organization,
            actor=request.user,
            change_request=change_request,
            version=version,
            **values,
        )
        return self._respond(change_request)

    @extend_schema(request=None, responses={200: ChangeRequestOutput}, tags=["changes"])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hand the draft to the PMO."""
        change_request = services.change_request_submit(
            organization=self.organization, actor=request.user, change_request=self.get_object()
        )
        return self._respond(change_request)

    @extend_schema(request=NoteInput, responses={200: ChangeRequestOutput}, tags=["changes"])
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take back a request that is not decided yet, optionally saying why."""
        change_request = self.get_object()
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_withdraw(
            organization=self.organization,
            actor=request.user,
            change_request=change_request,
            note=data.validated_data["note"],
        )
        return self._respond(change_request)

    @extend_schema(
        request=AssessInput,
        responses={200: ChangeRequestOutput},
        tags=["changes"],
        description="The PMO's assessment; fixes ``approvals_required`` from the PMO type and the thresholds.",
    )
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change_request = self.get_object()
        data = AssessInput(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_assess(
            organization=self.organization,
            actor=request.user,
            change_request=change_request,
            assessment=data.validated_data["assessment"],
        )
        return self._respond(change_request)

    @extend_schema(
        request=NoteInput,
        responses={200: ChangeRequestOutput},
        tags=["changes"],
        description="Sign the next approval step. The last signature approves the request and creates the "
        "project's next baseline (``baseline_version``).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change_request = self.get_object()
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_approve(
            organization=self.organization,
            actor=request.user,
            change_request=change_request,
            note=data.validated_data["note"],
        )
        return self._respond(change_request)

    @extend_schema(request=NoteInput, responses={200: ChangeRequestOutput}, tags=["changes"])
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refuse the request, saying why (``note`` required)."""
        change_request = self.get_object()
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        change_request = services.change_request_reject(
            organization=self.organization,
            actor=request.user,
            change_request=change_request,
            note=data.validated_data["note"],
        )
        return self._respond(change_request)


@extend_schema_view(list=extend_schema(tags=["changes"]))
class OrganizationChangeRequestViewSet(SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, OrganizationViewSet):
    """Every change request on a project the caller may read: open ones first (oldest submission first), then the
    decided ones, newest first, unless ``ordering`` is given; ``?awaiting=me`` for the ones waiting for the caller's
    decision."""

    model = ChangeRequest
    serializer_class = ChangeRequestOutput
    filterset_class = filters.ChangeRequestFilterSet
    sort_keys = selectors.CHANGE_REQUEST_SORTS

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.change_requests_visible_to(access=self.access, queryset=queryset)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(serializers.CharField):
    """``YYYY-MM`` → the first day of that month."""

    def to_internal_value(self, data: Any) -> dt.date:  # type: ignore[override]
        match = _MONTH.match(str(data).strip())
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), 1)
            except ValueError:
                pass
        raise serializers.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."))


class StatsQuery(serializers.Serializer):
    # "from" is a keyword in Python: the field is declared below.
    to = MonthField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = MonthField(required=False)
        return fields

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        since, until = data.get("from"), data.get("to")
        if since and until and until < since:
            raise serializers.ValidationError({"to": [_("The end month cannot be before the start month.")]})
        return data


class TotalOutput(serializers.Serializer):
    count = serializers.IntegerField()
    cost_delta = serializers.DecimalField(max_digits=17, decimal_places=2)
    finish_delta_days = serializers.IntegerField()


class ChangeRowOutput(TotalOutput):
    key = serializers.CharField(help_text="the month (YYYY-MM) or the reason category")
    name = serializers.CharField(source="label")


class ProjectChangeRowOutput(TotalOutput):
    project = serializers.IntegerField(source="key", help_text="project id")
    name = serializers.CharField(source="label", help_text="code and name")


class BaselineChangeStatsOutput(serializers.Serializer):
    by_project = ProjectChangeRowOutput(many=True)
    by_month = ChangeRowOutput(many=True)
    by_category = ChangeRowOutput(many=True)
    total = TotalOutput()
    decided_requests = serializers.IntegerField()
    cycle_time_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class BaselineChangeStatsView(ProjectsAPIMixin, OrganizationAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, description="first month, YYYY-MM (inclusive)"),
            OpenApiParameter("to", OpenApiTypes.STR, description="last month, YYYY-MM (inclusive)"),
        ],
        responses={200: BaselineChangeStatsOutput},
        tags=["changes"],
        description="Baseline changes (v2 and later, with or without a change request) of the projects the caller "
        "may read: per project, per month (organisation time zone) and per reason category — count, total cost "
        "delta and total finish-date delta in days — and the average change-request cycle time in days.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = selectors.baseline_change_stats(
            access=self.access, since=query.validated_data.get("from"), until=query.validated_data.get("to")
        )
        return Response(BaselineChangeStatsOutput(stats).data)
