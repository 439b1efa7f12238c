"""The filters of the resources API lists (django-filter): the parameters of the web lists, each checked (a wrong
value is a 400 naming the parameter), each related row looked up in the caller's organisation."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from pmo.core.api_filters import BooleanParamFilter, scoped
from projects.api_fields import IsoWeekFilter
from projects.models import Project
from resources import selectors
from resources.models import Allocation, CalendarDay, Department, Person, PersonSkill, Skill, TimeOff, Timesheet
from resources.timesheets import selectors as timesheet_selectors

SEARCH_MAX = 100


def rename_filter(filterset: type[filters.FilterSet], attribute: str, name: str) -> None:
    """Give a declared filter a parameter name that cannot be a Python attribute (``from``)."""
    filterset.base_filters[name] = filterset.base_filters.pop(attribute)


class PersonFilterSet(filters.FilterSet):
    department = filters.ModelChoiceFilter(queryset=scoped(Department))
    skill = filters.ModelChoiceFilter(queryset=scoped(Skill), method="filter_skill", help_text="holders of the skill")
    active = BooleanParamFilter()
    q = filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, help_text="name, e-mail or job role")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_skill(self, queryset: QuerySet[Person], name: str, value: Skill) -> QuerySet[Person]:
        return queryset.filter(pk__in=PersonSkill.objects.filter(skill=value).values("person_id"))

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(selectors.person_search_q(value.strip()))


class NamedFilterSet(filters.FilterSet):
    """Departments and skills: ``q`` finds a name."""

    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=SEARCH_MAX, help_text="name")


class DepartmentFilterSet(NamedFilterSet):
    class Meta:
        model = Department
        fields: list[str] = []


class SkillFilterSet(NamedFilterSet):
    class Meta:
        model = Skill
        fields: list[str] = []


class TimeOffFilterSet(filters.FilterSet):
    since = filters.DateFilter(field_name="end", lookup_expr="gte", help_text="leave ending on or after this day")
    until = filters.DateFilter(field_name="start", lookup_expr="lte", help_text="leave starting on or before this day")

    class Meta:
        model = TimeOff
        fields: list[str] = []


class CalendarFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CalendarDay.Kind.choices)

    class Meta:
        model = CalendarDay
        fields: list[str] = []


class AllocationFilterSet(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped(Person))
    project = filters.ModelChoiceFilter(queryset=scoped(Project))
    department = filters.ModelChoiceFilter(queryset=scoped(Department), field_name="person__department")
    from_ = IsoWeekFilter(field_name="end_week", lookup_expr="gte", help_text="running in or after this week")
    to = IsoWeekFilter(field_name="start_week", lookup_expr="lte", help_text="starting in or before this week")
    role = filters.CharFilter(lookup_expr="icontains", max_length=SEARCH_MAX)

    class Meta:
        model = Allocation
        fields: list[str] = []


rename_filter(AllocationFilterSet, "from_", "from")


class TimesheetFilterSet(filters.FilterSet):
    """The list without any of these filters is the caller's own sheets (``TimesheetViewSet``); with one, every
    sheet the caller may read that matches."""

    person = filters.ModelChoiceFilter(queryset=scoped(Person))
    week = IsoWeekFilter(field_name="week_start")
    state = filters.ChoiceFilter(choices=Timesheet.State.choices)

    class Meta:
        model = Timesheet
        fields: list[str] = []

    @classmethod
    def given(cls, params: Any) -> bool:
        """Whether ``params`` (the query) set any of these filters."""
        return any(params.get(name) for name in cls.base_filters)


class ApprovalFilterSet(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped(Person))
    department = filters.ModelChoiceFilter(queryset=scoped(Department), field_name="person__department")
    week = IsoWeekFilter(field_name="week_start")
    project = filters.ModelChoiceFilter(queryset=scoped(Project), method="filter_project", help_text="hours on it")

    class Meta:
        model = Timesheet
        fields: list[str] = []

    def filter_project(self, queryset: QuerySet[Timesheet], name: str, value: Project) -> QuerySet[Timesheet]:
        return timesheet_selectors.with_hours_on(queryset, project=value)
