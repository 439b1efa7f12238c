"""Intake requests (``requests/``) with their workflow actions, and the ranked pipeline (``pipeline/``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api import may_conflict
from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from portfolio import permissions, selectors, services
from portfolio.api import filters
from portfolio.api.fields import OrganizationRelatedField, RefOutput, UserOutput, conflicts_as_409, member_field
from portfolio.models import Portfolio, Programme, ProjectRequest, StrategicObjective

Status = ProjectRequest.Status


AMOUNT: dict[str, Any] = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal(0), "default": Decimal(0)}


class RequestInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    business_case = serializers.CharField(required=False, allow_blank=True, default="")
    objectives_text = serializers.CharField(required=False, allow_blank=True, default="")
    sponsor = member_field(required=False, allow_null=True, default=None, help_text="Defaults to the caller.")
    portfolio = OrganizationRelatedField(model=Portfolio, required=False, allow_null=True, default=None)
    programme = OrganizationRelatedField(model=Programme, required=False, allow_null=True, default=None)
    template = OrganizationRelatedField(rows=selectors.intake_templates, required=False, allow_null=True, default=None)
    proposed_manager = member_field(required=False, allow_null=True, default=None)
    estimated_cost = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal(0), default=Decimal(0))
    estimated_benefit = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    estimated_effort_hours = serializers.IntegerField(min_value=0, max_value=2_147_483_647, default=0)
    planned_start = serializers.DateField(required=False, allow_null=True, default=None)
    planned_finish = serializers.DateField(required=False, allow_null=True, default=None)
    objective_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=100
    )


class RequestUpdateInput(RequestInput):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale one is refused with 409 and nothing changes."
    )


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="Optional: refuse with 409 when the request changed since."
    )


class WithdrawInput(VersionInput):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreValueInput(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1)
    value = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ScoreInput(VersionInput):
    scores = ScoreValueInput(many=True, help_text="One value 1–5 for every active criterion of the scoring model.")
    feasibility_note = serializers.CharField()


class DecideInput(VersionInput):
    decision = serializers.ChoiceField(choices=sorted(services.DECISIONS))
    reason = serializers.CharField()


class ObjectiveRefOutput(serializers.ModelSerializer):
    class Meta:
        model = StrategicObjective
        fields = ["id", "code", "name", "weight"]
        read_only_fields = fields


class RequestProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RequestOutput(serializers.ModelSerializer):
    code = serializers.CharField()
    sponsor = UserOutput()
    proposed_manager = UserOutput(allow_null=True)
    portfolio = RefOutput(allow_null=True)
    programme = RefOutput(allow_null=True)
    template = RefOutput(allow_null=True)
    project = RequestProjectOutput(allow_null=True)

    class Meta:
        model = ProjectRequest
        fields = [
            "id",
            "number",
            "code",
            "title",
            "status",
            "sponsor",
            "proposed_manager",
            "portfolio",
            "programme",
            "template",
            "estimated_cost",
            "estimated_benefit",
            "estimated_effort_hours",
            "planned_start",
            "planned_finish",
            "score",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "project",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class ScoreOutput(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    criterion_key = serializers.CharField(source="criterion.key")
    criterion_name = serializers.CharField(source="criterion.name")
    weight = serializers.IntegerField(source="criterion.weight")
    higher_is_better = serializers.BooleanField(source="criterion.higher_is_better")
    value = serializers.IntegerField()
    note = serializers.CharField()


class TransitionOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = UserOutput()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class RequestDetailOutput(RequestOutput):
    created_by = UserOutput()
    objectives = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(RequestOutput.Meta):
        fields = [
            *RequestOutput.Meta.fields,
            "business_case",
            "objectives_text",
            "feasibility_note",
            "created_by",
            "objectives",
            "scores",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(ObjectiveRefOutput(many=True))
    def get_objectives(self, obj: ProjectRequest) -> list[dict[str, Any]]:
        return ObjectiveRefOutput(selectors.request_objectives(request=obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(ScoreOutput(many=True))
    def get_scores(self, obj: ProjectRequest) -> list[dict[str, Any]]:
        return ScoreOutput(selectors.request_scores(request=obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(TransitionOutput(many=True))
    def get_history(self, obj: ProjectRequest) -> list[dict[str, Any]]:
        return TransitionOutput(selectors.request_history(request=obj), many=True).data  # type: ignore[return-value]


RELATED = ("sponsor", "proposed_manager", "portfolio", "programme", "template", "project")


def _schema(summary: str, request: Any = None) -> Any:
    return extend_schema(tags=["intake"], summary=summary, request=request, responses={200: RequestDetailOutput})


@extend_schema_view(
    list=extend_schema(tags=["intake"], description="The intake queue: newest number first unless ``ordering``."),
    retrieve=extend_schema(tags=["intake"], responses={200: RequestDetailOutput}),
)
class ProjectRequestViewSet(SortKeysMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Project requests (立项申请). Readers with ``intake.view`` see every request, anyone else the requests they
    sponsor or created. Workflow: draft → submitted → in_review (scored) → approved / rejected / deferred
    (a deferred request may be edited and resubmitted); withdrawn by its sponsor before a decision."""

    model = ProjectRequest
    serializer_class = RequestOutput
    filterset_class = filters.RequestFilterSet
    sort_keys = selectors.REQUEST_SORTS
    ordering = ["-number"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    capabilities = {
        "list": Capability.ORG_VIEW,
        "retrieve": Capability.ORG_VIEW,
        "create": permissions.INTAKE_CREATE,
        "partial_update": Capability.ORG_VIEW,  # sponsor or author with intake.submit: checked on the object
        "submit": Capability.ORG_VIEW,
        "withdraw": Capability.ORG_VIEW,
        "score": permissions.INTAKE_REVIEW,
        "decide": permissions.INTAKE_DECIDE,
    }

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = selectors.requests_visible_to(access=self.access, queryset=queryset)
        return queryset.select_related(*RELATED).order_by("-number")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "organization"):
            context["organization"] = self.organization
        return context

    def get_serializer_class(self) -> Any:
        return RequestDetailOutput if self.action != "list" else RequestOutput

    def _detail(self, request_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().select_related("created_by").get(pk=request_id)
        return Response(RequestDetailOutput(fresh).data, status=status_code)

    def _object_for(self, action_name: str) -> ProjectRequest:
        obj: ProjectRequest = self.get_object()
        permissions.require_request_action(self.access, action_name, obj)
        return obj

    @extend_schema(tags=["intake"], request=RequestInput, responses={201: RequestDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RequestInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        created = services.request_create(organization=self.organization, actor=request.user, **data.validated_data)
        return self._detail(created.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=["intake"], request=RequestUpdateInput, responses={200: RequestDetailOutput, 409: None})
    @may_conflict
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a draft or deferred request (its sponsor or author). ``version`` is required."""
        obj = self._object_for(permissions.EDIT)
        data = RequestUpdateInput(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "version" not in changes:
            raise serializers.ValidationError({"version": [serializers.Field.default_error_messages["required"]]})
        version = changes.pop("version")
        objective_ids = changes.pop("objective_ids", None)
        with conflicts_as_409():
            services.request_update(
                organization=self.organization,
                actor=request.user,
                request=obj,
                version=version,
                changes=changes,
                objective_ids=objective_ids,
            )
        return self._detail(obj.pk)

    @_schema("Submit a draft or deferred request for review", VersionInput)
    @action(detail=True, methods=["post"])
    @may_conflict
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self._object_for(permissions.SUBMIT)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with conflicts_as_409():
            services.request_submit(
                organization=self.organization, actor=request.user, request=obj, **data.validated_data
            )
        return self._detail(obj.pk)

    @_schema("Withdraw a request before its decision", WithdrawInput)
    @action(detail=True, methods=["post"])
    @may_conflict
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self._object_for(permissions.WITHDRAW)
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        with conflicts_as_409():
            services.request_withdraw(
                organization=self.organization, actor=request.user, request=obj, **data.validated_data
            )
        return self._detail(obj.pk)

    @_schema("Score a request (PMO feasibility review)", ScoreInput)
    @action(detail=True, methods=["post"])
    @may_conflict
    def score(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self._object_for(permissions.SCORE)
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        scores = data.validated_data["scores"]
        if len({s["criterion"] for s in scores}) != len(scores):
            raise serializers.ValidationError({"scores": [_("Each criterion may be scored only once.")]})
        with conflicts_as_409():
            services.request_score(
                organization=self.organization,
                actor=request.user,
                request=obj,
                values={s["criterion"]: s["value"] for s in scores},
                notes={s["criterion"]: s["note"] for s in scores},
                feasibility_note=data.validated_data["feasibility_note"],
                version=data.validated_data.get("version"),
            )
        return self._detail(obj.pk)

    @_schema("Approve, reject or defer a request (approval creates the project)", DecideInput)
    @action(detail=True, methods=["post"])
    @may_conflict
    def decide(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self._object_for(permissions.DECIDE)
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        with conflicts_as_409():
            services.request_decide(
                organization=self.organization, actor=request.user, request=obj, **data.validated_data
            )
        return self._detail(obj.pk)


class PipelineOutput(RequestOutput):
    alignment = serializers.IntegerField(help_text="Summed weights of the strategic objectives served.")
    benefit_ratio = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, help_text="Estimated benefit ÷ cost; null without a cost."
    )
    objectives = serializers.SerializerMethodField()

    class Meta(RequestOutput.Meta):
        fields = [*RequestOutput.Meta.fields, "alignment", "benefit_ratio", "objectives"]
        read_only_fields = fields

    @extend_schema_field(ObjectiveRefOutput(many=True))
    def get_objectives(self, obj: ProjectRequest) -> list[dict[str, Any]]:
        return ObjectiveRefOutput([link.objective for link in obj.objective_links.all()], many=True).data  # type: ignore[return-value]


@extend_schema_view(list=extend_schema(tags=["intake"]))
class PipelineViewSet(SortKeysMixin, mixins.ListModelMixin, OrganizationViewSet):
    """Requests waiting for a decision (submitted, in review, deferred), best first: by score (unscored last),
    then strategic alignment, then the earliest submitted, unless ``ordering`` is given."""

    model = ProjectRequest
    serializer_class = PipelineOutput
    filterset_class = filters.RequestFilterSet
    sort_keys = selectors.PIPELINE_SORTS
    capabilities = {"list": permissions.INTAKE_VIEW_ALL}

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        pipeline = selectors.pipeline(access=self.access, queryset=queryset).select_related(*RELATED)
        return selectors.with_benefit_ratio(pipeline)
