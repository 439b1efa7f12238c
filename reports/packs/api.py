"""Report packs in the API, under ``/api/v1/orgs/<org>/``:

- ``reports/`` — the stored reports the caller may read (``?kind=&state=&project=&period=``,
  ``?ordering=requested|generated|period|kind|project``), newest first, never with the PDF bytes;
  ``reports/<id>/``; ``POST reports/generate/`` ``{"kind", "period"?, "project"?}`` → 202 with the report (``id``,
  ``state``, ``generation``); ``GET reports/<id>/pdf/`` (also without the slash) → 200 ``application/pdf`` once a
  PDF is stored (the previous one while a regeneration renders), 202 while the first one renders, 409 when it
  failed;
- ``subscriptions/`` — the caller's own e-mail subscriptions (``REPORTS_VIEW``): list, retrieve, ``POST {"kind"}``,
  DELETE;
- ``report-schedules/`` — when the packs are produced (``REPORTS_VIEW``); PATCH with ``version``
  (``REPORTS_SCHEDULE``; 409 when stale).

Every list is paginated.

A report the caller may not read is 404; a project of another organisation is the same 400 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.core.listing import SortKey
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects import selectors as project_selectors
from projects.api import PersonOutput, ProjectRefOutput, ProjectsAPIMixin
from reports import periods
from reports.models import ORGANIZATION_REPORT_KINDS, Report, ReportKind, ReportSchedule, ReportSubscription
from reports.packs import schedules, selectors, services
from reports.packs.filters import ReportFilterSet, ReportScheduleFilterSet, ReportSubscriptionFilterSet
from reports.packs.views import pdf_response

# --- Output ------------------------------------------------------------------------------------------------------


class ReportOutput(serializers.ModelSerializer):
    project = ProjectRefOutput(read_only=True, allow_null=True)
    requested_by = PersonOutput(read_only=True, allow_null=True)
    period_label = serializers.SerializerMethodField()
    has_pdf = serializers.BooleanField(read_only=True, help_text="a PDF is stored (served by pdf/)")

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "period",
            "period_label",
            "project",
            "language",
            "title",
            "state",
            "trigger",
            "generation",
            "requested_by",
            "requested_at",
            "started_at",
            "generated_at",
            "has_pdf",
            "pages",
            "size_bytes",
            "render_ms",
            "attempts",
            "error",
        ]
        read_only_fields = fields

    def get_period_label(self, report: Report) -> str:
        return periods.period_display(report.kind, report.period)


class ReportPendingOutput(serializers.Serializer):
    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=Report.State.choices)
    generation = serializers.IntegerField()


class ReportScheduleOutput(serializers.ModelSerializer):
    class Meta:
        model = ReportSchedule
        fields = ["id", "kind", "enabled", "weekday", "day_of_month", "time", "last_period", "version"]
        read_only_fields = fields


class ReportSubscriptionOutput(serializers.ModelSerializer):
    class Meta:
        model = ReportSubscription
        fields = ["id", "kind", "created_at"]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------------------------------


class ReportGenerateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="2026-W47 (weekly pack, one-pager) or 2026-11 (monthly review); default: the last complete "
        "period, this week for a one-pager; none for a closure report",
    )
    project = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="the project (one-pager, closure report)"
    )


class ReportSubscriptionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in ORGANIZATION_REPORT_KINDS])


class ReportScheduleInput(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    weekday = serializers.IntegerField(required=False, min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday")
    day_of_month = serializers.IntegerField(required=False, min_value=1, max_value=28)
    time = serializers.TimeField(required=False, help_text="local time of the organisation, HH:MM")
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


# --- Views -------------------------------------------------------------------------------------------------------


class IgnoreAcceptHeader(BaseContentNegotiation):
    """The PDF endpoint answers PDF bytes or a JSON status whatever the client accepts (``Accept: application/pdf``
    must not be a 406)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return (renderers[0], renderers[0].media_type)


@extend_schema_view(list=extend_schema(tags=["reports"]), retrieve=extend_schema(tags=["reports"]))
class ReportViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Stored report packs, newest request first."""

    model = Report
    serializer_class = ReportOutput
    filterset_class = ReportFilterSet
    sort_keys = selectors.REPORT_SORTS
    ordering = [selectors.REPORT_DEFAULT_SORT]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.reports_visible_to(access=self.access, queryset=queryset)

    @extend_schema(
        request=ReportGenerateInput,
        responses={202: OpenApiResponse(ReportOutput, description="queued: ask for its pdf/ until it is ready")},
        tags=["reports"],
        description="Queue a report for rendering (or its regeneration: same id, next generation, the previous PDF "
        "is served until the new one is ready). The organisation's packs need REPORTS_GENERATE; a project's "
        "one-pager or closure report needs only read access to the project.",
    )
    @action(detail=False, methods=["post"])
    def generate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReportGenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        project = None
        if values.get("project"):
            project = project_selectors.projects_visible_to(access=self.access).filter(pk=values["project"]).first()
            if project is None:
                raise serializers.ValidationError({"project": [_("Choose a project you can see.")]})
        report = services.report_request(
            organization=self.organization,
            actor=request.user,
            kind=values["kind"],
            period=values.get("period") or None,
            project=project,
        )
        fresh = selectors.report_get_for_actor(access=self.access, pk=report.pk)
        return Response(ReportOutput(fresh).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the PDF"),
            202: OpenApiResponse(ReportPendingOutput, description="queued or rendering: ask again"),
            409: OpenApiResponse(ReportPendingOutput, description="rendering failed (detail says why)"),
        },
        tags=["reports"],
    )
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreAcceptHeader, filter_backends=[])
    def pdf(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        report = selectors.report_get_for_actor(access=self.access, pk=kwargs["pk"], with_pdf=True)
        if report.pdf is not None:
            return pdf_response(report, organization_slug=self.organization.slug)
        code: int
        if report.state == Report.State.FAILED:
            detail = report.error or _("The report could not be rendered.")
            code = status.HTTP_409_CONFLICT
        else:
            detail = _("The report is still being rendered. Ask again in a moment.")
            code = status.HTTP_202_ACCEPTED
        payload = {"detail": detail, "state": report.state, "generation": report.generation}
        return Response(ReportPendingOutput(payload).data, status=code)


KIND_SORTS = {"kind": SortKey(gettext_lazy("Kind"), ("kind",))}


@extend_schema_view(list=extend_schema(tags=["reports"]), retrieve=extend_schema(tags=["reports"]))
class ReportSubscriptionViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The caller's own subscriptions to the organisation's packs (e-mail with the PDF attached)."""

    model = ReportSubscription
    serializer_class = ReportSubscriptionOutput
    capabilities = {"*": Capability.REPORTS_VIEW}
    filterset_class = ReportSubscriptionFilterSet
    sort_keys = KIND_SORTS
    ordering = ["kind"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.report_subscriptions(access=self.access, queryset=queryset)

    @extend_schema(
        request=ReportSubscriptionInput,
        responses={201: ReportSubscriptionOutput, 200: ReportSubscriptionOutput},
        tags=["reports"],
        description="Subscribe yourself (201; 200 when already subscribed).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReportSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, created = services.report_subscribe(
            organization=self.organization, actor=request.user, kind=data.validated_data["kind"]
        )
        return Response(
            ReportSubscriptionOutput(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={204: None}, tags=["reports"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subscription = self.get_object()
        services.report_unsubscribe(organization=self.organization, actor=request.user, kind=subscription.kind)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(tags=["reports"]), retrieve=extend_schema(tags=["reports"]))
class ReportScheduleViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """When the organisation's packs are produced, in its time zone."""

    model = ReportSchedule
    serializer_class = ReportScheduleOutput
    capabilities = {"partial_update": Capability.REPORTS_SCHEDULE, "*": Capability.REPORTS_VIEW}
    filterset_class = ReportScheduleFilterSet
    sort_keys = KIND_SORTS
    ordering = ["kind"]

    @extend_schema(request=ReportScheduleInput, responses={200: ReportScheduleOutput}, tags=["reports"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self.get_object()
        data = ReportScheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not set(values) - {"version"}:
            raise serializers.ValidationError({"detail": _("Send at least one setting to change.")})
        version = values.pop("version", None)
        updated = schedules.report_schedule_update(
            organization=self.organization, actor=request.user, schedule=schedule, version=version, **values
        )
        return Response(ReportScheduleOutput(updated).data)


@extend_schema_view(pdf=extend_schema(exclude=True))
class ReportPdfNoSlashView(ReportViewSet):
    """``reports/<id>/pdf`` as the issue spells it: the same endpoint as ``reports/<id>/pdf/`` (documented once)."""

    content_negotiation_class = IgnoreAcceptHeader
