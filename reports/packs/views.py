"""The Reports page under ``/o/<org_slug>/reports/``: the stored reports the actor may read (filter by kind), the
"Generate" form, the schedules (editable with ``REPORTS_SCHEDULE``) and the actor's subscriptions; and
``reports/<id>/pdf`` serving one PDF (202 "still rendering", 409 when it failed).

Leadership sees every report; managers, members and viewers see — and may generate — the one-pagers and closure
reports of the projects they may read. The page reloads itself only while something it lists is rendering.

Thin views: the form checks shapes, one service call decides; a refused step renders the page again with the reason
(400 next to the form, 403, 409 on top).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView, View

from pmo.core.exports import Column, attr
from pmo.core.listing import ListPageMixin
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from projects.selectors import projects_visible_to
from projects.services import ProjectsConflict
from projects.views import add_service_errors
from reports import periods
from reports.models import ORGANIZATION_REPORT_KINDS, Report, ReportKind, ReportSchedule
from reports.packs import forms, schedules, selectors, services

IN_PROGRESS = (Report.State.PENDING, Report.State.RENDERING)
REFRESH_SECONDS = 5


def pdf_response(report: Report, *, organization_slug: str) -> HttpResponse:
    """The stored PDF of ``report`` (loaded), shown inline, named ``<org>-<kind>-<period>.pdf``."""
    pdf = bytes(report.pdf or b"")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = selectors.report_filename(report, organization_slug=organization_slug)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Content-Length"] = str(len(pdf))
    response["Cache-Control"] = "private, no-cache"
    return response


def schedule_summary(schedule: ReportSchedule) -> str:
    """ "Every Monday at 08:00", "On day 1 of each month at 08:00" or "Off", in the active language."""
    if not schedule.enabled:
        return _("Off")
    time = schedule.time.strftime("%H:%M")
    if schedule.kind == ReportKind.MONTHLY_REVIEW:
        return _("On day %(day)s of each month at %(time)s") % {"day": schedule.day_of_month, "time": time}
    weekday = dict(forms.WEEKDAYS)[schedule.weekday]
    return _("Every %(weekday)s at %(time)s") % {"weekday": weekday, "time": time}


def with_period_label(report: Report) -> Report:
    report.period_label = periods.period_display(report.kind, report.period)  # type: ignore[attr-defined]
    return report


class ReportListView(ListPageMixin, OrganizationViewMixin, TemplateView):
    """The stored reports (filters, sort, 50 a page), "Generate", the schedules and the actor's subscriptions;
    ``?format=csv|xlsx`` answers the filtered list of reports (not the PDFs) as a file."""

    nav_key = "reports"
    template_name = "reports/packs/list.html"
    export_name = "reports"
    default_sort = selectors.REPORT_DEFAULT_SORT

    def build_filter_form(self) -> forms.ReportFilterForm:
        return forms.ReportFilterForm(
            self.request.GET or None,
            kinds=selectors.report_kinds_for(access=self.access),
            projects=projects_visible_to(access=self.access).order_by("code"),
        )

    def rows(self) -> QuerySet[Report]:
        values = self.values
        project = values.get("project")
        filters = selectors.ReportFilters(
            kind=values.get("kind") or "",
            state=values.get("state") or "",
            project=project.pk if project is not None else None,
        )
        return selectors.report_list(access=self.access, filters=filters, sort=self.sort)

    def export_title(self) -> str:
        return _("Reports")

    def export_columns(self) -> list[Column]:
        return [
            Column(pgettext("report pack", "Report"), attr("get_kind_display"), 28),
            Column(_("Title"), attr("title"), 36),
            Column(_("Period"), attr("period_label"), 16),
            Column(_("Project code"), attr("project.code"), 12),
            Column(_("Project"), attr("project.name"), 28),
            Column(_("State"), attr("get_state_display"), 12),
            Column(_("Trigger"), attr("get_trigger_display"), 12),
            Column(_("Language"), attr("get_language_display"), 12),
            Column(_("Requested by"), lambda r: r.requested_by.get_full_name() if r.requested_by else "", 22),
            Column(_("Requested"), attr("requested_at"), 18),
            Column(_("Generated"), attr("generated_at"), 18),
            Column(pgettext("page count", "Pages"), attr("pages"), 8),
            Column(_("Size (KB)"), lambda r: round(r.size_bytes / 1024, 1) if r.size_bytes else None, 10),
            Column(_("Error"), attr("error"), 30),
        ]

    def export_rows(self) -> Any:
        return (with_period_label(report) for report in self.rows())

    def forms_for(self, **kwargs: Any) -> dict[str, Any]:
        kinds = selectors.report_kinds_for(access=self.access)
        defaults = {kind: services.default_period(kind, organization=self.organization) for kind in kinds}
        generate = kwargs.get("generate_form") or forms.ReportGenerateForm(
            kinds=kinds,
            projects=projects_visible_to(access=self.access).order_by("code"),
            initial={"kind": kinds[0], "period": defaults[kinds[0]]},
        )
        return {"kinds": kinds, "period_defaults": defaults, "generate_form": generate}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        schedule_errors = kwargs.pop("schedule_errors", {})
        data = super().get_context_data(**kwargs)
        data.update(self.forms_for(**kwargs))
        rows = [with_period_label(report) for report in data["page"].object_list]
        data.update(
            reports=rows,
            refresh_seconds=REFRESH_SECONDS if any(r.state in IN_PROGRESS for r in rows) else 0,
            can_view_packs=self.access.can(Capability.REPORTS_VIEW),
            can_schedule=self.access.can(Capability.REPORTS_SCHEDULE),
            organization_kinds=[ReportKind(kind) for kind in ORGANIZATION_REPORT_KINDS],
        )
        if data["can_view_packs"]:
            data["schedules"] = [
                (
                    schedule,
                    schedule_errors.get(schedule.pk)
                    or forms.ReportScheduleForm(
                        initial={
                            "enabled": schedule.enabled,
                            "weekday": schedule.weekday,
                            "day_of_month": schedule.day_of_month,
                            "time": schedule.time,
                            "version": schedule.version,
                        },
                        auto_id=f"id_schedule{schedule.pk}_%s",
                    ),
                    schedule_summary(schedule),
                )
                for schedule in selectors.report_schedules(access=self.access)
            ]
            data["subscribed"] = selectors.report_subscribed_kinds(access=self.access)
        return data

    def render_again(self, status: int, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(**kwargs), status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        handlers = {
            "generate": self.generate,
            "schedule": self.schedule,
            "subscribe": self.subscription,
            "unsubscribe": self.subscription,
        }
        handler = handlers.get(action)
        if handler is None:
            messages.error(request, _("Unknown action."))
            return self.render_again(400)
        try:
            return handler(request)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not take this step."))
            return self.render_again(403)
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_again(409)

    def list_url(self) -> str:
        return reverse("report-list", kwargs={"org_slug": self.organization.slug})

    def generate(self, request: HttpRequest) -> HttpResponse:
        form = forms.ReportGenerateForm(
            request.POST,
            kinds=selectors.report_kinds_for(access=self.access),
            projects=projects_visible_to(access=self.access).order_by("code"),
        )
        if not form.is_valid():
            return self.render_again(400, generate_form=form)
        try:
            report = services.report_request(
                organization=self.organization,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"] or None,
                project=form.cleaned_data["project"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_again(400, generate_form=form)
        label = periods.period_display(report.kind, report.period)
        messages.success(
            request,
            _("%(report)s is being rendered; it appears below when ready.")
            % {"report": " · ".join(filter(None, [report.get_kind_display(), label]))},
        )
        return redirect(self.list_url())

    def schedule(self, request: HttpRequest) -> HttpResponse:
        if not self.access.can(Capability.REPORTS_SCHEDULE):
            raise PermissionDenied(_("Only the PMO changes when report packs are produced."))
        pk = request.POST.get("schedule", "")
        schedule = (
            ReportSchedule.objects.filter(organization=self.organization, pk=pk).first() if pk.isdigit() else None
        )
        if schedule is None:
            raise Http404
        form = forms.ReportScheduleForm(request.POST, auto_id=f"id_schedule{schedule.pk}_%s")
        if not form.is_valid():
            return self.render_again(400, schedule_errors={schedule.pk: form})
        values = {k: v for k, v in form.cleaned_data.items() if k != "version" and v is not None}
        try:
            schedules.report_schedule_update(
                organization=self.organization,
                actor=request.user,
                schedule=schedule,
                version=form.cleaned_data.get("version"),
                **values,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_again(400, schedule_errors={schedule.pk: form})
        messages.success(request, _("Schedule saved: %(kind)s.") % {"kind": schedule.get_kind_display()})
        return redirect(self.list_url() + "#schedules")

    def subscription(self, request: HttpRequest) -> HttpResponse:
        kind = request.POST.get("kind", "")
        try:
            if request.POST.get("action") == "subscribe":
                services.report_subscribe(organization=self.organization, actor=request.user, kind=kind)
                message = _("You will receive each new %(kind)s by e-mail.")
            else:
                services.report_unsubscribe(organization=self.organization, actor=request.user, kind=kind)
                message = _("You no longer receive the %(kind)s by e-mail.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.render_again(400)
        messages.success(request, message % {"kind": ReportKind(kind).label})
        return redirect(self.list_url() + "#subscriptions")


class ReportPdfView(OrganizationViewMixin, View):
    """One stored PDF; while the first render is under way a page that reloads itself (202)."""

    nav_key = "reports"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = selectors.report_get_for_actor(access=self.access, pk=kwargs["pk"], with_pdf=True)
        if report.pdf is not None:
            return pdf_response(report, organization_slug=self.organization.slug)
        context = {
            "organization": self.organization,
            "access": self.access,
            "nav_active": self.nav_key,
            "report": report,
            "period_label": periods.period_display(report.kind, report.period),
            "refresh_seconds": REFRESH_SECONDS,
        }
        status = 409 if report.state == Report.State.FAILED else 202
        response = TemplateResponse(request, "reports/packs/pending.html", context, status=status)
        response.render()
        return response
