"""Timesheet pages under ``/o/<org_slug>/``: my week (``timesheets/``: week picker, one row per project with the
allocated hours as a hint, a total, save / submit; the PMO may pick anyone's sheet), the approval queue
(``timesheets/approvals/``: approve, or return with a comment) and one sheet's page (``timesheets/<id>/``).

Thin views: the sheet is resolved for the actor (404 when not readable), one service (or, for a new week, create
then save in one transaction) is called. Refused input comes back with the reasons (400); a stale version or a
sheet someone else already decided comes back with the reason on top (409); a step the actor may not take is 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.core.exports import Column, attr
from pmo.core.listing import ListPageMixin
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.policy import current_week_start, parse_week, week_label
from projects.selectors import projects_visible_to
from projects.services import ProjectsConflict
from projects.views import error_messages
from resources.models import Department, Person, Timesheet
from resources.timesheets import forms, selectors, services


def week_url(org_slug: str, week: dt.date, person: Person | None = None, *, own: bool = True) -> str:
    query = {"week": week_label(week)}
    if person is not None and not own:
        query["person"] = str(person.pk)
    return f"{reverse('timesheet-mine', kwargs={'org_slug': org_slug})}?{urlencode(query)}"


class MyTimesheetView(OrganizationViewMixin, TemplateView):
    """My week: the sheet of ``?week=2026-W47`` (default: this week) of my linked person, or, for the PMO, of
    ``?person=<id>``."""

    capability = Capability.TIMESHEETS_SUBMIT
    nav_key = "timesheets"
    template_name = "resources/timesheets/mine.html"

    @cached_property
    def current_week(self) -> dt.date:
        return current_week_start(organization=self.organization)

    @cached_property
    def week_start(self) -> dt.date:
        raw = self.request.GET.get("week") or self.request.POST.get("week")
        if not raw:
            return self.current_week
        try:
            return parse_week(raw)
        except ValidationError:
            messages.error(self.request, _("Give the week as an ISO week, e.g. 2026-W47."))
            return self.current_week

    @cached_property
    def own_person(self) -> Person | None:
        return selectors.person_for_user(organization=self.organization, user=self.request.user)

    @cached_property
    def person(self) -> Person | None:
        """The person whose sheet is shown: ``?person=`` for the PMO (404 when not theirs to enter), else mine."""
        raw = self.request.GET.get("person") or self.request.POST.get("person")
        if raw and self.access.can(Capability.RESOURCES_MANAGE):
            person = selectors.person_get(organization=self.organization, pk=raw)
            if person is None:
                raise Http404
            return person
        return self.own_person

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        posted: dict[str, Any] | None = kwargs.pop("posted", None)
        errors: list[str] = kwargs.pop("errors", [])
        data = super().get_context_data(**kwargs)
        person, week = self.person, self.week_start
        data.update(
            week=week,
            week_label=week_label(week),
            previous_week=week_label(week - dt.timedelta(weeks=1)),
            next_week=week_label(week + dt.timedelta(weeks=1)) if week < self.current_week else None,
            current_week=week_label(self.current_week),
            person=person,
            is_own=person is not None and person.pk == getattr(self.own_person, "pk", None),
            errors=errors,
        )
        if self.access.can(Capability.RESOURCES_MANAGE):
            data["people"] = list(selectors.people_for_entry(access=self.access))
        if person is None:
            return data
        sheet = selectors.my_week(organization=self.organization, person=person, week_start=week)
        timesheet = sheet.timesheet
        may_enter = services.may_enter(access=self.access, person=person)
        editable = may_enter and (timesheet is None or timesheet.state in services.EDITABLE_STATES)
        if posted is not None:
            for row in sheet.rows:
                row.hours = posted.get(f"{forms.HOURS_PREFIX}{row.project.pk}", row.hours)
                row.note = posted.get(f"{forms.NOTE_PREFIX}{row.project.pk}", row.note)
        data.update(sheet=sheet, timesheet=timesheet, editable=editable and week <= self.current_week)
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = self.person
        if person is None or not services.may_enter(access=self.access, person=person):
            raise PermissionDenied
        form = forms.WeekSheetForm(request.POST)
        if not form.is_valid():
            return self._refused(_("Choose save or submit."), status=400)
        org, actor, week = self.organization, request.user, self.week_start
        action = form.cleaned_data["action"]
        try:
            with transaction.atomic():
                timesheet = Timesheet.objects.filter(organization=org, person=person, week_start=week).first()
                version = form.cleaned_data.get("version")
                if timesheet is None:
                    timesheet = services.timesheet_create(organization=org, actor=actor, person=person, week_start=week)
                    version = timesheet.version
                timesheet = services.timesheet_save(
                    organization=org, actor=actor, timesheet=timesheet, entries=form.entries(), version=version
                )
                if action == "submit":
                    timesheet = services.timesheet_submit(organization=org, actor=actor, timesheet=timesheet)
        except ProjectsConflict as exc:
            return self._refused(str(exc), status=409)
        except ValidationError as exc:
            return self.render_to_response(
                self.get_context_data(posted=request.POST, errors=error_messages(exc)), status=400
            )
        if action == "submit":
            messages.success(request, _("Timesheet of %(week)s submitted for approval.") % {"week": week_label(week)})
        else:
            messages.success(request, _("Timesheet of %(week)s saved.") % {"week": week_label(week)})
        return redirect(week_url(org.slug, week, person, own=person.pk == getattr(self.own_person, "pk", None)))

    def _refused(self, message: str, *, status: int) -> HttpResponse:
        messages.error(self.request, message)
        return self.render_to_response(self.get_context_data(posted=self.request.POST), status=status)


class ApprovalQueueView(ListPageMixin, OrganizationViewMixin, TemplateView):
    """Submitted sheets awaiting the actor's decision (filters, sort, 50 a page; oldest week first), with approve
    and return-with-comment; ``?format=csv|xlsx`` answers the filtered queue as a file."""

    capability = Capability.TIMESHEETS_APPROVE
    nav_key = "timesheets"
    template_name = "resources/timesheets/approvals.html"
    export_name = "timesheet-approvals"
    default_sort = "week"

    def build_filter_form(self) -> forms.ApprovalFilterForm:
        org = self.organization
        return forms.ApprovalFilterForm(
            self.request.GET or None,
            people=Person.objects.filter(organization=org).order_by("full_name"),
            departments=Department.objects.filter(organization=org).order_by("name"),
            projects=projects_visible_to(access=self.access).order_by("code"),
        )

    def rows(self) -> list[selectors.QueueRow]:
        values = self.values
        filters = selectors.ApprovalFilters(
            person=values["person"].pk if values.get("person") else None,
            department=values["department"].pk if values.get("department") else None,
            project=values["project"].pk if values.get("project") else None,
            week_start=values.get("week"),
            sort=self.sort,
        )
        return selectors.approval_queue(access=self.access, filters=filters)

    def export_title(self) -> str:
        return _("Timesheet approvals")

    def export_columns(self) -> list[Column]:
        return [
            Column(_("Person"), attr("timesheet.person.full_name"), 24),
            Column(_("Department"), attr("timesheet.person.department.name"), 20),
            Column(_("Week"), attr("week_label"), 10),
            Column(_("Total hours"), attr("timesheet.total_hours"), 10),
            Column(
                _("Hours per project"),
                lambda row: "; ".join(
                    f"{entry.project.code} {entry.hours.normalize():f}" for entry in row.timesheet.entries.all()
                ),
                36,
            ),
            Column(_("Submitted"), attr("timesheet.submitted_at"), 18),
            Column(
                _("Who decides"),
                lambda row: (
                    _("You")
                    if row.can_decide
                    else _("The PMO (hours on %(projects)s)") % {"projects": ", ".join(row.blocked)}
                ),
                28,
            ),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["rows"] = list(data["page"].object_list)
        return data


class TimesheetDetailView(OrganizationViewMixin, TemplateView):
    """One sheet: its entries and total, its history, and the steps the actor may take."""

    capability = Capability.TIMESHEETS_SUBMIT
    nav_key = "timesheets"
    template_name = "resources/timesheets/detail.html"

    @cached_property
    def timesheet(self) -> Timesheet:
        return selectors.timesheet_get_for_actor(access=self.access, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        errors: list[str] = kwargs.pop("errors", [])
        data = super().get_context_data(**kwargs)
        sheet = self.timesheet
        entries = list(sheet.entries.all())
        for entry in entries:
            entry.cost = entry.hours * sheet.cost_rate if sheet.cost_rate is not None else None  # type: ignore[attr-defined]
        may_enter = services.may_enter(access=self.access, person=sheet.person)
        refusal = services.approval_refusal(
            access=self.access, timesheet=sheet, projects=[entry.project for entry in entries]
        )
        submitted = sheet.state == Timesheet.State.SUBMITTED
        data.update(
            timesheet=sheet,
            week_label=week_label(sheet.week_start),
            entries=entries,
            can_edit=may_enter and sheet.state in services.EDITABLE_STATES,
            can_decide=submitted and refusal is None,
            refusal=refusal if submitted and self.access.can(Capability.TIMESHEETS_APPROVE) else None,
            show_cost=self.access.can(Capability.RESOURCES_MANAGE) or self.access.can(Capability.TIMESHEETS_APPROVE),
            edit_url=week_url(
                self.organization.slug,
                sheet.week_start,
                sheet.person,
                own=sheet.person.user_id == self.request.user.pk,
            ),
            decision_form=kwargs.get("form") or forms.DecisionForm(),
            errors=errors,
        )
        return data


class TimesheetActionView(TimesheetDetailView):
    """POST ``timesheets/<id>/<verb>/``: submit, approve or return; back to ``next`` (the queue) or the sheet."""

    http_method_names = ["post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # A refused step shows the sheet as it is now (someone else may just have acted on it).
        self.__dict__.pop("timesheet", None)
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb, sheet = kwargs["verb"], self.timesheet
        org, actor = self.organization, request.user
        form = forms.DecisionForm(request.POST)
        run: Callable[[], Timesheet]
        if verb == "submit":

            def run() -> Timesheet:
                return services.timesheet_submit(organization=org, actor=actor, timesheet=sheet)

            success = _("Timesheet of %(person)s for %(week)s submitted.")
        elif verb in ("approve", "return"):
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form), status=400)
            decide = services.timesheet_approve if verb == "approve" else services.timesheet_return

            def run() -> Timesheet:
                return decide(organization=org, actor=actor, timesheet=sheet, comment=form.cleaned_data["comment"])

            success = (
                _("Timesheet of %(person)s for %(week)s approved.")
                if verb == "approve"
                else _("Timesheet of %(person)s for %(week)s returned.")
            )
        else:
            raise Http404
        try:
            result = run()
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not take this step."))
            return self.render_to_response(self.get_context_data(), status=403)
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(form=form, errors=error_messages(exc)), status=400)
        messages.success(request, success % {"person": result.person.full_name, "week": week_label(result.week_start)})
        if request.POST.get("next") == "approvals":
            return redirect("timesheet-approvals", org_slug=org.slug)
        return redirect("timesheet-detail", org_slug=org.slug, pk=result.pk)
