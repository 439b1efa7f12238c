"""``/api/v1/orgs/<org>/templates/``: process templates with their phases, deliverables and gates.

Everything here needs ``templates.manage`` (the PMO and administrators). Built-in templates are read-only (409 on
a write) but may be copied; a copy is edited through ``templates/<id>/phases/``, ``…/deliverables/`` and
``…/gates/``. Projects keep the phases they were created with: editing a template never changes them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects import filters, selectors, services
from projects.api import ProjectsAPIMixin, ScopedPrimaryKeyField
from projects.models import (
    DeciderRole,
    GateKind,
    ProcessTemplate,
    TemplateDeliverable,
    TemplateGate,
    TemplatePhase,
)

TAGS = ["templates"]
ALL = {"*": Capability.TEMPLATES_MANAGE}


class TemplateDeliverableOutput(serializers.ModelSerializer):
    class Meta:
        model = TemplateDeliverable
        fields = ["id", "phase", "order", "name", "required"]
        read_only_fields = fields


class TemplateGateOutput(serializers.ModelSerializer):
    class Meta:
        model = TemplateGate
        fields = ["id", "phase", "order", "code", "name", "kind", "decider"]
        read_only_fields = fields


class TemplatePhaseOutput(serializers.ModelSerializer):
    class Meta:
        model = TemplatePhase
        fields = ["id", "order", "key", "name", "optional"]
        read_only_fields = fields


class TemplatePhaseDetailOutput(TemplatePhaseOutput):
    deliverables = TemplateDeliverableOutput(source="deliverable_list", many=True, read_only=True)
    gates = TemplateGateOutput(source="gate_list", many=True, read_only=True)

    class Meta(TemplatePhaseOutput.Meta):
        fields = [*TemplatePhaseOutput.Meta.fields, "deliverables", "gates"]
        read_only_fields = fields


class TemplateOutput(serializers.ModelSerializer):
    copied_from = serializers.IntegerField(source="copied_from_id", read_only=True, allow_null=True)
    phase_count = serializers.IntegerField(read_only=True)
    gate_count = serializers.IntegerField(read_only=True)
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProcessTemplate
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "is_builtin",
            "copied_from",
            "active",
            "created_at",
            "phase_count",
            "gate_count",
            "project_count",
        ]
        read_only_fields = fields


class TemplateDetailOutput(TemplateOutput):
    phases = TemplatePhaseDetailOutput(source="phase_list", many=True, read_only=True)

    class Meta(TemplateOutput.Meta):
        fields = [*TemplateOutput.Meta.fields, "phases"]
        read_only_fields = fields


class TemplateUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class TemplateCopyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)


@extend_schema_view(
    list=extend_schema(tags=TAGS, description="Built-in templates first, then by name, unless ``ordering`` is given."),
    retrieve=extend_schema(tags=TAGS, responses={200: TemplateDetailOutput}),
)
class TemplateViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = ProcessTemplate
    serializer_class = TemplateOutput
    filterset_class = filters.TemplateFilterSet
    sort_keys = filters.TEMPLATE_SORTS
    capabilities = ALL

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.templates_list(access=self.access).filter(pk__in=queryset.values("pk"))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = selectors.template_get(access=self.access, pk=kwargs["pk"])
        return Response(TemplateDetailOutput(template).data)

    @extend_schema(request=TemplateUpdateInput, responses={200: TemplateDetailOutput}, tags=TAGS)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        data = TemplateUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.template_update(
            organization=self.organization, actor=request.user, template=template, **data.validated_data
        )
        return Response(TemplateDetailOutput(selectors.template_get(access=self.access, pk=template.pk)).data)

    @extend_schema(
        request=TemplateCopyInput,
        responses={201: TemplateDetailOutput},
        tags=TAGS,
        description="Copy a template (built-in ones too) with its phases, deliverables and gates.",
    )
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        data = TemplateCopyInput(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.template_copy(
            organization=self.organization, actor=request.user, template=template, name=data.validated_data["name"]
        )
        return Response(
            TemplateDetailOutput(selectors.template_get(access=self.access, pk=copy.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateNestedMixin(ProjectsAPIMixin):
    """For ``templates/<template_pk>/…``: the template is resolved once (404 when missing)."""

    template: ProcessTemplate
    organization: Any
    capabilities = ALL

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        pk = kwargs["template_pk"]
        template = ProcessTemplate.objects.filter(organization=self.organization, pk=pk).first()
        if template is None:
            raise Http404
        self.template = template


class TemplatePhaseItemMixin(TemplateNestedMixin):
    """For the items of a template's phases (deliverables, gates): only this template's, in phase order."""

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            queryset.filter(phase__template=self.template)
            .select_related("phase__template")
            .order_by("phase__order", "order", "pk")
        )


class TemplatePhaseInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    optional = serializers.BooleanField(required=False, default=False)
    order = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class TemplatePhaseViewSet(
    SortKeysMixin, TemplateNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = TemplatePhase
    serializer_class = TemplatePhaseOutput
    sort_keys = filters.PHASE_SORTS
    ordering = ["order"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(template=self.template).order_by("order")

    @extend_schema(request=TemplatePhaseInput, responses={201: TemplatePhaseOutput}, tags=TAGS)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TemplatePhaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        phase = services.template_phase_create(
            organization=self.organization, actor=request.user, template=self.template, **data.validated_data
        )
        return Response(TemplatePhaseOutput(phase).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplatePhaseInput(partial=True), responses={200: TemplatePhaseOutput}, tags=TAGS)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        phase = self.get_object()
        data = TemplatePhaseInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        phase = services.template_phase_update(
            organization=self.organization, actor=request.user, phase=phase, **data.validated_data
        )
        return Response(TemplatePhaseOutput(phase).data)

    @extend_schema(responses={204: None, 400: OpenApiResponse(description="A template keeps one phase.")}, tags=TAGS)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.template_phase_delete(organization=self.organization, actor=request.user, phase=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateDeliverableInput(serializers.Serializer):
    phase = ScopedPrimaryKeyField(TemplatePhase)
    name = serializers.CharField(max_length=200)
    required = serializers.BooleanField(required=False, default=True)  # type: ignore[assignment]


class TemplateDeliverableUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class TemplateDeliverableViewSet(
    SortKeysMixin, TemplatePhaseItemMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = TemplateDeliverable
    serializer_class = TemplateDeliverableOutput
    filterset_class = filters.TemplateDeliverableFilterSet
    sort_keys = filters.TEMPLATE_ITEM_SORTS
    ordering = ["phase"]

    @extend_schema(request=TemplateDeliverableInput, responses={201: TemplateDeliverableOutput}, tags=TAGS)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TemplateDeliverableInput(data=request.data)
        data.is_valid(raise_exception=True)
        deliverable = services.template_deliverable_create(
            organization=self.organization, actor=request.user, template=self.template, **data.validated_data
        )
        return Response(TemplateDeliverableOutput(deliverable).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplateDeliverableUpdateInput, responses={200: TemplateDeliverableOutput}, tags=TAGS)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deliverable = self.get_object()
        data = TemplateDeliverableUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        deliverable = services.template_deliverable_update(
            organization=self.organization, actor=request.user, deliverable=deliverable, **data.validated_data
        )
        return Response(TemplateDeliverableOutput(deliverable).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.template_deliverable_delete(
            organization=self.organization, actor=request.user, deliverable=self.get_object()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateGateInput(serializers.Serializer):
    phase = ScopedPrimaryKeyField(TemplatePhase)
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=GateKind.choices, required=False, default=GateKind.GATE)
    decider = serializers.ChoiceField(choices=DeciderRole.choices, required=False, default=DeciderRole.PMO)


class TemplateGateUpdateInput(serializers.Serializer):
    code = serializers.CharField(max_length=20, required=False)
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=GateKind.choices, required=False)
    decider = serializers.ChoiceField(choices=DeciderRole.choices, required=False)


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class TemplateGateViewSet(
    SortKeysMixin, TemplatePhaseItemMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = TemplateGate
    serializer_class = TemplateGateOutput
    filterset_class = filters.TemplateGateFilterSet
    sort_keys = filters.TEMPLATE_ITEM_SORTS
    ordering = ["phase"]

    @extend_schema(request=TemplateGateInput, responses={201: TemplateGateOutput}, tags=TAGS)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TemplateGateInput(data=request.data)
        data.is_valid(raise_exception=True)
        gate = services.template_gate_create(
            organization=self.organization, actor=request.user, template=self.template, **data.validated_data
        )
        return Response(TemplateGateOutput(gate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplateGateUpdateInput, responses={200: TemplateGateOutput}, tags=TAGS)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        gate = self.get_object()
        data = TemplateGateUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        gate = services.template_gate_update(
            organization=self.organization, actor=request.user, gate=gate, **data.validated_data
        )
        return Response(TemplateGateOutput(gate).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.template_gate_delete(organization=self.organization, actor=request.user, gate=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
