"""What-if scenarios (``scenarios/``): creating one computes the selection and stores it; compare two."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from portfolio import permissions, selectors, services
from portfolio.api import filters
from portfolio.api.fields import UserOutput
from portfolio.explanations import reason_text
from portfolio.models import Scenario, ScenarioItem


class ScenarioInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    budget_cap = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    capacity_cap_hours = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True, default=None
    )
    include_active_projects = serializers.BooleanField(default=True)


class ScenarioItemOutput(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField(help_text="Why it is in or out, in the caller's language.")

    class Meta:
        model = ScenarioItem
        fields = [
            "rank",
            "request_id",
            "project_id",
            "label",
            "cost",
            "effort_hours",
            "value",
            "selected",
            "reason_code",
            "reason_amount",
            "reason",
        ]
        read_only_fields = fields

    def get_reason(self, item: ScenarioItem) -> str:
        return reason_text(item.reason_code, item.reason_amount, currency=self.context["currency"]) or item.reason


class ScenarioOutput(serializers.ModelSerializer):
    created_by = UserOutput()
    item_count = serializers.IntegerField()
    selected_count = serializers.IntegerField()

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "description",
            "budget_cap",
            "capacity_cap_hours",
            "include_active_projects",
            "method",
            "cost_unit",
            "selected_cost",
            "selected_value",
            "item_count",
            "selected_count",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ScenarioDetailOutput(ScenarioOutput):
    items = serializers.SerializerMethodField()

    class Meta(ScenarioOutput.Meta):
        fields = [*ScenarioOutput.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(ScenarioItemOutput(many=True))
    def get_items(self, scenario: Scenario) -> Any:
        return ScenarioItemOutput(selectors.scenario_items(scenario=scenario), many=True, context=self.context).data


class ComparisonSideOutput(serializers.Serializer):
    count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    effort_hours = serializers.IntegerField()


class ComparisonRowOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    request_id = serializers.IntegerField(allow_null=True)
    project_id = serializers.IntegerField(allow_null=True)
    cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    value = serializers.DecimalField(max_digits=7, decimal_places=2)
    other_reason_code = serializers.CharField(allow_null=True, help_text="Why the other scenario left it out.")
    other_reason = serializers.CharField(allow_null=True)


class ComparisonOutput(serializers.Serializer):
    a = ScenarioOutput()
    b = ScenarioOutput()
    totals_a = ComparisonSideOutput()
    totals_b = ComparisonSideOutput()
    both = ComparisonRowOutput(many=True)
    only_a = ComparisonRowOutput(many=True)
    only_b = ComparisonRowOutput(many=True)


@extend_schema_view(
    list=extend_schema(tags=["intake"]),
    retrieve=extend_schema(tags=["intake"], responses={200: ScenarioDetailOutput}),
    destroy=extend_schema(tags=["intake"], responses={204: None}),
)
class ScenarioViewSet(
    SortKeysMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Saved what-if selections under a budget cap (and optionally a capacity cap in hours). Creating one computes
    the best selection among pending requests (and, when asked, planning and active projects) and stores every
    candidate with the reason it is in or out."""

    model = Scenario
    serializer_class = ScenarioOutput
    filterset_class = filters.ScenarioFilterSet
    sort_keys = filters.SCENARIO_SORTS
    ordering = ["-created"]
    capabilities = {
        "list": permissions.SCENARIOS_VIEW,
        "retrieve": permissions.SCENARIOS_VIEW,
        "compare": permissions.SCENARIOS_VIEW,
        "create": permissions.SCENARIOS_MANAGE,
        "destroy": permissions.SCENARIOS_MANAGE,
    }

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.scenarios_with_counts(organization=self.organization, queryset=queryset)

    def get_serializer_class(self) -> Any:
        return ScenarioDetailOutput if self.action == "retrieve" else ScenarioOutput

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "organization"):
            context["currency"] = self.organization.currency
        return context

    @extend_schema(tags=["intake"], request=ScenarioInput, responses={201: ScenarioDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ScenarioInput(data=request.data)
        data.is_valid(raise_exception=True)
        scenario = services.scenario_create(organization=self.organization, actor=request.user, **data.validated_data)
        fresh = self.get_queryset().get(pk=scenario.pk)
        return Response(
            ScenarioDetailOutput(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance: Scenario) -> None:
        services.scenario_delete(organization=self.organization, actor=self.request.user, scenario=instance)

    @extend_schema(
        tags=["intake"],
        parameters=[OpenApiParameter("a", int, required=True), OpenApiParameter("b", int, required=True)],
        responses={200: ComparisonOutput},
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Two scenarios side by side: selected in both, only in A, only in B, and the totals."""
        ids = {key: request.query_params.get(key, "") for key in ("a", "b")}
        missing = {key: [_("Give a scenario id.")] for key, value in ids.items() if not value.isdigit()}
        if missing:
            raise serializers.ValidationError(missing)
        a = selectors.scenario_get(organization=self.organization, pk=ids["a"])
        b = selectors.scenario_get(organization=self.organization, pk=ids["b"])
        comparison = selectors.scenario_compare(a=a, b=b)
        currency = self.organization.currency

        def row(item: ScenarioItem, other: ScenarioItem | None) -> dict[str, Any]:
            return {
                "label": item.label,
                "request_id": item.request_id,
                "project_id": item.project_id,
                "cost": item.cost,
                "value": item.value,
                "other_reason_code": other.reason_code if other else None,
                "other_reason": reason_text(other.reason_code, other.reason_amount, currency=currency)
                if other and not other.selected
                else None,
            }

        payload = {
            "a": a,
            "b": b,
            "totals_a": comparison.totals_a,
            "totals_b": comparison.totals_b,
            "both": [row(x, y) for x, y in comparison.both],
            "only_a": [row(x, y) for x, y in comparison.only_a],
            "only_b": [row(y, x) for x, y in comparison.only_b],
        }
        return Response(ComparisonOutput(payload).data)
