"""People, skills, the working calendar and staffing in the API, under ``/api/v1/orgs/<org>/``:

- ``people/`` — list (``?department=&skill=&active=true|false&q=&ordering=name|department|role|capacity|added``),
  create, retrieve, partial_update with ``version`` (409 when stale), destroy (409 for a person with allocations or
  timesheets: send ``active: false`` instead); ``people/<id>/skills/`` — GET the person's skills, PUT the whole set
  ``{"skills": [{"skill", "level"}]}``; ``people/<id>/capacity/?from=2026-W47&weeks=12`` — capacity, allocated
  and free hours per week (holidays, make-up days and time off honoured);
- ``people/<person_pk>/time-off/`` — list (``?since=&until=``), create ``{"start", "end", "note"}``, destroy;
- ``departments/`` and ``skills/`` — list (``?q=``, with how many people / holders), create, update, destroy (409
  in use);
- ``calendar/?year=2026&kind=`` — the year's holidays and make-up working days; create, destroy;
  ``calendar/year/2026/`` — PUT ``{"days": [...]}`` replaces the whole year;
- ``projects/<project_pk>/staffing/`` — GET the staffing matrix (requirements with weekly required / filled / gap,
  and the unmatched allocations), POST a requirement; ``…/staffing/<id>/`` GET, PATCH, DELETE.

Reads of people, skills and the calendar need ``RESOURCES_VIEW``, their writes ``RESOURCES_MANAGE`` (403). The
staffing matrix is readable by whoever may read the project (404 otherwise); its requirements are written by the
PMO or whoever may change the project. Weeks are ISO weeks written ``"2026-W47"``. Every list is paginated and
takes ``?ordering=`` over the keys its schema names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api import WRITE_METHODS, Conflict
from pmo.core.api_filters import SortKeysMixin
from pmo.core.listing import SortKey
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import ScopedPrimaryKeyField
from projects.api_fields import WeekField
from projects.models import Project
from projects.policy import current_week_start
from projects.selectors import project_get_for_actor
from projects.services import ProjectsConflict, organization_today
from resources import filters, planning, selectors, services
from resources.capacity import weeks_from
from resources.models import CalendarDay, Department, Person, Skill, StaffingRequirement, TimeOff

VIEW, MANAGE = Capability.RESOURCES_VIEW, Capability.RESOURCES_MANAGE
READ_WRITE = {
    "list": VIEW,
    "retrieve": VIEW,
    "create": MANAGE,
    "update": MANAGE,
    "partial_update": MANAGE,
    "destroy": MANAGE,
}


class ResourcesAPIMixin:
    """Maps the services' conflicts (``ProjectsConflict``, of which ``ResourcesConflict``) to 409: a stale version,
    a name or date in use, an archived project; every write can meet one (documented in the schema)."""

    conflict_on = WRITE_METHODS

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ProjectsConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)  # type: ignore[misc]


class NamedRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- Departments and skills --------------------------------------------------------------------------------------


class NamedInput(serializers.Serializer):
    name = serializers.CharField(max_length=services.MAX_NAME)


class DepartmentOutput(serializers.ModelSerializer):
    people = serializers.IntegerField(source="people_count", read_only=True, default=0)

    class Meta:
        model = Department
        fields = ["id", "name", "people"]
        read_only_fields = fields


class SkillOutput(serializers.ModelSerializer):
    holders = serializers.IntegerField(source="holders_count", read_only=True, default=0)

    class Meta:
        model = Skill
        fields = ["id", "name", "holders"]
        read_only_fields = fields


class _NamedViewSet(
    SortKeysMixin,
    ResourcesAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationViewSet,
):
    capabilities = READ_WRITE
    counted: str
    create_service: Any
    rename_service: Any
    delete_service: Any
    argument: str

    ordering = ["name"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.annotate(**{f"{self.counted}_count": Count(self.counted, distinct=True)})

    def _respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = NamedInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = type(self).create_service(
            organization=self.organization, actor=request.user, name=data.validated_data["name"]
        )
        return self._respond(created, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        data = NamedInput(data=request.data)
        data.is_valid(raise_exception=True)
        renamed = type(self).rename_service(
            organization=self.organization,
            actor=request.user,
            name=data.validated_data["name"],
            **{self.argument: obj},
        )
        return self._respond(renamed)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        type(self).delete_service(
            organization=self.organization, actor=request.user, **{self.argument: self.get_object()}
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


_named_schema = {
    "create": extend_schema(request=NamedInput, tags=["resources"]),
    "update": extend_schema(request=NamedInput, tags=["resources"]),
    "partial_update": extend_schema(request=NamedInput, tags=["resources"]),
    "list": extend_schema(tags=["resources"]),
    "retrieve": extend_schema(tags=["resources"]),
    "destroy": extend_schema(tags=["resources"], description="409 while in use."),
}


@extend_schema_view(**_named_schema)
class DepartmentViewSet(_NamedViewSet):
    model = Department
    serializer_class = DepartmentOutput
    filterset_class = filters.DepartmentFilterSet
    sort_keys = {
        "name": SortKey(gettext_lazy("Name"), ("name",)),
        "people": SortKey(gettext_lazy("People"), ("people_count", "name")),
    }
    counted = "people"
    argument = "department"
    create_service = staticmethod(services.department_create)
    rename_service = staticmethod(services.department_rename)
    delete_service = staticmethod(services.department_delete)


@extend_schema_view(**_named_schema)
class SkillViewSet(_NamedViewSet):
    model = Skill
    serializer_class = SkillOutput
    filterset_class = filters.SkillFilterSet
    sort_keys = {
        "name": SortKey(gettext_lazy("Name"), ("name",)),
        "holders": SortKey(gettext_lazy("Holders"), ("holders_count", "name")),
    }
    counted = "holders"
    argument = "skill"
    create_service = staticmethod(services.skill_create)
    rename_service = staticmethod(services.skill_rename)
    delete_service = staticmethod(services.skill_delete)


# --- People ------------------------------------------------------------------------------------------------------


class PersonSkillOutput(serializers.Serializer):
    skill = serializers.IntegerField(source="skill_id")
    name = serializers.CharField(source="skill.name")
    level = serializers.IntegerField()


class ResourcePersonOutput(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="empty when not known")
    department = NamedRefOutput(read_only=True, allow_null=True)
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)
    skills = PersonSkillOutput(many=True, read_only=True)
    cost_rate = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    weekly_capacity = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "email",
            "department",
            "job_role",
            "cost_rate",
            "weekly_capacity",
            "active",
            "user",
            "skills",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class PersonInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=services.MAX_PERSON_NAME)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    department = ScopedPrimaryKeyField(Department, required=False, allow_null=True, default=None)
    job_role = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_NAME)
    cost_rate = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, default=Decimal(0)
    )
    weekly_capacity = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, max_value=168, required=False, default=Decimal(40)
    )
    active = serializers.BooleanField(required=False, default=True)
    user = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="a member's user id, linked to one person at most"
    )


class PersonUpdateInput(PersonInput):
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class SkillLevelInput(serializers.Serializer):
    skill = ScopedPrimaryKeyField(Skill)
    level = serializers.IntegerField(min_value=1, max_value=5)


class SkillSetInput(serializers.Serializer):
    skills = SkillLevelInput(many=True)

    def validate_skills(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [row["skill"].pk for row in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("List each skill once."))
        return value


def _person_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "user" in values:
        values["user_id"] = values.pop("user")
    return values


class CapacityWindowQuery(serializers.Serializer):
    weeks = serializers.IntegerField(
        required=False, min_value=planning.MIN_WEEKS, max_value=planning.MAX_WEEKS, help_text="default 12"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = WeekField(required=False, help_text="first week (default: this week)")
        return fields


class PersonCapacityWeekOutput(serializers.Serializer):
    week = WeekField()
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=8, decimal_places=2)
    free = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="capacity − allocated; negative: over")
    over = serializers.BooleanField()
    load = serializers.IntegerField(allow_null=True, help_text="allocated as a whole % of capacity")


class PersonCapacityOutput(serializers.Serializer):
    person = serializers.IntegerField()
    weeks = PersonCapacityWeekOutput(many=True)


@extend_schema_view(list=extend_schema(tags=["resources"]), retrieve=extend_schema(tags=["resources"]))
class PersonViewSet(
    SortKeysMixin, ResourcesAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """The people whose time the PMO plans, with department and skills."""

    model = Person
    serializer_class = ResourcePersonOutput
    capabilities = {**READ_WRITE, "skills": VIEW, "capacity": VIEW}
    filterset_class = filters.PersonFilterSet
    sort_keys = selectors.PEOPLE_SORTS
    ordering = ["name"]

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.people_list(organization=self.organization, queryset=queryset)

    def _respond(self, person: Person, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.person_get(organization=self.organization, pk=person.pk)
        return Response(ResourcePersonOutput(fresh).data, status=code)

    @extend_schema(request=PersonInput, responses={201: ResourcePersonOutput}, tags=["resources"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.person_create(
            organization=self.organization, actor=request.user, **_person_values(data.validated_data)
        )
        return self._respond(person, status.HTTP_201_CREATED)

    @extend_schema(
        request=PersonUpdateInput(partial=True),
        responses={200: ResourcePersonOutput},
        tags=["resources"],
        description="Change a person; ``active: false`` deactivates. Send the ``version`` you read to be told "
        "(409) when someone changed the person meanwhile.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        data = PersonUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _person_values(data.validated_data)
        version = values.pop("version", None)
        person = services.person_update(
            organization=self.organization, actor=request.user, person=person, version=version, **values
        )
        return self._respond(person)

    @extend_schema(tags=["resources"], description="Only a person without allocations or timesheets (else 409).")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.person_delete(organization=self.organization, actor=request.user, person=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses={200: PersonSkillOutput(many=True)}, tags=["resources"])
    @extend_schema(
        methods=["PUT"],
        request=SkillSetInput,
        responses={200: PersonSkillOutput(many=True)},
        tags=["resources"],
        description="Replace the person's skills with this set (levels 1–5); skills left out are removed.",
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def skills(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        if request.method == "PUT":
            data = SkillSetInput(data=request.data)
            data.is_valid(raise_exception=True)
            rows = services.person_skills_set(
                organization=self.organization,
                actor=request.user,
                person=person,
                levels={row["skill"]: row["level"] for row in data.validated_data["skills"]},
            )
        else:
            rows = list(person.skills.all())
        return Response(PersonSkillOutput(rows, many=True).data)

    @extend_schema(
        parameters=[CapacityWindowQuery],
        responses={200: PersonCapacityOutput},
        tags=["resources"],
        description="The person's capacity, allocated and free hours per ISO week (the strip of the person's page): "
        "working days of the calendar, holidays, make-up days and time off honoured.",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def capacity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        query = CapacityWindowQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start: dt.date = query.validated_data.get("from") or current_week_start(organization=self.organization)
        weeks = weeks_from(start, query.validated_data.get("weeks") or selectors.CAPACITY_WEEKS)
        rows = selectors.people_capacity(organization=self.organization, people=[person], weeks=weeks)[person.pk]
        return Response(PersonCapacityOutput({"person": person.pk, "weeks": rows}).data)


# --- Time off ----------------------------------------------------------------------------------------------------


class TimeOffOutput(serializers.ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "start", "end", "note"]
        read_only_fields = fields


class TimeOffInput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_NOTE)


@extend_schema_view(
    list=extend_schema(tags=["resources"]),
    retrieve=extend_schema(tags=["resources"]),
    destroy=extend_schema(tags=["resources"]),
)
class TimeOffViewSet(
    SortKeysMixin, ResourcesAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """A person's leave (whole days, inclusive)."""

    model = TimeOff
    serializer_class = TimeOffOutput
    capabilities = READ_WRITE
    filterset_class = filters.TimeOffFilterSet
    sort_keys = {"start": SortKey(gettext_lazy("From"), ("start",)), "end": SortKey(gettext_lazy("To"), ("end",))}
    ordering = ["start"]
    person: Person

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.person = selectors.person_get(organization=self.organization, pk=kwargs["person_pk"])

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.filter(person=self.person)

    @extend_schema(request=TimeOffInput, responses={201: TimeOffOutput}, tags=["resources"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TimeOffInput(data=request.data)
        data.is_valid(raise_exception=True)
        time_off = services.time_off_add(
            organization=self.organization, actor=request.user, person=self.person, **data.validated_data
        )
        return Response(TimeOffOutput(time_off).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.time_off_delete(organization=self.organization, actor=request.user, time_off=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Working calendar --------------------------------------------------------------------------------------------


class CalendarDayOutput(serializers.ModelSerializer):
    weekday = serializers.SerializerMethodField()

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "name", "weekday"]
        read_only_fields = fields

    def get_weekday(self, day: CalendarDay) -> int:
        """ISO weekday: 1 = Monday … 7 = Sunday."""
        return day.date.isoweekday()


class CalendarDayInput(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_NAME)


class CalendarYearInput(serializers.Serializer):
    days = CalendarDayInput(many=True)


class CalendarQuery(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="the year (default: this year)"
    )


@extend_schema_view(
    list=extend_schema(
        tags=["resources"],
        parameters=[CalendarQuery],
        description="The organisation's holidays (weekdays off) and make-up working days (weekends worked) of a year.",
    ),
    retrieve=extend_schema(tags=["resources"]),
    destroy=extend_schema(tags=["resources"]),
)
class CalendarViewSet(
    SortKeysMixin, ResourcesAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    model = CalendarDay
    serializer_class = CalendarDayOutput
    capabilities = {**READ_WRITE, "year": MANAGE}
    filterset_class = filters.CalendarFilterSet
    sort_keys = {"date": SortKey(gettext_lazy("Date"), ("date",))}
    ordering = ["date"]

    def restrict_queryset(self, queryset: Any) -> Any:
        if self.action != "list":
            return queryset
        query = CalendarQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or organization_today(self.organization).year
        return queryset.filter(date__year=year)

    @extend_schema(request=CalendarDayInput, responses={201: CalendarDayOutput}, tags=["resources"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A holiday on a weekday or a make-up working day on a weekend; 409 when the date has an entry."""
        data = CalendarDayInput(data=request.data)
        data.is_valid(raise_exception=True)
        day = services.calendar_day_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(CalendarDayOutput(day).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.calendar_day_delete(organization=self.organization, actor=request.user, day=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=CalendarYearInput,
        responses={200: CalendarDayOutput(many=True)},
        tags=["resources"],
        description="Replace the whole year's calendar with ``days`` (all in that year); nothing changes unless "
        "every day is valid.",
    )
    @action(detail=False, methods=["put"], url_path=r"year/(?P<year>\d{4})")
    def year(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CalendarYearInput(data=request.data)
        data.is_valid(raise_exception=True)
        days = services.calendar_year_replace(
            organization=self.organization,
            actor=request.user,
            year=int(kwargs["year"]),
            entries=[services.CalendarEntry(**row) for row in data.validated_data["days"]],
        )
        return Response(CalendarDayOutput(days, many=True).data)


# --- Staffing ----------------------------------------------------------------------------------------------------


class RequirementOutput(serializers.ModelSerializer):
    skill = NamedRefOutput(read_only=True, allow_null=True)
    start_week = WeekField(read_only=True)
    end_week = WeekField(read_only=True)
    hours_per_week = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)

    class Meta:
        model = StaffingRequirement
        fields = ["id", "role", "skill", "start_week", "end_week", "hours_per_week", "note"]
        read_only_fields = fields


class RequirementInput(serializers.Serializer):
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_NAME)
    skill = ScopedPrimaryKeyField(Skill, required=False, allow_null=True, default=None)
    start_week = WeekField()
    end_week = WeekField()
    hours_per_week = serializers.DecimalField(max_digits=8, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_NOTE)


class CellOutput(serializers.Serializer):
    week = WeekField()
    # "required" is also a Field attribute; the serializer's metaclass takes declared fields out of the class.
    required = serializers.DecimalField(max_digits=8, decimal_places=2)  # type: ignore[assignment]
    filled = serializers.DecimalField(max_digits=8, decimal_places=2)
    gap = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="required − filled; negative: over")


class StaffingAllocationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = NamedRefOutput(source="person_ref")
    role = serializers.CharField()
    hours_per_week = serializers.DecimalField(max_digits=6, decimal_places=2)


class MatrixRowOutput(serializers.Serializer):
    requirement = RequirementOutput()
    weeks = CellOutput(many=True)
    required = serializers.DecimalField(max_digits=10, decimal_places=2)  # type: ignore[assignment]
    filled = serializers.DecimalField(max_digits=10, decimal_places=2)
    gap = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="sum of the weekly shortfalls")
    filled_by = StaffingAllocationOutput(many=True)


class UnmatchedWeekOutput(serializers.Serializer):
    week = WeekField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)


class UnmatchedOutput(serializers.Serializer):
    allocation = StaffingAllocationOutput()
    weeks = UnmatchedWeekOutput(many=True)


class MatrixOutput(serializers.Serializer):
    project = serializers.IntegerField()
    weeks = serializers.ListField(child=WeekField())
    requirements = MatrixRowOutput(many=True)
    unmatched = UnmatchedOutput(many=True, help_text="allocation-weeks that fill no requirement")


def _allocation_ref(allocation: Any) -> dict[str, Any]:
    return {
        "id": allocation.pk,
        "person_ref": {"id": allocation.person_id, "name": allocation.person.full_name},
        "role": allocation.role,
        "hours_per_week": allocation.hours_per_week,
    }


def matrix_data(matrix: selectors.StaffingMatrix) -> dict[str, Any]:
    return {
        "project": matrix.project.pk,
        "weeks": matrix.weeks,
        "requirements": [
            {
                "requirement": row.requirement,
                "weeks": [row.cells[week] for week in matrix.weeks if week in row.cells],
                "required": row.required_total,
                "filled": row.filled_total,
                "gap": row.gap_total,
                "filled_by": [_allocation_ref(a) for a in row.filled_by],
            }
            for row in matrix.rows
        ],
        "unmatched": [
            {
                "allocation": _allocation_ref(row.allocation),
                "weeks": [{"week": week, "hours": hours} for week, hours in sorted(row.hours.items())],
            }
            for row in matrix.unmatched
        ],
    }


class SingleObjectSchema(AutoSchema):
    """For a viewset whose ``list`` answers one object (a matrix), not a page of rows."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema_view(retrieve=extend_schema(tags=["resources"]))
class StaffingViewSet(ResourcesAPIMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """A project's staffing requirements and its staffing matrix (404 when the caller may not read the project)."""

    model = StaffingRequirement
    serializer_class = RequirementOutput
    schema = SingleObjectSchema()
    pagination_class = None
    project: Project

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.project = project_get_for_actor(access=self.access, pk=kwargs["project_pk"])

    def restrict_queryset(self, queryset: Any) -> Any:
        return queryset.filter(project=self.project).select_related("skill")

    @extend_schema(
        operation_id="v1_orgs_projects_staffing_matrix",
        responses={200: MatrixOutput},
        tags=["resources"],
        description="The staffing matrix: per requirement and week of its span, required vs filled hours and the gap. "
        "An allocation of the project fills a requirement of the same role (case-insensitive), else one whose skill "
        "the person holds; each allocation-week fills one requirement only. Allocation-weeks that fill none are "
        "listed under ``unmatched``.",
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        matrix = selectors.staffing_matrix(organization=self.organization, project=self.project)
        return Response(MatrixOutput(matrix_data(matrix)).data)

    @extend_schema(request=RequirementInput, responses={201: RequirementOutput}, tags=["resources"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RequirementInput(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = services.staffing_requirement_create(
            organization=self.organization, actor=request.user, project=self.project, **data.validated_data
        )
        return Response(RequirementOutput(requirement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RequirementInput(partial=True), responses={200: RequirementOutput}, tags=["resources"])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requirement = self.get_object()
        data = RequirementInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = services.staffing_requirement_update(
            organization=self.organization, actor=request.user, requirement=requirement, **data.validated_data
        )
        return Response(RequirementOutput(updated).data)

    @extend_schema(tags=["resources"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.staffing_requirement_delete(
            organization=self.organization, actor=request.user, requirement=self.get_object()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
