"""``/api/v1/orgs/<org>/projects/`` and everything nested in a project (milestones, phases, deliverables, gates,
tailoring, baselines, closure), and ``dependencies/``.

A project the caller may not read is 404 for it and for everything under it. Reads need only membership; writes
need the capability named in ``capabilities`` and, for project content, the right to change the project
(``projects.selectors.project_can_change``), else 403. Services refuse closed or cancelled projects (409), stale
versions (409) and transitions that are not allowed (400).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api import WRITE_METHODS, Conflict
from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.models import Membership
from pmo.tenancy.roles import Capability
from portfolio.models import Portfolio, Programme
from projects import filters, permissions, selectors, services
from projects.api_fields import WeekField
from projects.models import (
    Baseline,
    ClosureReport,
    Dependency,
    GateKind,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    Rag,
    StatusReport,
    TailoringRequest,
)
from projects.status.services import RAG_FIELDS

# --- Shared pieces ---------------------------------------------------------------------------------------------


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key of a tenant model, looked up in the active organisation when the input is validated (a class
    attribute cannot hold a scoped queryset: there is no organisation at import time)."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.scoped_model = model
        super().__init__(queryset=model.dangerously_unscoped.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_model.objects.all()


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id that must belong to a member of the active organisation."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=get_user_model()._default_manager.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return get_user_model()._default_manager.filter(pk__in=Membership.objects.values("user_id"))


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class ProjectsAPIMixin:
    """Maps the services' refusals: ``ProjectsConflict`` → 409; unmet gate requirements → 400 with the open
    items listed under ``missing``. Every write may conflict (a closed or cancelled project, a stale version)."""

    conflict_on = WRITE_METHODS

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.PhaseRequirementsUnmet):
            return Response({"detail": " ".join(exc.messages), "missing": exc.missing}, status=400)
        if isinstance(exc, services.ProjectsConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)  # type: ignore[misc]


class ProjectNestedMixin(ProjectsAPIMixin):
    """For resources under ``projects/<project_pk>/``: the project is resolved once, 404 when the caller may not
    read it; rows are narrowed to it."""

    project: Project
    access: Any

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # A write asks whether the actor may change the project (``require_change``): read in the same query; the
        # services lock and read the project again, so a write joins none of its related rows.
        writes = request.method in WRITE_METHODS
        self.project = selectors.project_get_for_actor(
            access=self.access,
            pk=kwargs["project_pk"],
            with_change_right=writes,
            related=() if writes else selectors.PROJECT_RELATED,
        )

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(project=self.project)

    def require_change(self) -> None:
        if not selectors.project_can_change(access=self.access, project=self.project):
            raise exceptions.PermissionDenied()


# --- Projects --------------------------------------------------------------------------------------------------


class ProjectOutput(serializers.ModelSerializer):
    portfolio = serializers.CharField(source="portfolio.name", read_only=True, default=None, allow_null=True)
    manager = serializers.EmailField(source="manager.email", read_only=True, default=None, allow_null=True)
    programme = serializers.CharField(source="programme.name", read_only=True, default=None, allow_null=True)
    template = serializers.CharField(source="template.name", read_only=True, default=None, allow_null=True)
    current_phase = serializers.CharField(source="current_phase.name", read_only=True, default=None, allow_null=True)
    is_read_only = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "description",
            "status",
            "portfolio",
            "manager",
            "created_at",
            "portfolio_id",
            "programme",
            "programme_id",
            "manager_id",
            "sponsor_id",
            "template",
            "template_id",
            "current_phase",
            "current_phase_id",
            "priority",
            "objectives",
            "planned_start",
            "planned_finish",
            "budget_at_completion",
            "tags",
            "version",
            "closed_at",
            "is_read_only",
        ]
        read_only_fields = fields


class ProjectListOutput(ProjectOutput):
    """A register row: the project and its latest submitted or accepted status report."""

    latest_rag = serializers.ChoiceField(choices=Rag.choices, read_only=True, allow_null=True)
    latest_week = WeekField(read_only=True, allow_null=True)
    latest_percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, allow_null=True)

    class Meta(ProjectOutput.Meta):
        fields = [*ProjectOutput.Meta.fields, "latest_rag", "latest_week", "latest_percent_complete"]
        read_only_fields = fields


class TagsField(serializers.ListField):
    child = serializers.CharField(max_length=40)
    max_length = 20


class ProjectCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    template = ScopedPrimaryKeyField(ProcessTemplate, required=False, allow_null=True)
    manager = MemberField(required=False, allow_null=True)
    sponsor = MemberField(required=False, allow_null=True)
    portfolio = ScopedPrimaryKeyField(Portfolio, required=False, allow_null=True)
    programme = ScopedPrimaryKeyField(Programme, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Project.Priority.choices, required=False)
    status = serializers.ChoiceField(
        choices=[(s, label) for s, label in Project.Status.choices if s in ("proposed", "planning", "active")],
        required=False,
    )
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_finish = serializers.DateField(required=False, allow_null=True)
    budget_at_completion = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)
    tags = TagsField(required=False)

    def validate_template(self, value: ProcessTemplate | None) -> ProcessTemplate | None:
        if value is not None and not value.active:
            raise serializers.ValidationError(_("This template is inactive."))
        return value

    def validate_code(self, value: str) -> str:
        value = value.strip()
        if value and Project.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("A project with this code exists already."))
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        start, finish = data.get("planned_start"), data.get("planned_finish")
        if start and finish and finish < start:
            raise serializers.ValidationError(
                {"planned_finish": [_("The planned finish cannot be before the planned start.")]}
            )
        programme, portfolio = data.get("programme"), data.get("portfolio")
        if programme is not None and portfolio is not None and programme.portfolio_id != portfolio.pk:
            raise serializers.ValidationError({"programme": [_("The programme belongs to another portfolio.")]})
        return data


class ProjectUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Project.Priority.choices, required=False)
    status = serializers.ChoiceField(choices=Project.Status.choices, required=False)
    portfolio = ScopedPrimaryKeyField(Portfolio, required=False, allow_null=True)
    programme = ScopedPrimaryKeyField(Programme, required=False, allow_null=True)
    manager = MemberField(required=False, allow_null=True)
    sponsor = MemberField(required=False, allow_null=True)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_finish = serializers.DateField(required=False, allow_null=True)
    tags = TagsField(required=False)


class ShareInput(serializers.Serializer):
    user = MemberField()


class ShareOutput(serializers.Serializer):
    user = PersonOutput()
    can_change = serializers.BooleanField()


class OverviewReportOutput(serializers.ModelSerializer):
    week = WeekField(source="week_start", read_only=True)

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "week",
            "state",
            *RAG_FIELDS,
            "percent_complete",
            "actual_cost",
            "forecast_finish",
            "summary",
            "submitted_at",
        ]
        read_only_fields = fields


class OverviewRagWeekOutput(serializers.Serializer):
    week = WeekField()
    rag = serializers.ChoiceField(choices=Rag.choices, allow_null=True, help_text="null: no counted report")


class OverviewMilestoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phase_name = serializers.CharField(source="phase.name", default=None, allow_null=True)
    baseline_date = serializers.DateField(allow_null=True)
    forecast_date = serializers.DateField(allow_null=True)
    slip_days = serializers.IntegerField()
    late = serializers.BooleanField(help_text="the forecast is past, or later than the baseline date")
    overdue = serializers.BooleanField(help_text="the forecast is past")


class OverviewRiskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    probability = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField(help_text="the score's level in the organisation's risk settings")


class OverviewChangeRequestOutput(serializers.Serializer):
    number = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    change_type = serializers.CharField()
    status = serializers.CharField()
    cost_delta = serializers.DecimalField(max_digits=16, decimal_places=2)
    finish_delta_days = serializers.IntegerField()


class OverviewTeamMemberOutput(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk", help_text="the person's id (resources)")
    name = serializers.CharField(source="person.full_name")
    roles = serializers.ListField(child=serializers.CharField())
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="hours a week")
    starts = serializers.DateField(allow_null=True, help_text="null: on the project this week")


class OverviewGateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=GateKind.choices)
    phase_name = serializers.CharField(source="phase.name")
    planned_date = serializers.DateField(allow_null=True)


class ProjectOverviewOutput(serializers.Serializer):
    latest = OverviewReportOutput(allow_null=True, help_text="the latest submitted or accepted status report")
    rag_weeks = OverviewRagWeekOutput(many=True, help_text="the overall RAG of the last twelve weeks, oldest first")
    milestones = OverviewMilestoneOutput(many=True, help_text="the next open milestones")
    milestones_open = serializers.IntegerField()
    milestones_late = serializers.IntegerField()
    risks = OverviewRiskOutput(many=True, help_text="the highest open risks")
    risks_open = serializers.IntegerField()
    change_requests = OverviewChangeRequestOutput(many=True, help_text="the open change requests")
    team = OverviewTeamMemberOutput(many=True)
    next_gate = OverviewGateOutput(allow_null=True)


def overview_payload(overview: selectors.ProjectOverview) -> dict[str, Any]:
    weeks = (overview.last_week - overview.first_week).days // 7 + 1
    mondays = [overview.first_week + dt.timedelta(weeks=i) for i in range(weeks)]
    return {
        "latest": overview.latest,
        "rag_weeks": [{"week": monday, "rag": overview.rag_weeks.get(monday)} for monday in mondays],
        "milestones": overview.milestones,
        "milestones_open": overview.milestones_open,
        "milestones_late": overview.milestones_late,
        "risks": overview.risks,
        "risks_open": overview.risks_open,
        "change_requests": overview.change_requests,
        "team": overview.team,
        "next_gate": overview.next_gate,
    }


@extend_schema_view(
    list=extend_schema(
        tags=["projects"],
        responses={200: ProjectListOutput(many=True)},
        description="The project register: the visible projects, filtered, sorted by the register's keys (``code`` "
        "by default), each with its latest submitted or accepted status report.",
    ),
    retrieve=extend_schema(tags=["projects"]),
)
class ProjectViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """Projects the caller may read (all for admin, PMO and executives; granted ones for everyone else)."""

    model = Project
    serializer_class = ProjectOutput
    filterset_class = filters.ProjectFilterSet
    sort_keys = selectors.REGISTER_SORTS
    ordering = ["code"]
    capabilities = {
        "create": Capability.PROJECTS_CREATE,
        "share": Capability.PROJECTS_SHARE,
        "unshare": Capability.PROJECTS_SHARE,
        "shares": Capability.PROJECTS_SHARE,
    }

    def restrict_queryset(self, queryset: Any) -> Any:
        if self.action == "list":
            return selectors.project_register(access=self.access, queryset=queryset)
        return selectors.projects_visible_to(access=self.access, queryset=queryset).select_related(
            *selectors.PROJECT_RELATED
        )

    def get_serializer_class(self) -> Any:
        return ProjectListOutput if self.action == "list" else ProjectOutput

    @extend_schema(
        request=ProjectCreateInput,
        responses={201: ProjectOutput},
        tags=["projects"],
        description="Create a project with the phases, deliverables, gates and milestones of ``template`` (the "
        "built-in standard lifecycle when omitted; ``null`` for none), its first phase started and baseline v1.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["code"] = values.get("code") or None
        if "template" not in values:
            # Like an approved intake request: without a choice, the built-in standard lifecycle.
            values["template"] = (
                ProcessTemplate.objects.filter(organization=self.organization, is_builtin=True, kind="standard")
                .order_by("pk")
                .first()
            )
        project = services.project_create(organization=self.organization, actor=request.user, **values)
        project = selectors.project_get_for_actor(access=self.access, pk=project.pk)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectUpdateInput,
        responses={200: ProjectOutput},
        tags=["projects"],
        description="Change a project. Send the ``version`` you read to be told (409) when someone changed it "
        "meanwhile. Reassigning the manager and cancelling need ``projects.change_all``.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        if not selectors.project_can_change(access=self.access, project=project):
            raise exceptions.PermissionDenied()
        data = ProjectUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reserved = "manager" in values or values.get("status") == Project.Status.CANCELLED
        if reserved and not self.access.can(permissions.CHANGE_ALL):
            raise exceptions.PermissionDenied()
        version = values.pop("version", None)
        services.project_update(
            organization=self.organization, actor=request.user, project=project, version=version, **values
        )
        return Response(ProjectOutput(selectors.project_get_for_actor(access=self.access, pk=project.pk)).data)

    @extend_schema(responses={200: ShareOutput(many=True)}, tags=["projects"])
    @action(detail=True, methods=["get"])
    def shares(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Who holds access to the project (its manager and the members it was shared with), by name; paginated."""
        project = self.get_object()
        page = self.paginate_queryset(selectors.project_shares(access=self.access, project=project))
        return self.get_paginated_response(ShareOutput(page, many=True).data)

    @extend_schema(request=ShareInput, responses={200: ShareOutput}, tags=["projects"])
    @action(detail=True, methods=["post"])
    def share(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Let a member read the project (grants ``view_project``); answers the member's access."""
        project = self.get_object()
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        services.project_share(organization=self.organization, actor=request.user, project=project, user=user)
        granted = next(s for s in selectors.project_shares(access=self.access, project=project) if s.user.pk == user.pk)
        return Response(ShareOutput(granted).data)

    @extend_schema(request=ShareInput, responses={204: None}, tags=["projects"])
    @action(detail=True, methods=["post"])
    def unshare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take a member's access to the project back (not the manager's)."""
        project = self.get_object()
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.project_unshare(
            organization=self.organization, actor=request.user, project=project, user=data.validated_data["user"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: ProjectOverviewOutput}, tags=["projects"])
    @action(detail=True, methods=["get"])
    def overview(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The project at a glance (its Overview tab): the latest counted status report, the overall RAG of the
        last twelve weeks, the next open milestones, the highest open risks, the open change requests, who works
        on it this week and the next gate."""
        project = self.get_object()
        today = services.organization_today(self.organization)
        overview = selectors.project_overview(access=self.access, project=project, today=today)
        return Response(ProjectOverviewOutput(overview_payload(overview)).data)


# --- Milestones ------------------------------------------------------------------------------------------------


class MilestoneOutput(serializers.ModelSerializer):
    phase_name = serializers.CharField(source="phase.name", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "name",
            "order",
            "phase",
            "phase_name",
            "baseline_date",
            "forecast_date",
            "actual_date",
            "weight",
            "slip_days",
            "external_ref",
        ]
        read_only_fields = fields


class MilestoneInput(serializers.Serializer):
    """``baseline_date`` is not an input: only baselines set it."""

    name = serializers.CharField(max_length=200)
    forecast_date = serializers.DateField(required=False, allow_null=True)
    actual_date = serializers.DateField(required=False, allow_null=True)
    phase = ScopedPrimaryKeyField(ProjectPhase, required=False, allow_null=True)
    weight = serializers.IntegerField(required=False, min_value=1, max_value=100)
    order = serializers.IntegerField(required=False, min_value=0, max_value=1000)


@extend_schema_view(list=extend_schema(tags=["milestones"]), retrieve=extend_schema(tags=["milestones"]))
class MilestoneViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = Milestone
    serializer_class = MilestoneOutput
    filterset_class = filters.MilestoneFilterSet
    sort_keys = filters.MILESTONE_SORTS
    ordering = ["order"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return super().restrict_queryset(queryset).select_related("phase").order_by("order", "pk")

    def _input(self, request: Request, *, partial: bool) -> dict[str, Any]:
        if "baseline_date" in request.data:
            raise serializers.ValidationError({"baseline_date": [_("The baseline date is set only by a baseline.")]})
        data = MilestoneInput(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=MilestoneInput, responses={201: MilestoneOutput}, tags=["milestones"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        values = self._input(request, partial=False)
        values.pop("order", None)
        milestone = services.milestone_create(
            organization=self.organization, actor=request.user, project=self.project, **values
        )
        return Response(MilestoneOutput(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MilestoneInput(partial=True), responses={200: MilestoneOutput}, tags=["milestones"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        self.require_change()
        values = self._input(request, partial=True)
        milestone = services.milestone_update(
            organization=self.organization, actor=request.user, milestone=milestone, **values
        )
        return Response(MilestoneOutput(milestone).data)


# --- Phases, deliverables, gates -------------------------------------------------------------------------------


class OpenItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["gate", "deliverable"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(required=False, help_text="a gate's code")
    state = serializers.CharField(help_text="the gate's decision or the deliverable's status")


class PhaseOutput(serializers.ModelSerializer):
    completed_by = PersonOutput(read_only=True, allow_null=True)
    exit_warnings = OpenItemOutput(
        many=True, read_only=True, help_text="the open items when a supportive PMO let the phase pass"
    )
    deliverable_count = serializers.IntegerField(read_only=True)
    deliverables_open = serializers.IntegerField(read_only=True)
    gate_count = serializers.IntegerField(read_only=True)
    gates_passed = serializers.IntegerField(read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ProjectPhase
        fields = [
            "id",
            "order",
            "key",
            "name",
            "optional",
            "status",
            "current",
            "planned_start",
            "planned_finish",
            "baseline_start",
            "baseline_finish",
            "external_ref",
            "started_at",
            "completed_at",
            "completed_by",
            "exit_warnings",
            "deliverable_count",
            "deliverables_open",
            "gate_count",
            "gates_passed",
        ]
        read_only_fields = fields

    def get_current(self, phase: ProjectPhase) -> bool:
        return bool(phase.pk == self.context.get("current_phase_id"))


class PhaseRefOutput(serializers.ModelSerializer):
    class Meta:
        model = ProjectPhase
        fields = ["id", "order", "key", "name", "status"]
        read_only_fields = fields


class PhaseAdvanceRefusedOutput(serializers.Serializer):
    detail = serializers.CharField()
    missing = OpenItemOutput(many=True, required=False, help_text="what the phase still needs (gates, deliverables)")


class PhaseAdvanceOutput(serializers.Serializer):
    completed = PhaseRefOutput()
    started = PhaseRefOutput()
    warnings = OpenItemOutput(many=True)
    warning = serializers.CharField(allow_null=True)


@extend_schema_view(list=extend_schema(tags=["lifecycle"]), retrieve=extend_schema(tags=["lifecycle"]))
class PhaseViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = ProjectPhase
    serializer_class = PhaseOutput
    filterset_class = filters.PhaseFilterSet
    sort_keys = filters.PHASE_SORTS
    ordering = ["order"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.project_phases(project=self.project, queryset=queryset)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current_phase_id": self.project.current_phase_id}

    @extend_schema(
        request=None,
        responses={
            200: PhaseAdvanceOutput,
            400: OpenApiResponse(
                PhaseAdvanceRefusedOutput,
                description="Not allowed now; with unmet gate requirements, ``missing`` lists them.",
            ),
            409: OpenApiResponse(description="The project is closed or cancelled."),
        },
        tags=["lifecycle"],
        description="Complete the current phase and start the next. A controlling or directive PMO requires a "
        "recorded go at every gate of the phase and every required deliverable done or waived; a supportive one "
        "lets the phase pass and returns (and records) the open items as ``warnings``.",
    )
    @action(detail=False, methods=["post"])
    def advance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        result = services.phase_advance(organization=self.organization, actor=request.user, project=self.project)
        warning = None
        if result.warnings:
            warning = _("Passed with open items: %(items)s.") % {
                "items": "; ".join(services.describe_open_item(item) for item in result.warnings)
            }
        return Response(
            PhaseAdvanceOutput(
                {
                    "completed": result.completed,
                    "started": result.started,
                    "warnings": result.warnings,
                    "warning": warning,
                }
            ).data
        )


class DeliverableOutput(serializers.ModelSerializer):
    phase_name = serializers.CharField(source="phase.name", read_only=True)
    updated_by = PersonOutput(read_only=True, allow_null=True)

    class Meta:
        model = ProjectDeliverable
        fields = [
            "id",
            "phase",
            "phase_name",
            "order",
            "name",
            "required",
            "status",
            "note",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class DeliverableInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in services.DELIVERABLE_SETTABLE])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


@extend_schema_view(list=extend_schema(tags=["lifecycle"]), retrieve=extend_schema(tags=["lifecycle"]))
class DeliverableViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = ProjectDeliverable
    serializer_class = DeliverableOutput
    filterset_class = filters.DeliverableFilterSet
    sort_keys = filters.DELIVERABLE_SORTS
    ordering = ["phase"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            super()
            .restrict_queryset(queryset)
            .select_related("phase", "updated_by")
            .order_by("phase__order", "order", "pk")
        )

    @extend_schema(
        request=DeliverableInput,
        responses={200: DeliverableOutput},
        tags=["lifecycle"],
        description="Mark done, waive (``note`` is the reason, required) or reopen (``pending``).",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deliverable = self.get_object()
        self.require_change()
        data = DeliverableInput(data=request.data)
        data.is_valid(raise_exception=True)
        deliverable = services.deliverable_set_status(
            organization=self.organization, actor=request.user, deliverable=deliverable, **data.validated_data
        )
        return Response(DeliverableOutput(deliverable).data)


class ChecklistItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a declared field, not Field.required
    status = serializers.ChoiceField(choices=ProjectDeliverable.Status.choices)
    note = serializers.CharField(allow_blank=True)


class GateDecisionOutput(serializers.Serializer):
    decision = serializers.CharField()
    conditions = serializers.CharField()
    note = serializers.CharField()
    checklist = ChecklistItemOutput(many=True, help_text="the phase's deliverables when decided")
    decided_by = PersonOutput()
    decided_at = serializers.DateTimeField()


class GateOutput(serializers.ModelSerializer):
    phase_name = serializers.CharField(source="phase.name", read_only=True)
    decided_by = PersonOutput(read_only=True, allow_null=True)
    checklist = ChecklistItemOutput(many=True, read_only=True, help_text="the phase's deliverables when decided")
    decisions = GateDecisionOutput(source="decision_list", many=True, read_only=True)

    class Meta:
        model = GateReview
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "decider",
            "phase",
            "phase_name",
            "planned_date",
            "decision",
            "conditions",
            "note",
            "checklist",
            "decided_by",
            "decided_at",
            "decisions",
        ]
        read_only_fields = fields


class GateDecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[d.value for d in services.GATE_DECISIONS])
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(list=extend_schema(tags=["lifecycle"]), retrieve=extend_schema(tags=["lifecycle"]))
class GateViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = GateReview
    serializer_class = GateOutput
    filterset_class = filters.GateFilterSet
    sort_keys = filters.GATE_SORTS
    ordering = ["phase"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.project_gates(project=self.project, queryset=queryset)

    @extend_schema(
        request=GateDecideInput,
        responses={200: GateOutput},
        tags=["lifecycle"],
        description="Record a decision: go (with optional conditions), no-go, recycle (back to the gate's phase, "
        "the gate pending again) or hold (the project goes on hold); no-go, recycle and hold need a note. DCPs "
        "need ``gates.decide_executive``; generic gates and TRs ``gates.decide_pmo``.",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        gate = self.get_object()
        if not self.access.can(permissions.gate_decider_capability(gate.decider)):
            raise exceptions.PermissionDenied()
        data = GateDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.gate_decide(organization=self.organization, actor=request.user, gate=gate, **data.validated_data)
        return Response(GateOutput(self.get_queryset().get(pk=gate.pk)).data)


# --- Tailoring -------------------------------------------------------------------------------------------------


class TailoringOutput(serializers.ModelSerializer):
    proposed_by = PersonOutput(read_only=True)
    decided_by = PersonOutput(read_only=True, allow_null=True)

    class Meta:
        model = TailoringRequest
        fields = [
            "id",
            "justification",
            "phases",
            "deliverables",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class TailoringInput(serializers.Serializer):
    justification = serializers.CharField()
    phases = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    deliverables = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)


class DecisionNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(list=extend_schema(tags=["lifecycle"]), retrieve=extend_schema(tags=["lifecycle"]))
class TailoringViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = TailoringRequest
    serializer_class = TailoringOutput
    filterset_class = filters.TailoringFilterSet
    sort_keys = filters.TAILORING_SORTS
    ordering = ["-proposed"]
    capabilities = {"approve": Capability.TAILORING_APPROVE, "reject": Capability.TAILORING_APPROVE}

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            super()
            .restrict_queryset(queryset)
            .select_related("proposed_by", "decided_by")
            .order_by("-proposed_at", "-pk")
        )

    @extend_schema(
        request=TailoringInput,
        responses={201: TailoringOutput},
        tags=["lifecycle"],
        description="Propose dropping optional phases and deliverables (ids). Required ones are refused (400). "
        "A supportive organisation records and applies the request at once (status ``recorded``).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        data = TailoringInput(data=request.data)
        data.is_valid(raise_exception=True)
        tailoring = services.tailoring_propose(
            organization=self.organization,
            actor=request.user,
            project=self.project,
            justification=data.validated_data["justification"],
            phase_ids=data.validated_data["phases"],
            deliverable_ids=data.validated_data["deliverables"],
        )
        return Response(TailoringOutput(tailoring).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, *, approve: bool) -> Response:
        tailoring = self.get_object()
        data = DecisionNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        tailoring = services.tailoring_decide(
            organization=self.organization,
            actor=request.user,
            tailoring=tailoring,
            approve=approve,
            note=data.validated_data["note"],
        )
        return Response(TailoringOutput(tailoring).data)

    @extend_schema(request=DecisionNoteInput, responses={200: TailoringOutput}, tags=["lifecycle"])
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionNoteInput, responses={200: TailoringOutput}, tags=["lifecycle"])
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, approve=False)


# --- Baselines -------------------------------------------------------------------------------------------------


class BaselineMilestoneOutput(serializers.Serializer):
    milestone = serializers.IntegerField(allow_null=True, help_text="the milestone's id")
    name = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    weight = serializers.IntegerField(required=False)


class BaselinePhaseOutput(serializers.Serializer):
    phase = serializers.IntegerField(allow_null=True, help_text="the phase's id")
    name = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    finish = serializers.DateField(allow_null=True)


class BaselineOutput(serializers.ModelSerializer):
    approved_by = PersonOutput(read_only=True)
    milestone_dates = BaselineMilestoneOutput(many=True, read_only=True)
    phase_dates = BaselinePhaseOutput(
        many=True, read_only=True, help_text="the phases' dates as approved (empty when the plan had none)"
    )

    class Meta:
        model = Baseline
        fields = [
            "id",
            "version",
            "budget",
            "start_date",
            "finish_date",
            "milestone_dates",
            "phase_dates",
            "scope_statement",
            "quality_targets",
            "reason",
            "reason_category",
            "change_request_id",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields


class CompareQuery(serializers.Serializer):
    a = serializers.IntegerField(min_value=1)
    b = serializers.IntegerField(min_value=1)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}],
        "nullable": True,
        "description": "the value: a date (ISO), an amount (decimal string), a number or text",
    }
)
class ComparedValueField(serializers.JSONField):
    pass


class FieldDifferenceOutput(serializers.Serializer):
    field = serializers.CharField()
    a = ComparedValueField(allow_null=True)
    b = ComparedValueField(allow_null=True)
    changed = serializers.BooleanField()
    delta = serializers.DecimalField(max_digits=17, decimal_places=2, required=False)
    shift_days = serializers.IntegerField(required=False, allow_null=True)


class MilestoneShiftOutput(serializers.Serializer):
    milestone = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    a = serializers.DateField(allow_null=True)
    b = serializers.DateField(allow_null=True)
    shift_days = serializers.IntegerField(allow_null=True)
    change = serializers.ChoiceField(choices=["moved", "unchanged", "added", "removed"])


class BaselineCompareOutput(serializers.Serializer):
    a = serializers.IntegerField(source="a.version")
    b = serializers.IntegerField(source="b.version")
    budget_delta = serializers.DecimalField(max_digits=17, decimal_places=2)
    changed_fields = serializers.ListField(child=serializers.CharField())
    differences = FieldDifferenceOutput(source="fields", many=True)
    milestones = MilestoneShiftOutput(many=True)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value) if not hasattr(value, "isoformat") else value.isoformat()


@extend_schema_view(list=extend_schema(tags=["baselines"]), retrieve=extend_schema(tags=["baselines"]))
class BaselineViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A project's immutable baselines, addressed by version (``baselines/2/``)."""

    model = Baseline
    serializer_class = BaselineOutput
    filterset_class = filters.BaselineFilterSet
    sort_keys = filters.BASELINE_SORTS
    ordering = ["version"]
    lookup_field = "version"
    lookup_value_regex = r"\d+"

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return super().restrict_queryset(queryset).select_related("approved_by").order_by("version")

    @extend_schema(
        parameters=[
            OpenApiParameter("a", OpenApiTypes.INT, required=True, description="version from"),
            OpenApiParameter("b", OpenApiTypes.INT, required=True, description="version to"),
        ],
        responses={200: BaselineCompareOutput},
        tags=["baselines"],
        description="Field-by-field differences from version ``a`` to version ``b``: budget delta, date shifts "
        "and each milestone's shift in days.",
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = CompareQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        a = selectors.baseline_get(project=self.project, version=query.validated_data["a"])
        b = selectors.baseline_get(project=self.project, version=query.validated_data["b"])
        comparison = selectors.baseline_compare(a=a, b=b)
        for entry in comparison["fields"]:
            entry["a"], entry["b"] = _jsonable(entry["a"]), _jsonable(entry["b"])
        return Response(BaselineCompareOutput(comparison).data)


# --- Closure ---------------------------------------------------------------------------------------------------


class LessonSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=250)
    text = serializers.CharField()


class ClosureOutput(serializers.ModelSerializer):
    submitted_by = PersonOutput(read_only=True, allow_null=True)
    decided_by = PersonOutput(read_only=True, allow_null=True)
    lessons = LessonSerializer(many=True, read_only=True)
    baseline_budget = serializers.SerializerMethodField()
    baseline_finish = serializers.SerializerMethodField()
    cost_variance = serializers.SerializerMethodField()
    schedule_variance_days = serializers.SerializerMethodField()

    class Meta:
        model = ClosureReport
        fields = [
            "id",
            "status",
            "outcome",
            "outcome_summary",
            "final_cost",
            "actual_start",
            "actual_finish",
            "customer_satisfaction",
            "performance_evaluation",
            "lessons",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "baseline_budget",
            "baseline_finish",
            "cost_variance",
            "schedule_variance_days",
        ]
        read_only_fields = fields

    def _summary(self) -> selectors.ClosureSummary:
        return self.context["summary"]

    def get_baseline_budget(self, report: ClosureReport) -> str | None:
        baseline = self._summary().baseline
        return str(baseline.budget) if baseline else None

    def get_baseline_finish(self, report: ClosureReport) -> str | None:
        baseline = self._summary().baseline
        return baseline.finish_date.isoformat() if baseline and baseline.finish_date else None

    def get_cost_variance(self, report: ClosureReport) -> str | None:
        value = self._summary().cost_variance
        return str(value) if value is not None else None

    def get_schedule_variance_days(self, report: ClosureReport) -> int | None:
        return self._summary().schedule_variance_days


class ClosureInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ClosureReport.Outcome.choices)
    outcome_summary = serializers.CharField()
    final_cost = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    actual_start = serializers.DateField(required=False, allow_null=True)
    actual_finish = serializers.DateField()
    customer_satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    performance_evaluation = serializers.CharField(required=False, allow_blank=True, default="")
    lessons = LessonSerializer(many=True, required=False, default=list)


class ClosureAPIBase(ProjectsAPIMixin, OrganizationAPIView):
    project: Project

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.project = selectors.project_get_for_actor(access=self.access, pk=kwargs["project_pk"])

    def summary_response(self, status_code: int = 200) -> Response:
        summary = selectors.project_closure(project=self.project)
        if summary.report is None:
            raise exceptions.NotFound(_("No closure report has been drafted for this project."))
        return Response(ClosureOutput(summary.report, context={"summary": summary}).data, status=status_code)

    def report(self) -> ClosureReport:
        report = ClosureReport.objects.filter(organization=self.organization, project=self.project).first()
        if report is None:
            raise exceptions.NotFound(_("No closure report has been drafted for this project."))
        return report


class ClosureView(ClosureAPIBase):
    """``projects/<id>/closure/``: the project's closure report (one per project)."""

    @extend_schema(responses={200: ClosureOutput, 404: OpenApiResponse(description="none drafted")}, tags=["closure"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.summary_response()

    @extend_schema(
        request=ClosureInput,
        responses={200: ClosureOutput, 201: ClosureOutput},
        tags=["closure"],
        description="Write the draft (created on first use; a returned report becomes a draft again).",
    )
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not selectors.project_can_change(access=self.access, project=self.project):
            raise exceptions.PermissionDenied()
        data = ClosureInput(data=request.data)
        data.is_valid(raise_exception=True)
        existed = ClosureReport.objects.filter(organization=self.organization, project=self.project).exists()
        services.closure_save_draft(
            organization=self.organization, actor=request.user, project=self.project, **data.validated_data
        )
        return self.summary_response(200 if existed else 201)


class ClosureActionView(ClosureAPIBase):
    """``projects/<id>/closure/<verb>/``: one view per verb (``submit``, ``approve``, ``return``)."""

    verb: str = ""

    def allowed(self) -> bool:
        return self.access.can(permissions.CLOSURE_APPROVE)

    def run(self, report: ClosureReport, note: str) -> None:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.allowed():
            raise exceptions.PermissionDenied()
        data = DecisionNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        if self.project.is_read_only:
            raise services.ProjectReadOnly(self.project)
        self.run(self.report(), data.validated_data["note"])
        self.project = selectors.project_get_for_actor(access=self.access, pk=self.project.pk)
        return self.summary_response()


CLOSURE_ACTION_RESPONSES = {
    200: ClosureOutput,
    404: OpenApiResponse(description="The project is not visible, or no closure report has been drafted."),
    409: OpenApiResponse(description="The project is closed or cancelled, or the report is not in that state."),
}


class ClosureSubmitView(ClosureActionView):
    @extend_schema(
        request=None,
        responses={
            **CLOSURE_ACTION_RESPONSES,
            400: OpenApiResponse(description="The draft is not complete (at least one lesson learned)."),
        },
        tags=["closure"],
        description="Hand the draft to the PMO (at least one lesson learned; the project's changers).",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def allowed(self) -> bool:
        return selectors.project_can_change(access=self.access, project=self.project)

    def run(self, report: ClosureReport, note: str) -> None:
        services.closure_submit(organization=self.organization, actor=self.request.user, report=report)


class ClosureApproveView(ClosureActionView):
    @extend_schema(
        request=DecisionNoteInput,
        responses=CLOSURE_ACTION_RESPONSES,
        tags=["closure"],
        description="Approve a submitted report (``closure.approve``): the project closes (read-only from then on) "
        "and each lesson becomes a knowledge article.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def run(self, report: ClosureReport, note: str) -> None:
        services.closure_approve(organization=self.organization, actor=self.request.user, report=report, note=note)


class ClosureReturnView(ClosureActionView):
    @extend_schema(
        request=DecisionNoteInput,
        responses=CLOSURE_ACTION_RESPONSES,
        tags=["closure"],
        description="Send a submitted report back to the manager with a ``note`` (required; ``closure.approve``).",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def run(self, report: ClosureReport, note: str) -> None:
        services.closure_return(organization=self.organization, actor=self.request.user, report=report, note=note)


# --- Dependencies ----------------------------------------------------------------------------------------------


class MilestoneRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    forecast_date = serializers.DateField(allow_null=True)
    actual_date = serializers.DateField(allow_null=True)


class ProjectRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class DependencyOutput(serializers.ModelSerializer):
    upstream = MilestoneRefOutput(read_only=True)
    downstream = MilestoneRefOutput(read_only=True)
    upstream_project = ProjectRefOutput(read_only=True)
    downstream_project = ProjectRefOutput(read_only=True)
    upstream_date = serializers.DateField(read_only=True, allow_null=True)
    need_date = serializers.DateField(read_only=True, allow_null=True)
    conflict = serializers.BooleanField(read_only=True)
    slip_days = serializers.SerializerMethodField()
    created_by = PersonOutput(read_only=True)

    class Meta:
        model = Dependency
        fields = [
            "id",
            "upstream_project",
            "upstream",
            "downstream_project",
            "downstream",
            "upstream_date",
            "need_date",
            "conflict",
            "slip_days",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_slip_days(self, dependency: Dependency) -> int | None:
        """How many days the upstream date lies after the date needed (positive only in a conflict)."""
        upstream, need = getattr(dependency, "upstream_date", None), getattr(dependency, "need_date", None)
        return (upstream - need).days if upstream and need else None


class DependencyInput(serializers.Serializer):
    upstream = serializers.IntegerField(min_value=1, help_text="the milestone needed (of one project)")
    downstream = serializers.IntegerField(min_value=1, help_text="the milestone that needs it (of another project)")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


@extend_schema_view(list=extend_schema(tags=["dependencies"]), retrieve=extend_schema(tags=["dependencies"]))
class DependencyViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """Cross-project dependencies between projects the caller can both see; conflicts first."""

    model = Dependency
    serializer_class = DependencyOutput
    filterset_class = filters.DependencyFilterSet
    sort_keys = selectors.DEPENDENCY_SORTS
    ordering = ["conflict"]
    capabilities = {"create": Capability.DEPENDENCIES_MANAGE, "destroy": Capability.DEPENDENCIES_MANAGE}

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.with_conflict_rank(selectors.dependencies_visible_to(access=self.access, queryset=queryset))

    def _visible_milestone(self, pk: int, field: str) -> Milestone:
        milestone = selectors.milestones_visible_to(access=self.access).filter(pk=pk).first()
        if milestone is None:
            raise serializers.ValidationError({field: [_("Choose a milestone of an open project you can see.")]})
        return milestone

    @extend_schema(request=DependencyInput, responses={201: DependencyOutput}, tags=["dependencies"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DependencyInput(data=request.data)
        data.is_valid(raise_exception=True)
        upstream = self._visible_milestone(data.validated_data["upstream"], "upstream")
        downstream = self._visible_milestone(data.validated_data["downstream"], "downstream")
        dependency = services.dependency_create(
            organization=self.organization,
            actor=request.user,
            upstream=upstream,
            downstream=downstream,
            note=data.validated_data["note"],
        )
        return Response(DependencyOutput(self.get_queryset().get(pk=dependency.pk)).data, status=201)

    @extend_schema(responses={204: None}, tags=["dependencies"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        dependency = self.get_object()
        services.dependency_delete(organization=self.organization, actor=request.user, dependency=dependency)
        return Response(status=status.HTTP_204_NO_CONTENT)
