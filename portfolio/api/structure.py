"""Portfolios, programmes (``programs/``), strategic objectives and the scoring model (``scoring-criteria/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from portfolio import permissions, selectors, services
from portfolio.api import filters
from portfolio.api.fields import OrganizationRelatedField, RefOutput, UserOutput, member_field
from portfolio.models import Portfolio, Programme, ScoringCriterion, StrategicObjective
from projects.models import Project


class CrudViewSet(
    SortKeysMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationViewSet,
):
    """List and retrieve through the output serializer (``detail_class`` for a single object, when set); create,
    partial update and delete through the services named by ``create_service`` / ``update_service`` /
    ``delete_service`` (``organization``, ``actor`` and the object as ``object_kwarg``). Lists take the
    ``filterset_class`` and sort by the web list's ``sort_keys``."""

    input_class: type[serializers.Serializer]
    output_class: type[serializers.Serializer]
    detail_class: type[serializers.Serializer] | None = None
    object_kwarg: str
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> Any:
        return self.output_class if self.action == "list" else (self.detail_class or self.output_class)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "organization"):
            context["organization"] = self.organization
        return context

    def create_service(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def update_service(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def delete_service(self, **kwargs: Any) -> None:
        raise NotImplementedError

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        serializer = self.detail_class or self.output_class
        return Response(
            serializer(self.get_queryset().get(pk=pk), context=self.get_serializer_context()).data,
            status=status_code,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        obj = self.create_service(organization=self.organization, actor=request.user, **data.validated_data)
        return self._render(obj.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        data = self.input_class(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        self.update_service(
            organization=self.organization,
            actor=request.user,
            changes=data.validated_data,
            **{self.object_kwarg: obj},
        )
        return self._render(obj.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.delete_service(
            organization=self.organization, actor=request.user, **{self.object_kwarg: self.get_object()}
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def crud_schema(tag: str, input_class: Any, output_class: Any, detail_class: Any = None) -> Any:
    detail = detail_class or output_class
    return extend_schema_view(
        list=extend_schema(tags=[tag], responses={200: output_class(many=True)}),
        retrieve=extend_schema(tags=[tag], responses={200: detail}),
        create=extend_schema(tags=[tag], request=input_class, responses={201: detail}),
        partial_update=extend_schema(tags=[tag], request=input_class, responses={200: detail}),
        destroy=extend_schema(
            tags=[tag],
            responses={204: None, 400: OpenApiResponse(description="Still in use: move or delete what uses it first.")},
        ),
    )


READ_WRITE = {
    "list": permissions.PORTFOLIO_VIEW,
    "retrieve": permissions.PORTFOLIO_VIEW,
    "create": permissions.PORTFOLIO_MANAGE,
    "partial_update": permissions.PORTFOLIO_MANAGE,
    "destroy": permissions.PORTFOLIO_MANAGE,
}


# --- Portfolios -------------------------------------------------------------------------------------------------


class PortfolioInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = member_field(required=False, allow_null=True, default=None)


class PortfolioOutput(serializers.ModelSerializer):
    owner = UserOutput(allow_null=True)
    programme_count = serializers.IntegerField()
    project_count = serializers.IntegerField()
    active_count = serializers.IntegerField()
    total_budget = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        model = Portfolio
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "programme_count",
            "project_count",
            "active_count",
            "total_budget",
            "created_at",
        ]
        read_only_fields = fields


class StatusCountOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Project.Status.choices)
    count = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=18, decimal_places=2)
    percent = serializers.IntegerField(help_text="share of the projects, rounded")


def _status_mix_field() -> Any:
    return serializers.SerializerMethodField(
        help_text="How many projects (and how much budget) are in each status; every project counts, also those "
        "the caller may not open."
    )


class PortfolioDetailOutput(PortfolioOutput):
    status_mix = _status_mix_field()

    class Meta(PortfolioOutput.Meta):
        fields = [*PortfolioOutput.Meta.fields, "status_mix"]
        read_only_fields = fields

    @extend_schema_field(StatusCountOutput(many=True))
    def get_status_mix(self, portfolio: Portfolio) -> Any:
        mix = selectors.project_status_mix(organization=self.context["organization"], portfolio=portfolio)
        return StatusCountOutput(mix, many=True).data


@crud_schema("portfolios", PortfolioInput, PortfolioOutput, PortfolioDetailOutput)
class PortfolioViewSet(CrudViewSet):
    """The organisation's portfolios with their counts (a single one also with its status mix); the PMO and
    admins create, change and delete them."""

    model = Portfolio
    capabilities = READ_WRITE
    input_class = PortfolioInput
    output_class = PortfolioOutput
    detail_class = PortfolioDetailOutput
    object_kwarg = "portfolio"
    filterset_class = filters.PortfolioFilterSet
    sort_keys = selectors.PORTFOLIO_SORTS
    ordering = ["name"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.portfolios_with_counts(organization=self.organization, queryset=queryset)

    def create_service(self, **kwargs: Any) -> Any:
        return services.portfolio_create(**kwargs)

    def update_service(self, **kwargs: Any) -> Any:
        return services.portfolio_update(**kwargs)

    def delete_service(self, **kwargs: Any) -> None:
        services.portfolio_delete(**kwargs)


# --- Programmes -------------------------------------------------------------------------------------------------


class ProgrammeInput(serializers.Serializer):
    portfolio = OrganizationRelatedField(model=Portfolio)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    manager = member_field(required=False, allow_null=True, default=None)


class ProgrammeOutput(serializers.ModelSerializer):
    portfolio = RefOutput()
    manager = UserOutput(allow_null=True)
    project_count = serializers.IntegerField()
    active_count = serializers.IntegerField()
    total_budget = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "description",
            "portfolio",
            "manager",
            "project_count",
            "active_count",
            "total_budget",
            "created_at",
        ]
        read_only_fields = fields


class ProgrammeDetailOutput(ProgrammeOutput):
    status_mix = _status_mix_field()

    class Meta(ProgrammeOutput.Meta):
        fields = [*ProgrammeOutput.Meta.fields, "status_mix"]
        read_only_fields = fields

    @extend_schema_field(StatusCountOutput(many=True))
    def get_status_mix(self, programme: Programme) -> Any:
        mix = selectors.project_status_mix(organization=self.context["organization"], programme=programme)
        return StatusCountOutput(mix, many=True).data


@crud_schema("portfolios", ProgrammeInput, ProgrammeOutput, ProgrammeDetailOutput)
class ProgrammeViewSet(CrudViewSet):
    """Programmes (项目集), each inside one portfolio. ``?portfolio=<id>`` narrows the list."""

    model = Programme
    capabilities = READ_WRITE
    input_class = ProgrammeInput
    output_class = ProgrammeOutput
    detail_class = ProgrammeDetailOutput
    object_kwarg = "programme"
    filterset_class = filters.ProgrammeFilterSet
    sort_keys = selectors.PROGRAMME_SORTS
    ordering = ["name"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.programmes_with_counts(organization=self.organization, queryset=queryset)

    def create_service(self, **kwargs: Any) -> Any:
        return services.programme_create(**kwargs)

    def update_service(self, **kwargs: Any) -> Any:
        return services.programme_update(**kwargs)

    def delete_service(self, **kwargs: Any) -> None:
        services.programme_delete(**kwargs)


# --- Strategic objectives ---------------------------------------------------------------------------------------


class ObjectiveInput(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight = serializers.IntegerField(min_value=1, max_value=100, default=1)
    active = serializers.BooleanField(default=True)


class ObjectiveOutput(serializers.ModelSerializer):
    request_count = serializers.IntegerField()
    project_count = serializers.IntegerField()

    class Meta:
        model = StrategicObjective
        fields = ["id", "code", "name", "description", "weight", "active", "request_count", "project_count"]
        read_only_fields = fields


@crud_schema("portfolios", ObjectiveInput, ObjectiveOutput)
class ObjectiveViewSet(CrudViewSet):
    """Strategic objectives that requests and projects serve; their weights give strategic alignment."""

    model = StrategicObjective
    capabilities = READ_WRITE
    input_class = ObjectiveInput
    output_class = ObjectiveOutput
    object_kwarg = "objective"
    filterset_class = filters.ObjectiveFilterSet
    sort_keys = selectors.OBJECTIVE_SORTS
    ordering = ["code"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.objectives_with_counts(organization=self.organization, queryset=queryset)

    def create_service(self, **kwargs: Any) -> Any:
        return services.objective_create(**kwargs)

    def update_service(self, **kwargs: Any) -> Any:
        return services.objective_update(**kwargs)

    def delete_service(self, **kwargs: Any) -> None:
        services.objective_delete(**kwargs)


# --- Scoring model ----------------------------------------------------------------------------------------------


class CriterionInput(serializers.Serializer):
    key = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    weight = serializers.IntegerField(min_value=1, max_value=100)
    higher_is_better = serializers.BooleanField(default=True)
    order = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    active = serializers.BooleanField(default=True)


class CriterionOutput(serializers.ModelSerializer):
    score_count = serializers.IntegerField(
        help_text="How many review scores use it (a used criterion cannot be deleted)."
    )

    class Meta:
        model = ScoringCriterion
        fields = ["id", "key", "name", "description", "weight", "higher_is_better", "order", "active", "score_count"]
        read_only_fields = fields


@crud_schema("intake", CriterionInput, CriterionOutput)
class ScoringCriterionViewSet(CrudViewSet):
    """The organisation's intake scoring model: criteria scored 1–5, weights 1–100."""

    model = ScoringCriterion
    capabilities = {
        "list": permissions.SCORING_VIEW,
        "retrieve": permissions.SCORING_VIEW,
        "create": permissions.SCORING_MANAGE,
        "partial_update": permissions.SCORING_MANAGE,
        "destroy": permissions.SCORING_MANAGE,
    }
    input_class = CriterionInput
    output_class = CriterionOutput
    object_kwarg = "criterion"
    filterset_class = filters.CriterionFilterSet
    sort_keys = filters.CRITERION_SORTS
    ordering = ["order"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.scoring_criteria(organization=self.organization, queryset=queryset)

    def create_service(self, **kwargs: Any) -> Any:
        return services.criterion_create(**kwargs)

    def update_service(self, **kwargs: Any) -> Any:
        return services.criterion_update(**kwargs)

    def delete_service(self, **kwargs: Any) -> None:
        services.criterion_delete(**kwargs)
