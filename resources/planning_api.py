"""Resource planning in the API, under ``/api/v1/orgs/<org>/``:

- ``allocations/`` — list (``?person=&project=&department=&role=&from=2026-W47&to=2026-W52``,
  ``?ordering=person|project|department|hours|start|end``), create, retrieve, partial_update with ``version`` (409
  when stale), delete (``?version=``);
- ``overallocations/`` — person-weeks above capacity (``?from=2026-W47&weeks=13``, default this week + 12),
  paginated;
- ``capacity/`` — capacity vs demand (``?from=&weeks=12&by=department|skill``);
  ``capacity/drilldown/?by=&group=<id>&week=`` — one group and week: its people and projects;
- ``utilization/`` — planned and actual utilisation (``?from=&weeks=&by=person|department|organization``,
  default the last 4 and the next 4 weeks).

Reads need ``resources.view``. Writes need it too, and the services check the rest: the PMO changes any
allocation, a manager those of the projects they may change (403 otherwise). Weeks are ISO weeks; ``weeks``
outside 1–26, an unknown ``by`` or a malformed week are 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import PaginatedListMixin, SortKeysMixin
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import ProjectRefOutput, ProjectsAPIMixin, ScopedPrimaryKeyField
from projects.api_fields import WeekField
from projects.models import Project
from projects.policy import current_week_start
from resources import allocations as services
from resources import filters
from resources import planning as selectors
from resources.models import Allocation, Person

READ = Capability.RESOURCES_VIEW


class PersonRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    department = serializers.CharField(source="department.name", default=None)


# --- Allocations ------------------------------------------------------------------------------------------------


class AllocationOutput(serializers.ModelSerializer):
    person = PersonRefOutput(read_only=True)
    project = ProjectRefOutput(read_only=True)
    start_week = WeekField(read_only=True)
    end_week = WeekField(read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "person", "project", "role", "start_week", "end_week", "hours_per_week", "version"]
        read_only_fields = fields


class AllocationInput(serializers.Serializer):
    person = ScopedPrimaryKeyField(Person)
    project = ScopedPrimaryKeyField(Project)
    role = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    start_week = WeekField()
    end_week = WeekField()
    hours_per_week = serializers.DecimalField(max_digits=6, decimal_places=2)


class AllocationUpdateInput(serializers.Serializer):
    role = serializers.CharField(max_length=120, required=False, allow_blank=True)
    start_week = WeekField(required=False)
    end_week = WeekField(required=False)
    hours_per_week = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class VersionQuery(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(tags=["resources"]),
    retrieve=extend_schema(tags=["resources"]),
    destroy=extend_schema(tags=["resources"], parameters=[VersionQuery]),
)
class AllocationViewSet(
    SortKeysMixin,
    ProjectsAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    model = Allocation
    serializer_class = AllocationOutput
    capabilities = {"*": READ}
    filterset_class = filters.AllocationFilterSet
    sort_keys = selectors.ALLOCATION_SORTS
    ordering = ["person"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.allocations_list(organization=self.organization, queryset=queryset)

    def _respond(self, allocation: Allocation, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.allocation_get(organization=self.organization, pk=allocation.pk)
        return Response(AllocationOutput(fresh).data, status=code)

    @extend_schema(request=AllocationInput, responses={201: AllocationOutput}, tags=["resources"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plan a person on a project (the PMO, or whoever may change the project)."""
        data = AllocationInput(data=request.data)
        data.is_valid(raise_exception=True)
        allocation = services.allocation_create(
            organization=self.organization, actor=request.user, **data.validated_data
        )
        return self._respond(allocation, status.HTTP_201_CREATED)

    @extend_schema(request=AllocationUpdateInput, responses={200: AllocationOutput}, tags=["resources"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change weeks, hours or role; send the ``version`` you read to be told (409) of a concurrent change."""
        allocation = self.get_object()
        data = AllocationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        allocation = services.allocation_update(
            organization=self.organization, actor=request.user, allocation=allocation, version=version, **values
        )
        return self._respond(allocation)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        allocation = self.get_object()
        query = VersionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        services.allocation_delete(
            organization=self.organization,
            actor=request.user,
            allocation=allocation,
            version=query.validated_data.get("version"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Planning reads ---------------------------------------------------------------------------------------------


class WindowQuery(serializers.Serializer):
    weeks = serializers.IntegerField(required=False, min_value=selectors.MIN_WEEKS, max_value=selectors.MAX_WEEKS)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = WeekField(required=False)
        return fields


BY_GROUP = [("department", "department"), ("skill", "skill")]


class CapacityQuery(WindowQuery):
    by = serializers.ChoiceField(choices=BY_GROUP, default="department")


class DrillDownQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=BY_GROUP, default="department")
    group = serializers.IntegerField(min_value=0, max_value=2**31 - 1, help_text="a department or skill id (0: none)")
    week = WeekField()


class UtilizationQuery(WindowQuery):
    by = serializers.ChoiceField(
        choices=[("person", "person"), ("department", "department"), ("organization", "organization")],
        default="person",
    )


class AllocationRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = ProjectRefOutput()
    role = serializers.CharField()
    hours_per_week = serializers.DecimalField(max_digits=6, decimal_places=2)
    start_week = WeekField()
    end_week = WeekField()
    version = serializers.IntegerField()


class OverAllocationOutput(serializers.Serializer):
    person = PersonRefOutput()
    week = WeekField()
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=8, decimal_places=2)
    excess = serializers.DecimalField(max_digits=8, decimal_places=2)
    allocations = AllocationRefOutput(many=True)


class CapacityCellOutput(serializers.Serializer):
    week = WeekField()
    capacity = serializers.DecimalField(max_digits=10, decimal_places=2)
    demand = serializers.DecimalField(max_digits=10, decimal_places=2)
    ratio = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    over = serializers.BooleanField()


class CapacityGroupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weeks = CapacityCellOutput(many=True)


class CapacityOutput(serializers.Serializer):
    by = serializers.CharField()
    weeks = serializers.ListField(child=WeekField())
    groups = CapacityGroupOutput(many=True)


class PersonWeekOutput(serializers.Serializer):
    person = PersonRefOutput()
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=8, decimal_places=2)
    free = serializers.DecimalField(max_digits=8, decimal_places=2)
    over = serializers.BooleanField()


class ProjectHoursOutput(serializers.Serializer):
    project = ProjectRefOutput()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)


class DrillDownOutput(serializers.Serializer):
    by = serializers.CharField()
    group = serializers.SerializerMethodField()
    week = WeekField()
    capacity = serializers.DecimalField(source="cell.capacity", max_digits=10, decimal_places=2)
    demand = serializers.DecimalField(source="cell.demand", max_digits=10, decimal_places=2)
    people = PersonWeekOutput(many=True)
    projects = ProjectHoursOutput(many=True)

    def get_group(self, drill: selectors.DrillDown) -> dict[str, Any]:
        return {"id": drill.group.id, "name": drill.group.name}


class UtilisationOutput(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField()
    people = serializers.IntegerField()
    capacity = serializers.DecimalField(max_digits=12, decimal_places=2)
    planned_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    planned = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    actual = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)


class UtilizationOutput(serializers.Serializer):
    by = serializers.CharField()
    weeks = serializers.ListField(child=WeekField())
    rows = UtilisationOutput(many=True)


def _window(view: OrganizationAPIView, data: dict[str, Any], *, back: int, weeks: int) -> tuple[dt.date, int]:
    start = data.get("from") or current_week_start(organization=view.organization) - dt.timedelta(weeks=back)
    return start, data.get("weeks") or weeks


class OverAllocationView(PaginatedListMixin, OrganizationAPIView):
    capabilities = {"*": READ}

    @extend_schema(parameters=[WindowQuery], responses={200: OverAllocationOutput(many=True)}, tags=["resources"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Person-weeks whose allocated hours exceed capacity, by week then person, with the allocations
        involved (paginated)."""
        query = WindowQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, weeks = _window(self, query.validated_data, back=0, weeks=13)
        rows = selectors.over_allocations(organization=self.organization, start=start, weeks=weeks)
        return self.paginated(rows, OverAllocationOutput)


class CapacityView(OrganizationAPIView):
    capabilities = {"*": READ}

    @extend_schema(parameters=[CapacityQuery], responses={200: CapacityOutput}, tags=["resources"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Capacity vs demand per department or skill and week (the drill-down of one cell:
        ``capacity/drilldown/``)."""
        query = CapacityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, weeks = _window(self, data, back=0, weeks=12)
        report = selectors.capacity_demand(organization=self.organization, start=start, weeks=weeks, by=data["by"])
        groups = [
            {
                "id": group.id,
                "name": group.name,
                "weeks": [
                    {"week": week, "capacity": c.capacity, "demand": c.demand, "ratio": c.ratio, "over": c.over}
                    for week, c in zip(report.weeks, report.row(group), strict=True)
                ],
            }
            for group in report.groups
        ]
        return Response(CapacityOutput({"by": report.by, "weeks": report.weeks, "groups": groups}).data)


class CapacityDrillDownView(OrganizationAPIView):
    capabilities = {"*": READ}

    @extend_schema(parameters=[DrillDownQuery], responses={200: DrillDownOutput}, tags=["resources"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One cell of capacity vs demand: the group's people with capacity, allocated and free hours that week,
        and the projects they work on (404 for a group that is not the organisation's)."""
        query = DrillDownQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        drill = selectors.capacity_drilldown(
            organization=self.organization, by=data["by"], group_id=data["group"], week=data["week"]
        )
        return Response(DrillDownOutput(drill).data)


class UtilizationView(OrganizationAPIView):
    capabilities = {"*": READ}

    @extend_schema(parameters=[UtilizationQuery], responses={200: UtilizationOutput}, tags=["resources"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Planned (allocated ÷ capacity) and actual (approved timesheet hours ÷ capacity) utilisation."""
        query = UtilizationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, weeks = _window(self, data, back=4, weeks=8)
        report = selectors.utilization(organization=self.organization, start=start, weeks=weeks)
        rows = {
            "person": report.people,
            "department": report.departments,
            "organization": [report.organization],
        }[data["by"]]
        return Response(UtilizationOutput({"by": data["by"], "weeks": report.weeks, "rows": rows}).data)
