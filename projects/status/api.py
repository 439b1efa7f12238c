"""Weekly status API under ``/api/v1/orgs/<org>/``: ``projects/<id>/status-reports/`` (list, create, retrieve with
revisions, partial_update with ``version``; actions ``submit``, ``accept``, ``return``, ``amend``),
``status-reports/`` (organisation-wide, filters ``week``, ``state``, ``project``) and ``control-policy/``.

A project the caller may not read is 404 for everything under it. Writers need the right to change the project
(403 otherwise); ``accept`` and ``return`` need ``status.review``; changing the control policy needs
``control.manage``. A duplicate week and a stale ``version`` are 409; bad input is 400 with field errors.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import PaginatedListMixin, SortKeysMixin, ordering_param
from pmo.core.listing import sort_rows
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import ProjectNestedMixin, ProjectsAPIMixin
from projects.api_fields import WeekField
from projects.models import ControlPolicy, Rag, StatusReport, StatusRevision
from projects.policy import POLICY_FIELDS, control_policy_get, control_policy_update, current_week_start
from projects.status import filters, selectors, services
from projects.status.forms import COMPLIANCE_STATES

# The web list's sorts of a week's compliance rows (computed in Python, not SQL).
from projects.status.views import COMPLIANCE_SORT_KEYS

# --- Serializers --------------------------------------------------------------------------------------------------


class ReasonOutput(serializers.Serializer):
    factor = serializers.CharField()
    value = serializers.CharField()
    rag = serializers.CharField()
    threshold = serializers.CharField(allow_null=True)
    text = serializers.CharField()


class ReasonsField(serializers.ListField):
    child = ReasonOutput()

    def to_representation(self, data: Any) -> Any:
        return super().to_representation(selectors.describe_reasons(list(data or [])))


class EscalationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    decision_needed = serializers.BooleanField(required=False, default=False)
    decision_from = serializers.CharField(required=False, allow_blank=True, default="")
    resolved = serializers.BooleanField(required=False, default=False)


CONTENT_OUTPUT_FIELDS = [*services.CONTENT_FIELDS, *services.EVM_FIELDS]


def suggested_rag_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Rag.choices, allow_blank=True, read_only=True, help_text="empty until the report is first submitted"
    )


class RevisionOutput(serializers.ModelSerializer):
    submitted_by = serializers.EmailField(source="submitted_by.email", read_only=True)
    suggested_rag = suggested_rag_field()
    suggested_reasons = ReasonsField(read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta:
        model = StatusRevision
        fields = ["number", "submitted_at", "submitted_by", *CONTENT_OUTPUT_FIELDS]
        read_only_fields = fields


class StatusReportOutput(serializers.ModelSerializer):
    week = WeekField(source="week_start", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    submitted_by = serializers.EmailField(source="submitted_by.email", read_only=True, default=None, allow_null=True)
    reviewed_by = serializers.EmailField(source="reviewed_by.email", read_only=True, default=None, allow_null=True)
    suggested_rag = suggested_rag_field()
    suggested_reasons = ReasonsField(read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "project",
            "project_code",
            "week",
            "week_start",
            "state",
            "revision",
            "version",
            "due_at",
            "is_late",
            "first_submitted_at",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "review_comment",
            *CONTENT_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class StatusReportDetailOutput(StatusReportOutput):
    revisions = RevisionOutput(many=True, read_only=True, source="revision_list")

    class Meta(StatusReportOutput.Meta):
        fields = [*StatusReportOutput.Meta.fields, "revisions"]
        read_only_fields = fields


class StartInput(serializers.Serializer):
    week = WeekField(required=False)


class ContentInput(serializers.Serializer):
    """The editable content; validated again (and completely) by the service."""

    rag_overall = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_schedule = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_cost = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_scope = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_quality = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_resources = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_risk = serializers.ChoiceField(choices=Rag.choices, required=False)
    rag_justification = serializers.CharField(required=False, allow_blank=True)
    percent_complete = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    actual_cost = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)
    forecast_finish = serializers.DateField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    accomplishments = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    escalations = EscalationSerializer(many=True, required=False)


class UpdateInput(ContentInput):
    version = serializers.IntegerField(min_value=1)


class SubmitInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class AcceptInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnInput(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True)


def _content(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "escalations" in values:
        values["escalations"] = [dict(item) for item in values["escalations"]]
    return values


# --- Views --------------------------------------------------------------------------------------------------------

TAGS = ["status"]


@extend_schema_view(
    list=extend_schema(tags=TAGS, description="The project's weekly reports, newest week first."),
    retrieve=extend_schema(tags=TAGS, responses={200: StatusReportDetailOutput}),
)
class ProjectStatusReportViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A project's weekly status reports (周报), one per ISO week."""

    model = StatusReport
    serializer_class = StatusReportOutput
    filterset_class = filters.ProjectStatusReportFilterSet
    sort_keys = filters.REPORT_SORTS
    ordering = ["-week"]
    capabilities = {"accept": Capability.STATUS_REVIEW, "return_report": Capability.STATUS_REVIEW}

    def restrict_queryset(self, queryset: Any) -> Any:
        reports = super().restrict_queryset(queryset)
        if self.action == "list":
            return reports.select_related(*selectors.REPORT_RELATED).order_by("-week_start")
        if self.action == "retrieve":
            return selectors.prefetch_revisions(reports.select_related(*selectors.REPORT_RELATED))
        # A write locks and reads the report again, then answers it read afresh (``_detail``): its own row suffices.
        return reports

    def get_serializer_class(self) -> Any:
        return StatusReportOutput if self.action == "list" else StatusReportDetailOutput

    def _detail(self, report: StatusReport, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.prefetch_revisions(
            StatusReport.objects.filter(organization=self.organization, pk=report.pk).select_related(
                *selectors.REPORT_RELATED
            )
        ).get()
        return Response(StatusReportDetailOutput(fresh).data, status=code)

    @extend_schema(
        tags=TAGS,
        request=StartInput,
        responses={201: StatusReportDetailOutput},
        description="Start the draft of a week (default: the current week in the organisation's time zone), "
        "pre-filled from the latest earlier report. 409 when the week has a report already.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        data = StartInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.status_report_start(
            organization=self.organization,
            actor=request.user,
            project=self.project,
            week_start=data.validated_data.get("week"),
        )
        return self._detail(report, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=UpdateInput,
        responses={200: StatusReportDetailOutput},
        description="Change a draft or returned report. ``version`` is required; a stale one answers 409.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        self.require_change()
        data = UpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _content(data.validated_data)
        version = values.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": [_("Send the version you read.")]})
        services.status_report_save(
            organization=self.organization, actor=request.user, report=report, version=version, **values
        )
        return self._detail(report)

    @extend_schema(tags=TAGS, request=SubmitInput, responses={200: StatusReportDetailOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit to the PMO: freezes the next revision with the earned value and the suggested RAG. An overall
        RAG better than the suggestion needs ``rag_justification`` (400)."""
        report = self.get_object()
        self.require_change()
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.status_report_submit(
            organization=self.organization,
            actor=request.user,
            report=report,
            version=data.validated_data.get("version"),
        )
        return self._detail(report)

    @extend_schema(tags=TAGS, request=AcceptInput, responses={200: StatusReportDetailOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.status_report_accept(
            organization=self.organization, actor=request.user, report=report, note=data.validated_data["note"]
        )
        return self._detail(report)

    @extend_schema(tags=TAGS, request=ReturnInput, responses={200: StatusReportDetailOutput})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Return a submitted report to the manager with a ``comment`` (required)."""
        report = self.get_object()
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.status_report_return(
            organization=self.organization, actor=request.user, report=report, comment=data.validated_data["comment"]
        )
        return self._detail(report)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={
            200: StatusReportDetailOutput,
            400: OpenApiResponse(description="Only a submitted or accepted report can be amended."),
        },
    )
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reopen a submitted or accepted report as a draft; resubmitting adds the next revision."""
        report = self.get_object()
        self.require_change()
        services.status_report_amend(organization=self.organization, actor=request.user, report=report)
        return self._detail(report)


@extend_schema_view(
    list=extend_schema(tags=TAGS, description="Reports of every project the caller may read, newest week first."),
    retrieve=extend_schema(tags=TAGS, responses={200: StatusReportDetailOutput}),
)
class StatusReportViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """The organisation's weekly status reports (of the projects the caller may read)."""

    model = StatusReport
    serializer_class = StatusReportOutput
    filterset_class = filters.StatusReportFilterSet
    sort_keys = filters.REPORT_SORTS
    ordering = ["-week"]

    def restrict_queryset(self, queryset: Any) -> Any:
        reports = selectors.status_reports_visible_to(access=self.access, queryset=queryset)
        return reports if self.action == "list" else selectors.prefetch_revisions(reports)

    def get_serializer_class(self) -> Any:
        return StatusReportOutput if self.action == "list" else StatusReportDetailOutput


# --- Compliance of a week -----------------------------------------------------------------------------------------


class ComplianceQuery(serializers.Serializer):
    week = WeekField(required=False, help_text="ISO week (default: the current week in the organisation's time zone)")
    state = serializers.ChoiceField(choices=COMPLIANCE_STATES, required=False)
    portfolio = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    manager = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="words of the code or name")
    ordering = ordering_param(COMPLIANCE_SORT_KEYS, default="project")


class ComplianceProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    manager = serializers.CharField(source="manager.get_full_name", default=None, allow_null=True)
    portfolio = serializers.CharField(source="portfolio.name", default=None, allow_null=True)


class ComplianceReportOutput(serializers.ModelSerializer):
    reviewed_by = serializers.CharField(source="reviewed_by.get_full_name", default=None, allow_null=True)

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "state",
            "revision",
            *services.RAG_FIELDS,
            "percent_complete",
            "actual_cost",
            "forecast_finish",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "reviewed_by",
        ]
        read_only_fields = fields


class ComplianceRowOutput(serializers.Serializer):
    project = ComplianceProjectOutput()
    state = serializers.ChoiceField(
        choices=[*StatusReport.State.values, selectors.MISSING, "none"],
        help_text="the report's state; missing: never submitted and past due; none: not started, not yet due",
    )
    late = serializers.BooleanField(help_text="first submitted after its due time, or still unsubmitted past it")
    missing = serializers.BooleanField()
    due_at = serializers.DateTimeField()
    report = ComplianceReportOutput(allow_null=True)


class StatusComplianceView(PaginatedListMixin, ProjectsAPIMixin, OrganizationAPIView):
    """``status-compliance/``: a week's status compliance (the Weekly status page)."""

    @extend_schema(
        tags=TAGS,
        parameters=[ComplianceQuery],
        responses={200: ComplianceRowOutput(many=True)},
        description="Each active or on-hold project the caller may read, with its report of the week (if any) and "
        "whether it is late or missing; ``state`` also takes ``late`` and ``missing``. Sorted by project code "
        "unless ``ordering`` is given (project, manager, portfolio, overall, state, submitted).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ComplianceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        compliance = selectors.status_compliance(
            access=self.access,
            week_start=data.get("week") or current_week_start(organization=self.organization),
            portfolio=data.get("portfolio"),
            manager=data.get("manager"),
            search=data.get("q", ""),
        )
        rows = selectors.compliance_rows(compliance, state=data.get("state", ""))
        return self.paginated(sort_rows(rows, data["ordering"], COMPLIANCE_SORT_KEYS), ComplianceRowOutput)


# --- Control policy -----------------------------------------------------------------------------------------------


class ControlPolicyOutput(serializers.ModelSerializer):
    class Meta:
        model = ControlPolicy
        fields = [*POLICY_FIELDS, "version", "updated_at"]
        read_only_fields = fields


class ControlPolicyInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    status_due_weekday = serializers.ChoiceField(choices=ControlPolicy.Weekday.choices, required=False)
    status_due_time = serializers.TimeField(required=False)
    spi_amber_below = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, required=False)
    spi_red_below = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, required=False)
    cpi_amber_below = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, required=False)
    cpi_red_below = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, required=False)
    slip_amber_days = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    slip_red_days = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    escalations_amber = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    escalations_red = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    cr_executive_cost_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False
    )
    cr_executive_finish_days = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class ControlPolicyView(ProjectsAPIMixin, OrganizationAPIView):
    """The organisation's control policy: when weekly status is due, the thresholds of the suggested RAG, when a
    change request needs an executive. Every member reads it; ``control.manage`` changes it."""

    capabilities = {"PATCH": Capability.CONTROL_POLICY_MANAGE}

    @extend_schema(tags=TAGS, responses={200: ControlPolicyOutput})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ControlPolicyOutput(control_policy_get(organization=self.organization)).data)

    @extend_schema(
        tags=TAGS,
        request=ControlPolicyInput,
        responses={200: ControlPolicyOutput},
        description="Change the policy; ``version`` is required, a stale one answers 409.",
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ControlPolicyInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": [_("Send the version you read.")]})
        policy = control_policy_update(organization=self.organization, actor=request.user, version=version, **values)
        return Response(ControlPolicyOutput(policy).data)
