"""Resource planning pages under ``/o/<org_slug>/resources/`` (main navigation key ``resources``):

- ``resources/`` — capacity vs demand as a heat map by department or skill, each cell linked to its drill-down,
  and the number of over-allocations;
- ``resources/capacity/<by>/<group>/<week>/`` — one group and week: people (capacity, allocated, free) and
  projects;
- ``resources/overallocations/`` — every over-allocated person-week with the allocations involved, each with an
  inline form (hours per week and weeks) for whoever may change it;
- ``resources/allocations/`` — every allocation, with filters and (for the PMO) the form to add one;
- ``resources/utilization/`` — planned and actual utilisation per person, department and organisation.

Thin views: a form checks the input, a selector reads, one service writes; a refused write comes back with the
reason (400 next to the form, 403, or 409 on top) and nothing saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from pmo.core.charts import HeatCell, heat_map
from pmo.core.exports import Column, ExportableListMixin, attr, requested_format
from pmo.core.listing import ListPageMixin, filter_errors, filter_values, sort_choices
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.models import Project
from projects.policy import current_week_start, parse_week, week_label
from projects.services import ProjectsConflict
from resources import allocations as services
from resources import planning as selectors
from resources.models import Allocation, Department, Person

WEEK_INPUT = forms.TextInput(attrs={"type": "week", "placeholder": "2026-W47"})


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def hours_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


class WeekField(forms.CharField):
    """An ISO week (``2026-W47``, what ``<input type="week">`` sends) → its Monday."""

    widget = WEEK_INPUT

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        return parse_week(text)

    def prepare_value(self, value: Any) -> Any:
        return week_label(value) if isinstance(value, dt.date) else value


class WindowForm(forms.Form):
    start = WeekField(label=gettext_lazy("From week"), required=False)
    weeks = forms.IntegerField(
        label=gettext_lazy("Weeks"), min_value=selectors.MIN_WEEKS, max_value=selectors.MAX_WEEKS, required=False
    )


class CapacityForm(WindowForm):
    by = forms.ChoiceField(
        label=gettext_lazy("By"),
        choices=[("department", gettext_lazy("Department")), ("skill", gettext_lazy("Skill"))],
        required=False,
    )


class AllocationEditForm(forms.Form):
    hours_per_week = forms.DecimalField(
        label=gettext_lazy("Hours per week"), min_value=services.MIN_HOURS, max_value=services.MAX_HOURS
    )
    start_week = WeekField(label=gettext_lazy("From week"))
    end_week = WeekField(label=gettext_lazy("To week"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AllocationAddForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.dangerously_unscoped.none())
    project = forms.ModelChoiceField(label=gettext_lazy("Project"), queryset=Project.dangerously_unscoped.none())
    role = forms.CharField(label=gettext_lazy("Role"), max_length=120, required=False)
    start_week = WeekField(label=gettext_lazy("From week"))
    end_week = WeekField(label=gettext_lazy("To week"))
    hours_per_week = forms.DecimalField(
        label=gettext_lazy("Hours per week"), min_value=services.MIN_HOURS, max_value=services.MAX_HOURS
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person_field = self.fields["person"]
        project_field = self.fields["project"]
        assert isinstance(person_field, forms.ModelChoiceField)
        assert isinstance(project_field, forms.ModelChoiceField)
        person_field.queryset = Person.objects.filter(organization=organization, active=True).order_by("full_name")
        project_field.queryset = (
            Project.objects.filter(organization=organization).exclude(status__in=selectors.ARCHIVED).order_by("code")
        )


class AllocationFilterForm(WindowForm):
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=Person.dangerously_unscoped.none(), required=False
    )
    project = forms.ModelChoiceField(
        label=gettext_lazy("Project"), queryset=Project.dangerously_unscoped.none(), required=False
    )
    end = WeekField(label=gettext_lazy("To week"), required=False)
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Department.dangerously_unscoped.none(), required=False
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    field_order = ["person", "project", "department", "start", "end", "sort"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["weeks"]
        person_field = self.fields["person"]
        project_field = self.fields["project"]
        department_field = self.fields["department"]
        sort_field = self.fields["sort"]
        assert isinstance(person_field, forms.ModelChoiceField)
        assert isinstance(project_field, forms.ModelChoiceField)
        assert isinstance(department_field, forms.ModelChoiceField)
        assert isinstance(sort_field, forms.ChoiceField)
        person_field.queryset = Person.objects.filter(organization=organization).order_by("full_name")
        project_field.queryset = Project.objects.filter(organization=organization).order_by("code")
        department_field.queryset = Department.objects.filter(organization=organization).order_by("name")
        sort_field.choices = sort_choices(selectors.ALLOCATION_SORTS)
        for field in (person_field, project_field, department_field):
            field.empty_label = gettext_lazy("All")


class PlanningPage(OrganizationViewMixin, TemplateView):
    capability = Capability.RESOURCES_VIEW
    nav_key = "resources"
    subnav = ""

    def this_week(self) -> dt.date:
        return current_week_start(organization=self.organization)

    def window(self, form: WindowForm, *, back: int, weeks: int) -> tuple[dt.date, int]:
        values = filter_values(form)
        start = values.get("start") or self.this_week() - dt.timedelta(weeks=back)
        weeks = values.get("weeks") or weeks
        if not form.is_bound:  # show the window in force, not empty inputs
            form.initial.update(start=start, weeks=weeks)
        return start, weeks

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["subnav"] = self.subnav
        return data


def drilldown_url(org_slug: str, by: str, group_id: int, week: dt.date) -> str:
    return reverse(
        "capacity-drilldown", kwargs={"org_slug": org_slug, "by": by, "group": group_id, "week": week_label(week)}
    )


class ResourcesHomeView(ExportableListMixin, PlanningPage):
    """Capacity vs demand as a heat map; each cell links to its drill-down. ``?format=csv|xlsx`` answers the grid
    as a file, a row per group and week."""

    template_name = "resources/planning/home.html"
    subnav = "capacity"
    export_name = "capacity"

    @cached_property
    def form(self) -> CapacityForm:
        return CapacityForm(self.request.GET or None)

    @cached_property
    def by(self) -> str:
        return filter_values(self.form).get("by") or "department"

    def report(self) -> selectors.CapacityDemand:
        start, weeks = self.window(self.form, back=0, weeks=12)
        return selectors.capacity_demand(organization=self.organization, start=start, weeks=weeks, by=self.by)

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.form)

    def export_rows(self) -> Any:
        report = self.report()
        return (
            (group, week, cell)
            for group in report.groups
            for week, cell in zip(report.weeks, report.row(group), strict=True)
        )

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Department") if self.by == "department" else _("Skill"), lambda row: row[0].name, 24),
            Column(_("Week"), lambda row: week_label(row[1]), 10),
            Column(_("Week of"), lambda row: row[1], 12),
            Column(_("Capacity (h)"), lambda row: row[2].capacity, 12),
            Column(_("Demand (h)"), lambda row: row[2].demand, 12),
            Column(_("Free (h)"), lambda row: row[2].free, 12),
            Column(_("Demand ÷ capacity"), lambda row: row[2].ratio, 12),
        ]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if requested_format(request):
            return super().get(request, *args, **kwargs)  # the file (ExportableListMixin)
        form = self.form
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, report=None), status=400)
        by = self.by
        start, weeks = self.window(self.form, back=0, weeks=12)
        overview = selectors.capacity_overview(
            organization=self.organization, start=start, weeks=weeks, by=by, over_start=self.this_week(), over_weeks=13
        )
        report, over = overview.demand, overview.over
        start = report.weeks[0]
        slug = self.organization.slug
        cells = [
            [
                HeatCell(
                    ratio=cell.ratio,
                    label=percent(cell.ratio) if cell.capacity or cell.demand else "",
                    tooltip=_("capacity %(capacity)s h, demand %(demand)s h")
                    % {"capacity": hours_text(cell.capacity), "demand": hours_text(cell.demand)},
                    href=drilldown_url(slug, by, group.id, week),
                )
                for week, cell in zip(report.weeks, report.row(group), strict=True)
            ]
            for group in report.groups
        ]
        chart = heat_map(
            rows=[group.name for group in report.groups],
            columns=[f"W{week.isocalendar().week:02d}" for week in report.weeks],
            cells=cells,
            title=_("Demand as a share of capacity, by department")
            if by == "department"
            else _("Demand as a share of capacity, by skill"),
            empty_message=_("No departments yet.") if by == "department" else _("No skills yet."),
        )
        return self.render_to_response(
            self.get_context_data(
                form=form,
                report=report,
                rows=[(group, report.row(group)) for group in report.groups],
                chart=chart,
                by=by,
                start=start,
                last=report.weeks[-1],
                over_count=over.person_weeks,
                over_people=over.people,
            )
        )


class CapacityDrillDownView(PlanningPage):
    template_name = "resources/planning/drilldown.html"
    subnav = "capacity"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        try:
            week = parse_week(self.kwargs["week"])
        except ValidationError as exc:
            raise Http404 from exc
        drill = selectors.capacity_drilldown(
            organization=self.organization, by=self.kwargs["by"], group_id=self.kwargs["group"], week=week
        )
        data.update(
            drill=drill,
            week_label=week_label(week),
            ratio=percent(drill.cell.ratio),
            previous_url=drilldown_url(self.organization.slug, drill.by, drill.group.id, week - dt.timedelta(weeks=1)),
            next_url=drilldown_url(self.organization.slug, drill.by, drill.group.id, week + dt.timedelta(weeks=1)),
        )
        return data


class OverAllocationsView(ExportableListMixin, PlanningPage):
    """Over-allocated person-weeks, with an inline form per allocation for whoever may change it;
    ``?format=csv|xlsx`` answers them as a file, a row per person-week."""

    template_name = "resources/planning/overallocations.html"
    subnav = "overallocations"
    export_name = "over-allocations"

    @cached_property
    def form(self) -> WindowForm:
        return WindowForm(self.request.GET or None)

    def over(self) -> tuple[dt.date, int, list[selectors.OverAllocation]]:
        start, weeks = self.window(self.form, back=0, weeks=13)
        return start, weeks, selectors.over_allocations(organization=self.organization, start=start, weeks=weeks)

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.form)

    def export_rows(self) -> Any:
        return self.over()[2]

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Week"), lambda row: week_label(row.week), 10),
            Column(_("Person"), attr("person.full_name"), 24),
            Column(_("Department"), attr("person.department.name"), 18),
            Column(_("Capacity (h)"), attr("capacity"), 12),
            Column(_("Allocated (h)"), attr("allocated"), 12),
            Column(_("Excess (h)"), attr("excess"), 12),
            Column(
                _("Allocations"),
                lambda row: [f"{a.project.code} {a.hours_per_week:g} h" for a in row.allocations],
                40,
            ),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        form = self.form
        start, weeks, rows = self.over()
        changeable = services.changeable_project_ids(access=self.access)
        edit = kwargs.get("edit")  # (allocation id, bound form with errors) after a refused save
        for row in rows:
            row.items = [  # type: ignore[attr-defined]
                {
                    "allocation": allocation,
                    "editable": changeable is None or allocation.project_id in changeable,
                    "form": edit[1]
                    if edit and edit[0] == allocation.pk
                    else AllocationEditForm(
                        initial={
                            "hours_per_week": allocation.hours_per_week,
                            "start_week": allocation.start_week,
                            "end_week": allocation.end_week,
                            "version": allocation.version,
                        },
                        prefix=f"a{allocation.pk}",
                    ),
                }
                for allocation in row.allocations
            ]
        data.update(form=form, rows=rows, start=start, last=start + dt.timedelta(weeks=weeks - 1))
        return data


class AllocationEditView(OverAllocationsView):
    """POST ``resources/allocations/<pk>/edit/``: change hours and weeks, then back to ``next`` (the list)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allocation = selectors.allocation_get(organization=self.organization, pk=kwargs["pk"])
        form = AllocationEditForm(request.POST, prefix=f"a{allocation.pk}")
        target = request.POST.get("next") or reverse("overallocations", args=[self.organization.slug])
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("overallocations", args=[self.organization.slug])
        status = 400
        if form.is_valid():
            try:
                services.allocation_update(
                    organization=self.organization,
                    actor=request.user,
                    allocation=allocation,
                    version=form.cleaned_data.get("version"),
                    hours_per_week=form.cleaned_data["hours_per_week"],
                    start_week=form.cleaned_data["start_week"],
                    end_week=form.cleaned_data["end_week"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                status = 403
            except ProjectsConflict as exc:
                messages.error(request, str(exc))
                status = 409
            else:
                messages.success(
                    request,
                    _("Allocation of %(person)s to %(project)s saved.")
                    % {"person": allocation.person.full_name, "project": allocation.project.code},
                )
                return HttpResponseRedirect(target)
        return self.render_to_response(self.get_context_data(edit=(allocation.pk, form)), status=status)


class AllocationListView(ListPageMixin, PlanningPage):
    """Every allocation (filters, sort, 50 a page), and the form to add one for whoever may manage resources;
    ``?format=csv|xlsx`` answers the filtered list as a file."""

    template_name = "resources/planning/allocations.html"
    subnav = "allocations"
    export_name = "allocations"
    default_sort = "person"

    def build_filter_form(self) -> AllocationFilterForm:
        return AllocationFilterForm(self.request.GET or None, organization=self.organization)

    def rows(self) -> QuerySet[Allocation]:
        values = self.values
        return selectors.allocations_list(
            organization=self.organization,
            person=values["person"].pk if values.get("person") else None,
            project=values["project"].pk if values.get("project") else None,
            department=values["department"].pk if values.get("department") else None,
            since=values.get("start"),
            until=values.get("end"),
            sort=self.sort,
        )

    def export_title(self) -> str:
        return _("Allocations")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Person"), attr("person.full_name"), 24),
            Column(_("Department"), attr("person.department.name"), 20),
            Column(_("Project code"), attr("project.code"), 12),
            Column(_("Project"), attr("project.name"), 30),
            Column(_("Role"), attr("role"), 18),
            Column(_("Hours per week"), attr("hours_per_week"), 10),
            Column(_("From week"), lambda a: week_label(a.start_week), 10),
            Column(_("To week"), lambda a: week_label(a.end_week), 10),
            Column(_("Start date"), attr("start_week"), 12),
            Column(_("End date"), lambda a: a.end_week + dt.timedelta(days=6), 12),
            Column(_("Weeks"), lambda a: (a.end_week - a.start_week).days // 7 + 1, 8),
            Column(_("Total hours"), lambda a: a.hours_per_week * ((a.end_week - a.start_week).days // 7 + 1), 10),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        page = data["page"]
        data.update(allocations=list(page.object_list), total=page.paginator.count)
        if self.access.can(Capability.RESOURCES_MANAGE):
            data["add_form"] = kwargs.get("add_form") or AllocationAddForm(organization=self.organization)
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.access.can(Capability.RESOURCES_MANAGE):
            raise PermissionDenied
        form = AllocationAddForm(request.POST, organization=self.organization)
        status = 400
        if form.is_valid():
            try:
                allocation = services.allocation_create(
                    organization=self.organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ProjectsConflict as exc:
                messages.error(request, str(exc))
                status = 409
            else:
                messages.success(
                    request,
                    _("%(person)s allocated to %(project)s.")
                    % {"person": allocation.person.full_name, "project": allocation.project.code},
                )
                return HttpResponseRedirect(reverse("allocations", args=[self.organization.slug]))
        return self.render_to_response(self.get_context_data(add_form=form), status=status)


class UtilizationView(ExportableListMixin, PlanningPage):
    """Planned and actual utilisation by department and person; ``?format=csv|xlsx`` answers both tables and the
    organisation's total as one file (a row each, its level first)."""

    template_name = "resources/planning/utilization.html"
    subnav = "utilization"
    export_name = "utilisation"

    @cached_property
    def form(self) -> WindowForm:
        return WindowForm(self.request.GET or None)

    def report(self) -> selectors.UtilisationReport:
        start, weeks = self.window(self.form, back=4, weeks=8)
        return selectors.utilization(organization=self.organization, start=start, weeks=weeks)

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.form)

    def export_rows(self) -> Any:
        report = self.report()
        return [
            *((_("Department"), row) for row in report.departments),
            *((_("Person"), row) for row in report.people),
            (_("Organisation"), report.organization),
        ]

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Level"), lambda row: row[0], 12),
            Column(_("Name"), lambda row: row[1].name, 24),
            Column(_("People"), lambda row: row[1].people, 8),
            Column(_("Capacity (h)"), lambda row: row[1].capacity, 12),
            Column(_("Planned hours"), lambda row: row[1].planned_hours, 12),
            Column(_("Actual hours"), lambda row: row[1].actual_hours, 12),
            Column(_("Planned utilisation"), lambda row: row[1].planned, 12),
            Column(_("Actual utilisation"), lambda row: row[1].actual, 12),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        form = self.form
        report = self.report()

        def show(row: selectors.Utilisation) -> dict[str, Any]:
            return {
                "name": row.name,
                "people": row.people,
                "capacity": row.capacity,
                "planned_hours": row.planned_hours,
                "actual_hours": row.actual_hours,
                "planned": percent(row.planned),
                "actual": percent(row.actual),
                "planned_over": row.planned is not None and row.planned > 1,
            }

        data.update(
            form=form,
            start=report.weeks[0],
            last=report.weeks[-1],
            people=[show(row) for row in report.people],
            departments=[show(row) for row in report.departments],
            total=show(report.organization),
        )
        return data
