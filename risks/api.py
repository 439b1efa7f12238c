"""The risk register and the issue log in the API, under ``/api/v1/orgs/<org>/``:

- ``risks/`` — the register (``?project=&portfolio=&status=&category=&level=&owner=&escalation=&stale=
  &probability=&impact=&q=&escalated_to_me=``, ``?ordering=score|code|title|project|owner|proximity|reviewed|created``,
  highest score first), create, retrieve, partial_update with ``version``; actions ``escalate`` ``{"note",
  "set_strategy"}``, ``de-escalate`` ``{"note"}``, ``review``, ``close``, ``to-issue`` ``{"severity", "due_date"}``
  (answers the new issue); ``risks/<id>/history/`` — the escalation history;
- ``risks/<risk_pk>/actions/`` — a risk's response actions: list (``?owner=&done=``), create, retrieve,
  partial_update (``done`` ticks one off), delete;
- ``issues/`` — the issue log (``?project=&portfolio=&status=&severity=&escalation=&owner=&overdue=&q=
  &escalated_to_me=``, ``?ordering=code|severity|due|title|project|owner|status``, newest first): list, create,
  retrieve, partial_update with ``version``; actions ``escalate``, ``resolve`` ``{"resolution"}``, ``close``;
- ``risk-heatmap/`` — open risks per probability × impact cell (``?project=`` or ``?portfolio=``, else the
  organisation's), with each cell's level and the scale;
- ``risk-settings/`` — the organisation's scale, level thresholds and review period (PATCH with ``version``,
  ``RISKS_SETTINGS``);
- ``projects/<project_pk>/assumptions/`` — a project's assumptions: list (``?status=&owner=``), create, retrieve,
  partial_update with ``version``.

Every list is paginated.

A risk, issue or project the caller may not read is 404. Who may write is checked by the services (403); a stale
version, an item no longer open and an archived project are 409.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.core.listing import SortKey
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from portfolio.models import Portfolio
from projects import selectors as project_selectors
from projects.api import MemberField, PersonOutput, ProjectNestedMixin, ProjectRefOutput, ProjectsAPIMixin
from projects.models import Project
from risks import filters, permissions, scoring, selectors, services
from risks.models import Assumption, EscalationLevel, Issue, Risk, RiskAction

# --- Output ------------------------------------------------------------------------------------------------------


class RiskPortfolioRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RiskActionOutput(serializers.ModelSerializer):
    owner = PersonOutput(read_only=True, allow_null=True)
    done = serializers.SerializerMethodField()

    class Meta:
        model = RiskAction
        fields = ["id", "title", "owner", "due_date", "done", "done_at", "created_at"]
        read_only_fields = fields

    def get_done(self, action: RiskAction) -> bool:
        return action.done_at is not None


class RiskOutput(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    project = ProjectRefOutput(read_only=True, allow_null=True)
    portfolio = RiskPortfolioRefOutput(read_only=True, allow_null=True)
    owner = PersonOutput(read_only=True, allow_null=True)
    escalated_by = PersonOutput(read_only=True, allow_null=True)
    level = serializers.ChoiceField(choices=scoring.LEVEL_CHOICES, read_only=True)
    stale = serializers.BooleanField(read_only=True)
    actions = RiskActionOutput(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "number",
            "code",
            "project",
            "portfolio",
            "title",
            "cause",
            "event",
            "effect",
            "category",
            "probability",
            "impact",
            "score",
            "level",
            "proximity",
            "owner",
            "strategy",
            "response_plan",
            "contingency",
            "status",
            "escalation_level",
            "escalated_at",
            "escalated_by",
            "escalation_note",
            "last_reviewed_at",
            "stale",
            "actions",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class IssueOutput(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    project = ProjectRefOutput(read_only=True, allow_null=True)
    portfolio = RiskPortfolioRefOutput(read_only=True, allow_null=True)
    owner = PersonOutput(read_only=True, allow_null=True)
    risk = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = [
            "id",
            "number",
            "code",
            "project",
            "portfolio",
            "risk",
            "title",
            "description",
            "severity",
            "owner",
            "due_date",
            "status",
            "escalation_level",
            "escalated_at",
            "escalation_note",
            "resolution",
            "resolved_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    def get_risk(self, issue: Issue) -> dict[str, Any] | None:
        if issue.risk is None:
            return None
        return {"id": issue.risk.pk, "code": issue.risk.code}


class AssumptionOutput(serializers.ModelSerializer):
    owner = PersonOutput(read_only=True, allow_null=True)

    class Meta:
        model = Assumption
        fields = ["id", "title", "description", "owner", "validate_by", "status", "created_at", "version"]
        read_only_fields = fields


class RiskHeatCellOutput(serializers.Serializer):
    probability = serializers.IntegerField()
    impact = serializers.IntegerField()
    count = serializers.IntegerField()
    level = serializers.ChoiceField(choices=scoring.LEVEL_CHOICES)


class RiskHeatMapOutput(serializers.Serializer):
    scale = serializers.IntegerField()
    total = serializers.IntegerField()
    cells = RiskHeatCellOutput(many=True)


class RiskSettingsOutput(serializers.Serializer):
    scale = serializers.IntegerField()
    medium_from = serializers.IntegerField()
    high_from = serializers.IntegerField()
    review_period_days = serializers.IntegerField()
    version = serializers.IntegerField()


# --- Input -------------------------------------------------------------------------------------------------------


class RiskInput(serializers.Serializer):
    project = serializers.IntegerField(required=False, allow_null=True, help_text="omit for a portfolio-level risk")
    portfolio = serializers.IntegerField(required=False, allow_null=True, help_text="for a portfolio-level risk")
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Risk.Category.choices)
    probability = serializers.IntegerField(help_text="1 … the organisation's scale")
    impact = serializers.IntegerField(help_text="1 … the organisation's scale")
    strategy = serializers.ChoiceField(choices=Risk.Strategy.choices, required=False, default=Risk.Strategy.MITIGATE)
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    event = serializers.CharField(required=False, allow_blank=True, default="")
    effect = serializers.CharField(required=False, allow_blank=True, default="")
    proximity = serializers.DateField(required=False, allow_null=True, default=None)
    owner = MemberField(required=False, allow_null=True, default=None)
    response_plan = serializers.CharField(required=False, allow_blank=True, default="")
    contingency = serializers.CharField(required=False, allow_blank=True, default="")


class RiskUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    category = serializers.ChoiceField(choices=Risk.Category.choices, required=False)
    probability = serializers.IntegerField(required=False)
    impact = serializers.IntegerField(required=False)
    strategy = serializers.ChoiceField(choices=Risk.Strategy.choices, required=False)
    cause = serializers.CharField(required=False, allow_blank=True)
    event = serializers.CharField(required=False, allow_blank=True)
    effect = serializers.CharField(required=False, allow_blank=True)
    proximity = serializers.DateField(required=False, allow_null=True)
    owner = MemberField(required=False, allow_null=True)
    response_plan = serializers.CharField(required=False, allow_blank=True)
    contingency = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class RiskEscalateInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="why the next level must look at it")
    set_strategy = serializers.BooleanField(
        required=False, default=False, help_text='also set the response strategy to "escalate"'
    )


class RiskNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RiskToIssueInput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Issue.Severity.choices, required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class RiskActionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = MemberField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class RiskActionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    owner = MemberField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)


class IssueInput(serializers.Serializer):
    project = serializers.IntegerField(required=False, allow_null=True)
    portfolio = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Issue.Severity.choices, required=False, default=Issue.Severity.MEDIUM)
    owner = MemberField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class IssueUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Issue.Severity.choices, required=False)
    owner = MemberField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=[Issue.Status.OPEN, Issue.Status.IN_PROGRESS], required=False)
    version = serializers.IntegerField(required=False, min_value=1)


class IssueResolveInput(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True)


class AssumptionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = MemberField(required=False, allow_null=True, default=None)
    validate_by = serializers.DateField(required=False, allow_null=True, default=None)


class AssumptionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = MemberField(required=False, allow_null=True)
    validate_by = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Assumption.Status.choices, required=False)
    version = serializers.IntegerField(required=False, min_value=1)


class RiskHeatMapQuery(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1)
    portfolio = serializers.IntegerField(required=False, min_value=1)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("project") and data.get("portfolio"):
            raise serializers.ValidationError({"detail": _("Ask for a project or a portfolio, not both.")})
        return data


class RiskSettingsInput(serializers.Serializer):
    scale = serializers.IntegerField(required=False)
    medium_from = serializers.IntegerField(required=False)
    high_from = serializers.IntegerField(required=False)
    review_period_days = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False, min_value=1)


# --- Views -------------------------------------------------------------------------------------------------------


class RaidScopeMixin(ProjectsAPIMixin):
    """Resolves a ``project`` or ``portfolio`` id of a request body within what the caller may see (400 else)."""

    access: Any
    organization: Any

    def scope(self, data: dict[str, Any]) -> dict[str, Any]:
        project_id, portfolio_id = data.pop("project", None), data.pop("portfolio", None)
        if project_id:
            project = project_selectors.projects_visible_to(access=self.access).filter(pk=project_id).first()
            if project is None:
                raise serializers.ValidationError({"project": [_("Choose a project you can see.")]})
            return {"project": project}
        if portfolio_id:
            portfolio = selectors.portfolios_for_actor(access=self.access).filter(pk=portfolio_id).first()
            if portfolio is None:
                raise serializers.ValidationError({"portfolio": [_("Choose a portfolio of the organisation.")]})
            return {"portfolio": portfolio}
        raise serializers.ValidationError(
            {"project": [_("Choose a project, or a portfolio for a portfolio-level item.")]}
        )


class EscalationStepOutput(serializers.Serializer):
    escalation_level = serializers.ChoiceField(source="level", choices=EscalationLevel.choices)
    escalation_level_label = serializers.CharField(source="level_label")
    at = serializers.DateTimeField(allow_null=True)
    by = serializers.CharField(help_text="who escalated (empty when unknown)")
    note = serializers.CharField()


@extend_schema_view(list=extend_schema(tags=["risks"]), retrieve=extend_schema(tags=["risks"]))
class RiskViewSet(SortKeysMixin, RaidScopeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The risk register: highest score first, each risk with its level, stale flag and actions."""

    model = Risk
    serializer_class = RiskOutput
    filterset_class = filters.RiskFilterSet
    sort_keys = selectors.RISK_SORTS
    ordering = [selectors.RISK_DEFAULT_SORT]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.risks_visible_to(access=self.access, queryset=queryset)

    def _respond(self, risk: Risk, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.risk_get_by_pk(access=self.access, pk=risk.pk)
        return Response(RiskOutput(fresh).data, status=code)

    def _call(self, service: Any, **kwargs: Any) -> Any:
        return service(organization=self.organization, actor=self.request.user, **kwargs)

    @extend_schema(request=RiskInput, responses={201: RiskOutput}, tags=["risks"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Log a risk on a project (or, with ``portfolio`` and no project, on a portfolio)."""
        data = RiskInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.update(self.scope(values))
        return self._respond(self._call(services.risk_create, **values), status.HTTP_201_CREATED)

    @extend_schema(
        request=RiskUpdateInput,
        responses={200: RiskOutput},
        tags=["risks"],
        description="Edit an open risk. A change of probability, impact, strategy or response plan is a review. "
        "Send the ``version`` you read to be told (409) when someone changed it meanwhile.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        risk = self.get_object()
        data = RiskUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        return self._respond(self._call(services.risk_update, risk=risk, version=version, **values))

    @extend_schema(request=RiskEscalateInput, responses={200: RiskOutput}, tags=["risks"])
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Raise the risk one level (project → PMO → executive), saying why."""
        risk = self.get_object()
        data = RiskEscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(self._call(services.risk_escalate, risk=risk, **data.validated_data))

    @extend_schema(request=RiskNoteInput, responses={200: RiskOutput}, tags=["risks"])
    @action(detail=True, methods=["post"], url_path="de-escalate")
    def deescalate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hand the risk back one level (the owner of its current level)."""
        risk = self.get_object()
        data = RiskNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(self._call(services.risk_deescalate, risk=risk, note=data.validated_data["note"]))

    @extend_schema(request=None, responses={200: RiskOutput}, tags=["risks"])
    @action(detail=True, methods=["post"])
    def review(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a review: the risk stands as rated and is no longer stale."""
        return self._respond(self._call(services.risk_review, risk=self.get_object()))

    @extend_schema(request=None, responses={200: RiskOutput}, tags=["risks"])
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self._call(services.risk_close, risk=self.get_object()))

    @extend_schema(request=RiskToIssueInput, responses={201: IssueOutput}, tags=["risks"])
    @action(detail=True, methods=["post"], url_path="to-issue")
    def to_issue(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The risk occurred: it becomes an issue that keeps the link (answers the issue)."""
        risk = self.get_object()
        data = RiskToIssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        issue = self._call(services.risk_to_issue, risk=risk, **data.validated_data)
        fresh = selectors.issue_get_by_pk(access=self.access, pk=issue.pk)
        return Response(IssueOutput(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EscalationStepOutput(many=True)}, tags=["risks"])
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every change of the risk's escalation level, oldest first: to which level, when, by whom and why."""
        steps = selectors.risk_escalation_history(risk=self.get_object())
        page = self.paginate_queryset(steps)
        return self.get_paginated_response(EscalationStepOutput(page, many=True).data)


@extend_schema_view(list=extend_schema(tags=["risks"]), retrieve=extend_schema(tags=["risks"]))
class RiskActionViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A risk's response actions (the risk must be visible, else 404)."""

    model = RiskAction
    serializer_class = RiskActionOutput
    filterset_class = filters.RiskActionFilterSet
    sort_keys = {
        "due": SortKey(gettext_lazy("Due"), ("due_date",)),
        "title": SortKey(gettext_lazy("Title"), ("title",)),
        "created": SortKey(gettext_lazy("Created"), ("created_at",)),
    }
    ordering = ["due"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.risk = selectors.risk_get_by_pk(access=self.access, pk=kwargs["risk_pk"])

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.filter(risk=self.risk).select_related("owner", "risk__project")

    @extend_schema(request=RiskActionInput, responses={201: RiskActionOutput}, tags=["risks"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RiskActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.risk_action_add(
            organization=self.organization, actor=request.user, risk=self.risk, **data.validated_data
        )
        return Response(RiskActionOutput(self.get_queryset().get(pk=action.pk)).data, status=201)

    @extend_schema(request=RiskActionUpdateInput, responses={200: RiskActionOutput}, tags=["risks"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change an action; ``{"done": true}`` ticks it off (also allowed to the action's owner)."""
        action = self.get_object()
        data = RiskActionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.risk_action_update(
            organization=self.organization, actor=request.user, action=action, **data.validated_data
        )
        return Response(RiskActionOutput(self.get_queryset().get(pk=action.pk)).data)

    @extend_schema(responses={204: None}, tags=["risks"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.risk_action_delete(organization=self.organization, actor=request.user, action=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(tags=["issues"]), retrieve=extend_schema(tags=["issues"]))
class IssueViewSet(
    SortKeysMixin, RaidScopeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """The issue log, newest first."""

    model = Issue
    serializer_class = IssueOutput
    filterset_class = filters.IssueFilterSet
    sort_keys = selectors.ISSUE_SORTS
    ordering = [selectors.ISSUE_DEFAULT_SORT]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.issues_visible_to(access=self.access, queryset=queryset)

    def _respond(self, issue: Issue, code: int = status.HTTP_200_OK) -> Response:
        return Response(IssueOutput(selectors.issue_get_by_pk(access=self.access, pk=issue.pk)).data, status=code)

    @extend_schema(request=IssueInput, responses={201: IssueOutput}, tags=["issues"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.update(self.scope(values))
        issue = services.issue_create(organization=self.organization, actor=request.user, **values)
        return self._respond(issue, status.HTTP_201_CREATED)

    @extend_schema(request=IssueUpdateInput, responses={200: IssueOutput}, tags=["issues"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issue = self.get_object()
        data = IssueUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        issue = services.issue_update(
            organization=self.organization, actor=request.user, issue=issue, version=version, **values
        )
        return self._respond(issue)

    @extend_schema(request=RiskNoteInput, responses={200: IssueOutput}, tags=["issues"])
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issue = self.get_object()
        data = RiskNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.issue_escalate(
            organization=self.organization, actor=request.user, issue=issue, note=data.validated_data["note"]
        )
        return self._respond(issue)

    @extend_schema(request=IssueResolveInput, responses={200: IssueOutput}, tags=["issues"])
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issue = self.get_object()
        data = IssueResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.issue_resolve(
            organization=self.organization, actor=request.user, issue=issue, **data.validated_data
        )
        return self._respond(issue)

    @extend_schema(request=None, responses={200: IssueOutput}, tags=["issues"])
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        issue = services.issue_close(organization=self.organization, actor=request.user, issue=self.get_object())
        return self._respond(issue)


@extend_schema_view(list=extend_schema(tags=["risks"]), retrieve=extend_schema(tags=["risks"]))
class AssumptionViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A project's assumptions (the A of RAID)."""

    model = Assumption
    serializer_class = AssumptionOutput
    filterset_class = filters.AssumptionFilterSet
    sort_keys = {
        "status": SortKey(gettext_lazy("Status"), ("status", "validate_by")),
        "validate_by": SortKey(gettext_lazy("Validate by"), ("validate_by",)),
        "title": SortKey(gettext_lazy("Title"), ("title",)),
        "created": SortKey(gettext_lazy("Created"), ("created_at",)),
    }
    ordering = ["status"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.filter(project=self.project).select_related("owner")

    @extend_schema(request=AssumptionInput, responses={201: AssumptionOutput}, tags=["risks"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AssumptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        assumption = services.assumption_create(
            organization=self.organization, actor=request.user, project=self.project, **data.validated_data
        )
        return Response(AssumptionOutput(self.get_queryset().get(pk=assumption.pk)).data, status=201)

    @extend_schema(request=AssumptionUpdateInput, responses={200: AssumptionOutput}, tags=["risks"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assumption = self.get_object()
        data = AssumptionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        services.assumption_update(
            organization=self.organization, actor=request.user, assumption=assumption, version=version, **values
        )
        return Response(AssumptionOutput(self.get_queryset().get(pk=assumption.pk)).data)


class RiskHeatMapView(OrganizationAPIView):
    @extend_schema(
        parameters=[RiskHeatMapQuery],
        responses={200: RiskHeatMapOutput},
        tags=["risks"],
        description="Open risks per probability × impact cell, each with its level: of a project (``?project=``), "
        "of a portfolio (``?portfolio=``: its projects' risks and its portfolio-level risks) or of the whole "
        "organisation. Only risks the caller may read are counted.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = RiskHeatMapQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        project_id, portfolio_id = query.validated_data.get("project"), query.validated_data.get("portfolio")
        if project_id:
            project: Project = project_selectors.project_get_for_actor(access=self.access, pk=project_id)
            heat_map = selectors.heat_map_for_project(access=self.access, project=project)
        elif portfolio_id:
            portfolio: Portfolio = selectors.portfolio_get_for_actor(access=self.access, pk=portfolio_id)
            heat_map = selectors.heat_map_for_portfolio(access=self.access, portfolio=portfolio)
        else:
            heat_map = selectors.heat_map_for_organization(access=self.access)
        return Response(RiskHeatMapOutput(heat_map).data)


class RiskSettingsView(ProjectsAPIMixin, OrganizationAPIView):
    capabilities = {"PATCH": permissions.SETTINGS}

    @extend_schema(responses={200: RiskSettingsOutput}, tags=["risks"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(RiskSettingsOutput(scoring.risk_settings_get(organization=self.organization)).data)

    @extend_schema(request=RiskSettingsInput, responses={200: RiskSettingsOutput}, tags=["risks"])
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RiskSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not values:
            raise exceptions.ValidationError({"detail": _("Send at least one setting to change.")})
        version = values.pop("version", None)
        updated = scoring.risk_settings_update(
            organization=self.organization, actor=request.user, version=version, **values
        )
        return Response(RiskSettingsOutput(updated).data)
