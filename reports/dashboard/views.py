"""Executive dashboard: the page, the drill-down list behind each figure (CSV/XLSX too) and the PDF of the page.

Bad filter values answer 400: the page shows the filter form with the error next to the field (and no figures),
the drill-down and the PDF a short page saying what to fix. An unknown figure answers 400 too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin, attr
from pmo.core.listing import paginate
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin
from pmo.tenancy.workspaces import WorkspaceMixin
from projects.models import Project
from reports.dashboard import caching, presentation
from reports.dashboard.forms import DashboardFilterForm
from reports.dashboard.selectors import (
    RAG_LABELS,
    Dashboard,
    DashboardFilters,
    Figure,
    UnknownFigure,
    Window,
    budget_totals,
    dashboard_data,
    figure_get,
    figure_projects,
)

PAGE_SIZE = 25
# Bump when the body's template or context changes shape (a deployment must not serve the old code's bodies).
BODY_CACHE = "dashboard-body-v1"


class DashboardMixin(WorkspaceMixin, OrganizationViewMixin):
    capability = Capability.DASHBOARD_VIEW
    workspace_key = "dashboard"
    request: HttpRequest
    form: DashboardFilterForm

    def check_filters(self) -> DashboardFilters | None:
        """The filters of the request, or ``None`` when a value is not one of the choices (``self.form`` has the
        errors)."""
        self.form = DashboardFilterForm(self.request.GET, access=self.access)
        return self.form.filters() if self.form.is_valid() else None

    def bad_request(self, message: str) -> HttpResponse:
        context = {
            "organization": self.organization,
            "access": self.access,
            "nav_active": self.nav_key,
            "message": message,
            "form": getattr(self, "form", None),
        }
        return render(self.request, "reports/dashboard/bad_request.html", context, status=400)


def filter_summary(form: DashboardFilterForm, filters: DashboardFilters) -> list[str]:
    """The filters in words, for the page's subtitle and the PDF's cover ("Active projects", "Portfolio: X" …)."""
    parts = []
    data = form.cleaned_data
    for name in ("portfolio", "programme", "manager"):
        if data.get(name):
            value = form.fields[name].label_from_instance(data[name])  # type: ignore[attr-defined]
            parts.append(_("%(label)s: %(value)s") % {"label": form.fields[name].label, "value": value})
    status_choices = dict(form.fields["status"].choices)  # type: ignore[attr-defined]
    parts.append(
        _("%(label)s: %(value)s") % {"label": form.fields["status"].label, "value": status_choices[filters.status]}
    )
    return parts


class DashboardView(DashboardMixin, TemplateView):
    """The page: its body (everything in the layout's content block) is cached per organisation, reader, language,
    day and filters until a write touches the organisation (``reports.dashboard.caching``)."""

    template_name = "reports/dashboard/page.html"
    body_template = "reports/dashboard/_body.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = self.check_filters()
        if filters is None:
            body = caching.render_body(self.body_template, self.get_context_data(form=self.form, invalid=True))
            return self.render_to_response(self.get_context_data(body=body), status=400)
        now = timezone.now()
        submitted = tuple((name, self.form.data.get(name, "")) for name in self.form.fields)
        body = caching.cached_result(
            BODY_CACHE,
            access=self.access,
            parts=(caching.reader(self.access), caching.organization_today(self.access, now), filters, submitted),
            compute=lambda: caching.render_body(self.body_template, self.body_context(filters, now)),
        )
        return self.render_to_response(self.get_context_data(body=body))

    def body_context(self, filters: DashboardFilters, now: Any) -> dict[str, Any]:
        data = dashboard_data(access=self.access, filters=filters, now=now)
        links = presentation.Links(self.organization.slug, filters)
        return self.get_context_data(
            form=self.form,
            filters=filters,
            summary=filter_summary(self.form, filters),
            data=data,
            tiles=presentation.tiles(data, links),
            charts=presentation.dashboard_charts(data, links),
            budget_totals=budget_totals(data.budgets),
            figure_links={key: links.figure(key) for key in data.counts},
            budget_links=[
                (row, links.figure(f"budget-{row.portfolio_id if row.portfolio_id is not None else 'none'}"))
                for row in data.budgets
            ],
            intake_total=sum(row.count for row in data.intake),
            filter_query=_query(filters),
            quadrant_grouped=presentation.quadrant_grouped(data),
            all_link=links.figure("all"),
        )


def _query(filters: DashboardFilters) -> str:
    return urlencode(filters.params())


# --- Drill-down ------------------------------------------------------------------------------------------------------

# Sort keys of the drill-down: name → ordering (a leading "-" reverses it); empty values last either way.
SORTS: dict[str, str] = {
    "code": "code",
    "name": "name",
    "portfolio": "portfolio__name",
    "manager": "manager__full_name",
    "rag": "latest_rag",
    "complete": "latest_percent",
    "spi": "latest_spi",
    "cpi": "latest_cpi",
    "bac": "latest_bac",
    "eac": "latest_eac",
    "milestone": "next_milestone_date",
}


def _ordered(projects: QuerySet[Project], sort: str) -> QuerySet[Project]:
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = "code", "code"
    field = F(SORTS[key])
    ordering = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return projects.order_by(ordering, "code")


class DashboardProjectsView(ExportableListMixin, DashboardMixin, TemplateView):
    """The projects behind one figure of the dashboard, with the dashboard's filters: paginated, sortable and as a
    file (``?format=csv|xlsx``)."""

    template_name = "reports/dashboard/projects.html"
    export_name = "dashboard-projects"
    figure: Figure
    filters: DashboardFilters
    window: Window

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = self.check_filters()
        if filters is None:
            return self.bad_request(_("A filter has a value that is not one of its choices: correct it."))
        now = timezone.now()
        self.window = Window(today=timezone.localdate(now), now=now)
        key = request.GET.get("figure", "")
        try:
            self.figure = figure_get(key, access=self.access, window=self.window)
        except UnknownFigure:
            return self.bad_request(
                _("“%(figure)s” is not a figure of the dashboard: open the list from a figure of the dashboard.")
                % {"figure": key[:60]}
                if key
                else _("Choose a figure of the dashboard to see the projects behind it.")
            )
        self.filters = filters
        return super().get(request, *args, **kwargs)

    def projects(self) -> QuerySet[Project]:
        projects = figure_projects(access=self.access, filters=self.filters, figure=self.figure, window=self.window)
        return _ordered(projects, self.request.GET.get("sort", "code"))

    def export_columns(self) -> Sequence[Column]:
        return [
            Column(_("Code"), attr("code"), 12),
            Column(_("Name"), attr("name"), 36),
            Column(_("Portfolio"), attr("portfolio.name"), 24),
            Column(_("Manager"), lambda p: p.manager.get_full_name() if p.manager else "", 22),
            Column(_("Status"), lambda p: p.get_status_display(), 12),
            Column(_("Overall RAG"), lambda p: _rag_label(p.latest_rag), 12),
            Column(_("Percent complete"), attr("latest_percent"), 11),
            Column(_("SPI"), attr("latest_spi"), 8),
            Column(_("CPI"), attr("latest_cpi"), 8),
            Column(_("BAC"), attr("latest_bac"), 14),
            Column(_("EAC"), attr("latest_eac"), 14),
            Column(_("Next milestone"), attr("next_milestone"), 28),
            Column(_("Milestone date"), attr("next_milestone_date"), 14),
        ]

    def export_rows(self) -> Iterable[Any]:
        return self.projects()

    def export_title(self) -> str:
        return str(self.figure.label)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        page, query = paginate(self.request, self.projects(), per_page=PAGE_SIZE)
        current = self.request.GET.get("sort", "code")
        data.update(
            figure=self.figure,
            page=page,
            query=query,
            sort=current,
            summary=filter_summary(self.form, self.filters),
            kpi_scope=self.figure.scope == "kpi",
            filter_query=_query(self.filters),
        )
        return data


def _rag_label(rag: str | None) -> str:
    return str(RAG_LABELS[rag]) if rag in RAG_LABELS else ""


# --- PDF -------------------------------------------------------------------------------------------------------------


def dashboard_pdf_html(
    *, data: Dashboard, organization: Any, summary: list[str], language: str, generated_at: Any
) -> str:
    """The PDF's HTML: the same figures and charts as the page (without links), in ``language``."""
    links = presentation.Links(None, data.filters)
    language_info = translation.get_language_info(language)
    return render_to_string(
        "reports/pdf/dashboard.html",
        {
            "organization": organization,
            "data": data,
            "tiles": presentation.tiles(data, links),
            "charts": presentation.dashboard_charts(data, links, narrow=True),
            "budget_totals": budget_totals(data.budgets),
            "intake_total": sum(row.count for row in data.intake),
            "summary": summary,
            "pack_title": _("Executive dashboard"),
            "pack_subtitle": "",
            "period_label": presentation.date_label(data.window.today),
            "generated_at": generated_at,
            "language_code": language,
            "language_name": language_info["name_local"],
            "toc": (),
            "kind": "dashboard",
        },
    )


class DashboardPdfView(DashboardMixin, TemplateView):
    """The dashboard as a PDF, rendered now (the page's figures and charts, in the reader's language)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from reports.pdf.render import html_to_pdf

        filters = self.check_filters()
        if filters is None:
            return self.bad_request(_("A filter has a value that is not one of its choices: correct it."))
        now = timezone.now()
        data = dashboard_data(access=self.access, filters=filters, now=now)
        html = dashboard_pdf_html(
            data=data,
            organization=self.organization,
            summary=filter_summary(self.form, filters),
            language=translation.get_language(),
            generated_at=now,
        )
        pdf, _pages = html_to_pdf(html)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"{self.organization.slug}-dashboard-{data.window.today.isoformat()}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
