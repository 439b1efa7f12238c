"""People, calendar and staffing pages under ``/o/<org_slug>/``: the people list (``resources/people/``), one
person (skills, time off, allocations, a 12-week capacity strip), the PMO's person forms, the working calendar of a
year (``resources/calendar/``) and the project tab "Staffing" (``projects/<pk>/staffing/``).

Thin views: resolve the organisation (404 for non-members), check the capability (403), parse a form, call one
service. Refused input renders the page again with the reasons (400); a conflict (stale version, in use, a date
already in the calendar, an archived project) shows the reason on top (409).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.core.exports import Column
from pmo.core.listing import ListPageMixin
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.policy import week_label, week_start_of
from projects.selectors import organization_members_queryset
from projects.services import ProjectsConflict, organization_today
from projects.views import ActionError, ProjectPageView, add_service_errors, form_messages
from resources import forms, selectors, services
from resources.models import CalendarDay, Department, Skill, StaffingRequirement, TimeOff

PAGE_SIZE = 50


class ResourcesPageMixin(OrganizationViewMixin):
    nav_key = "resources"
    capability = Capability.RESOURCES_VIEW
    request: HttpRequest

    @property
    def can_manage(self) -> bool:
        return self.access.can(Capability.RESOURCES_MANAGE)

    def require_manage(self) -> None:
        if not self.can_manage:
            raise PermissionDenied

    def run(
        self,
        call: Callable[[], Any],
        *,
        form: django_forms.Form | None,
        success: str,
        redirect_to: str,
        rerender: Callable[[], HttpResponse] | None = None,
    ) -> HttpResponse:
        """Run one service call: a message and a redirect on success. Refused input: the page again with the
        reasons in the form (400), or a redirect with the reasons as a message; a conflict: the reason on top (409)."""
        if form is not None and not form.is_valid():
            return self._refused(rerender, 400, redirect_to, form_messages(form))
        try:
            call()
        except ProjectsConflict as exc:
            messages.error(self.request, str(exc))
            return self._refused(rerender, 409, redirect_to, [])
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            return self._refused(rerender, 400, redirect_to, [str(m) for m in exc.messages])
        messages.success(self.request, success)
        return redirect(redirect_to)

    def _refused(
        self, rerender: Callable[[], HttpResponse] | None, status: int, redirect_to: str, reasons: list[str]
    ) -> HttpResponse:
        if rerender is None:
            if reasons:
                messages.error(self.request, " ".join(reasons))
            return redirect(redirect_to)
        response = rerender()
        response.status_code = status
        return response


# --- People ------------------------------------------------------------------------------------------------------


class PeopleListView(ListPageMixin, ResourcesPageMixin, TemplateView):
    """The people with filters and sort and each one's booking this week; ``?format=csv|xlsx`` answers the
    filtered list as a file."""

    template_name = "resources/people/list.html"
    export_name = "people"
    default_sort = "name"

    def build_filter_form(self) -> forms.PeopleFilterForm:
        org = self.organization
        return forms.PeopleFilterForm(
            self.request.GET or None,
            departments=selectors.departments(organization=org),
            skills=selectors.skills(organization=org),
        )

    @cached_property
    def this_week(self) -> Any:
        return week_start_of(organization_today(self.organization))

    def rows(self) -> Any:
        values = self.values
        filters = selectors.PeopleFilters(
            department=values["department"].pk if values.get("department") else None,
            skill=values["skill"].pk if values.get("skill") else None,
            active={"yes": True, "no": False}.get(values.get("active") or ""),
            search=(values.get("q") or "").strip(),
            sort=self.sort,
        )
        return selectors.people_list(organization=self.organization, filters=filters)

    def with_load(self, people: list[Any]) -> list[tuple[Any, Any]]:
        load = selectors.people_capacity(organization=self.organization, people=people, weeks=[self.this_week])
        return [(person, load[person.pk][0]) for person in people]

    def export_title(self) -> str:
        return _("People")

    def export_columns(self) -> list[Column]:
        week = week_label(self.this_week)
        return [
            Column(_("Name"), lambda row: row[0].full_name, 24),
            Column(_("E-mail"), lambda row: row[0].email, 28),
            Column(_("Department"), lambda row: row[0].department.name if row[0].department else "", 20),
            Column(_("Job role"), lambda row: row[0].job_role, 20),
            Column(
                _("Skills"),
                lambda row: ", ".join(f"{ps.skill.name} ({ps.level})" for ps in row[0].skills.all()),
                36,
            ),
            Column(_("Capacity (h/week)"), lambda row: row[0].weekly_capacity, 12),
            Column(_("Booked in %(week)s (h)") % {"week": week}, lambda row: row[1].allocated, 14),
            Column(_("Capacity in %(week)s (h)") % {"week": week}, lambda row: row[1].capacity, 14),
            Column(_("Status"), lambda row: _("Active") if row[0].active else _("Inactive"), 10),
            Column(_("User account"), lambda row: row[0].user.email if row[0].user else "", 28),
        ]

    def export_rows(self) -> Any:
        return self.with_load(list(self.rows()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            rows=self.with_load(list(data["page"].object_list)),
            this_week=week_label(self.this_week),
            can_manage=self.can_manage,
        )
        return data


def person_url(org_slug: str, pk: int) -> str:
    return reverse("person-detail", kwargs={"org_slug": org_slug, "pk": pk})


class PersonDetailView(ResourcesPageMixin, TemplateView):
    template_name = "resources/people/detail.html"

    @cached_property
    def detail(self) -> selectors.PersonDetail:
        return selectors.person_detail(
            organization=self.organization, pk=self.kwargs["pk"], today=organization_today(self.organization)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        detail = self.detail
        data.update(detail=detail, person=detail.person, can_manage=self.can_manage)
        if self.can_manage:
            data.setdefault("time_off_form", forms.TimeOffForm())
            data.setdefault(
                "skills_form",
                forms.PersonSkillsForm(
                    skills=list(selectors.skills(organization=self.organization)),
                    current={row.skill_id: row.level for row in detail.skills},
                ),
            )
        return data


class PersonActionView(PersonDetailView):
    """POST ``resources/people/<pk>/<verb>/``: ``skills``, ``time-off``, ``time-off-delete``."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_manage()
        person = self.detail.person
        org, actor, verb = self.organization, request.user, kwargs["verb"]
        back = person_url(org.slug, person.pk)
        if verb == "skills":
            skills_form = forms.PersonSkillsForm(
                request.POST, skills=list(selectors.skills(organization=org)), current={}
            )

            def save_skills() -> Any:
                return services.person_skills_set(
                    organization=org, actor=actor, person=person, levels=skills_form.levels()
                )

            return self.run(
                save_skills,
                form=skills_form,
                success=_("Skills saved."),
                redirect_to=back,
                rerender=lambda: self.render_to_response(self.get_context_data(skills_form=skills_form)),
            )
        if verb == "time-off":
            form = forms.TimeOffForm(request.POST)

            def add() -> Any:
                return services.time_off_add(organization=org, actor=actor, person=person, **form.cleaned_data)

            return self.run(
                add,
                form=form,
                success=_("Time off recorded."),
                redirect_to=back,
                rerender=lambda: self.render_to_response(self.get_context_data(time_off_form=form)),
            )
        if verb == "time-off-delete":
            leave = TimeOff.objects.filter(organization=org, person=person, pk=request.POST.get("id") or 0).first()
            if leave is None:
                raise Http404
            return self.run(
                lambda: services.time_off_delete(organization=org, actor=actor, time_off=leave),
                form=None,
                success=_("Time off removed."),
                redirect_to=back,
            )
        raise Http404


class PersonFormView(ResourcesPageMixin, TemplateView):
    """Create (no ``pk``) or edit a person; the PMO only."""

    template_name = "resources/people/form.html"
    capability = Capability.RESOURCES_MANAGE

    @cached_property
    def person(self) -> Any:
        pk = self.kwargs.get("pk")
        return selectors.person_get(organization=self.organization, pk=pk) if pk is not None else None

    def make_form(self, data: Any = None) -> forms.PersonForm:
        initial = None
        if self.person is not None:
            p = self.person
            initial = {
                "full_name": p.full_name,
                "email": p.email,
                "department": p.department_id,
                "job_role": p.job_role,
                "weekly_capacity": p.weekly_capacity,
                "cost_rate": p.cost_rate,
                "user": p.user_id,
                "active": p.active,
                "version": p.version,
            }
        return forms.PersonForm(
            data,
            initial=initial,
            departments=selectors.departments(organization=self.organization),
            members=organization_members_queryset(access=self.access),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.setdefault("form", self.make_form())
        data["person"] = self.person
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        saved: list[Any] = []

        def save() -> None:
            values = form.service_values()
            if self.person is None:
                saved.append(services.person_create(organization=self.organization, actor=request.user, **values))
            else:
                saved.append(
                    services.person_update(
                        organization=self.organization,
                        actor=request.user,
                        person=self.person,
                        version=form.cleaned_data.get("version"),
                        **values,
                    )
                )

        response = self.run(
            save,
            form=form,
            success=_("Person saved."),
            redirect_to=reverse("people-list", kwargs={"org_slug": self.organization.slug}),
            rerender=lambda: self.render_to_response(self.get_context_data(form=form)),
        )
        if saved:
            return redirect(person_url(self.organization.slug, saved[0].pk))
        return response


# --- Working calendar --------------------------------------------------------------------------------------------


class CalendarView(ResourcesPageMixin, TemplateView):
    template_name = "resources/calendar.html"

    @cached_property
    def year(self) -> int:
        raw = self.request.GET.get("year") or self.request.POST.get("year") or ""
        year = int(raw) if raw.isdigit() else organization_today(self.organization).year
        return year if 2000 <= year <= 2100 else organization_today(self.organization).year

    def url(self) -> str:
        return reverse("calendar", kwargs={"org_slug": self.organization.slug}) + f"?year={self.year}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        days = list(selectors.calendar_days(organization=self.organization, year=self.year))
        months: dict[int, list[CalendarDay]] = {}
        for day in days:
            months.setdefault(day.date.month, []).append(day)
        data.update(
            year=self.year,
            years=[self.year - 1, self.year, self.year + 1],
            days=days,
            months=sorted(months.items()),
            holidays=sum(1 for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
            working_days=sum(1 for d in days if d.kind == CalendarDay.Kind.WORKING),
            can_manage=self.can_manage,
        )
        if self.can_manage:
            data.setdefault("day_form", forms.CalendarDayForm())
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_manage()
        org, actor = self.organization, request.user
        if request.POST.get("action") == "delete":
            day = CalendarDay.objects.filter(organization=org, pk=request.POST.get("id") or 0).first()
            if day is None:
                raise Http404
            return self.run(
                lambda: services.calendar_day_delete(organization=org, actor=actor, day=day),
                form=None,
                success=_("Removed from the calendar."),
                redirect_to=self.url(),
            )
        form = forms.CalendarDayForm(request.POST)
        return self.run(
            lambda: services.calendar_day_create(organization=org, actor=actor, **form.cleaned_data),
            form=form,
            success=_("Added to the calendar."),
            redirect_to=self.url(),
            rerender=lambda: self.render_to_response(self.get_context_data(day_form=form)),
        )


# --- Project staffing --------------------------------------------------------------------------------------------


class ProjectStaffingView(ProjectPageView):
    """The project's staffing requirements with required vs filled hours per week, and (for the PMO and whoever
    may change the project) the forms to add, edit and delete requirements."""

    template_name = "resources/staffing.html"
    tab = "staffing"

    @cached_property
    def may_staff(self) -> bool:
        return not self.project.is_read_only and (self.access.can(Capability.RESOURCES_MANAGE) or self.can_change)

    @cached_property
    def skill_list(self) -> list[Any]:
        return list(selectors.skills(organization=self.organization))

    def requirement_form(self, data: Any = None, initial: Any = None, prefix: str | None = None) -> Any:
        return forms.RequirementForm(data, initial=initial, prefix=prefix, skills=self.skill_list)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        add_form = kwargs.pop("add_form", None)
        data = super().get_context_data(**kwargs)
        matrix = selectors.staffing_matrix(organization=self.organization, project=self.project)
        data.update(
            matrix=matrix,
            week_labels=[(week, week_label(week)) for week in matrix.weeks],
            may_staff=self.may_staff,
            this_week=week_start_of(self.today),
        )
        data["grid_rows"] = [
            {
                "row": row,
                "cells": row.cell_list(matrix.weeks),
                "edit_form": self.edit_form(row.requirement) if self.may_staff else None,
            }
            for row in matrix.rows
        ]
        data["unmatched_rows"] = [{"row": row, "cells": row.cell_list(matrix.weeks)} for row in matrix.unmatched]
        if self.may_staff:
            data["add_form"] = add_form or self.requirement_form()
        return data

    def edit_form(self, requirement: StaffingRequirement) -> Any:
        return self.requirement_form(
            initial={
                "role": requirement.role,
                "skill": requirement.skill_id,
                "start_week": requirement.start_week,
                "end_week": requirement.end_week,
                "hours_per_week": requirement.hours_per_week,
                "note": requirement.note,
            },
            prefix=f"r{requirement.pk}",
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.may_staff)
        org, actor = self.organization, request.user
        pk = request.POST.get("id")
        requirement = None
        if pk:
            requirement = StaffingRequirement.objects.filter(
                organization=org, project=self.project, pk=pk if pk.isdigit() else 0
            ).first()
            if requirement is None:
                raise Http404
        if requirement is not None and request.POST.get("action") == "delete":
            found = requirement
            return self.act(
                lambda: services.staffing_requirement_delete(organization=org, actor=actor, requirement=found),
                success=_("Requirement removed."),
            )
        form = self.requirement_form(request.POST, prefix=f"r{requirement.pk}" if requirement else None)
        if requirement is not None:
            found = requirement
            return self.act(
                lambda: services.staffing_requirement_update(
                    organization=org, actor=actor, requirement=found, **form.cleaned_data
                ),
                success=_("Requirement saved."),
                target=("requirement", found.pk),
                form=form,
            )
        return self.act(
            lambda: services.staffing_requirement_create(
                organization=org, actor=actor, project=self.project, **form.cleaned_data
            ),
            success=_("Requirement added."),
            target=("add", 0),
            form=form,
        )

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # A refused "add" keeps what was typed in the add form.
        error = context.get("action_error")
        if isinstance(error, ActionError) and error.target == ("add", 0) and "form" in context:
            context["add_form"] = context["form"]
        return super().render_to_response(context, **kwargs)


# --- Departments and skills --------------------------------------------------------------------------------------


class CatalogueView(ResourcesPageMixin, TemplateView):
    """The organisation's departments and skills, with how many people each has; the PMO adds, renames and deletes
    them (a department or skill in use cannot be deleted)."""

    template_name = "resources/catalogue.html"
    KINDS: ClassVar[dict[str, Any]] = {"department": Department, "skill": Skill}

    def url(self) -> str:
        return reverse("resource-catalogue", kwargs={"org_slug": self.organization.slug})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data.update(
            catalogue=[
                ("department", _("Departments"), selectors.departments_with_counts(organization=self.organization)),
                ("skill", _("Skills"), selectors.skills_with_counts(organization=self.organization)),
            ],
            can_manage=self.can_manage,
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require_manage()
        org, actor = self.organization, request.user
        kind, verb = request.POST.get("kind", ""), request.POST.get("verb", "")
        model = self.KINDS.get(kind)
        if model is None or verb not in ("add", "rename", "delete"):
            raise Http404
        name = request.POST.get("name", "")
        call: Callable[[], Any]
        if verb == "add":
            create = services.department_create if kind == "department" else services.skill_create
            call, message = (lambda: create(organization=org, actor=actor, name=name)), _("Added.")
        else:
            item = model.objects.filter(organization=org, pk=request.POST.get("id") or 0).first()
            if item is None:
                raise Http404
            # The services name their object after its kind: department=… or skill=….
            target = {kind: item}
            if verb == "rename":
                rename: Any = services.department_rename if kind == "department" else services.skill_rename
                call, message = (lambda: rename(organization=org, actor=actor, name=name, **target)), _("Renamed.")
            else:
                delete: Any = services.department_delete if kind == "department" else services.skill_delete
                call, message = (lambda: delete(organization=org, actor=actor, **target)), _("Deleted.")
        return self.run(call, form=None, success=message, redirect_to=self.url())
