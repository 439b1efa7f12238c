"""Risks from a spreadsheet (see ``pmo/imports/specs.py``). The rows go through ``services.risks_create_many``
(the rules of ``risk_create``), which numbers them (R-001 …) in the file's order and rates them on the
organisation's scale.

A risk belongs to a project the importer may change (``project X not found or not yours`` otherwise, the same
words for a missing project) or, with no project, to a portfolio (``portfolio.manage``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pmo.imports.specs import Choice, Column, Date, EntitySpec, ImportContext, Integer, Lookup, Member, Row, Text
from pmo.tenancy.access import OrgAccess
from portfolio.models import Portfolio
from projects.imports import ProjectCode, changeable_projects
from projects.services import ProjectsConflict
from risks import permissions, services
from risks.models import Risk
from risks.scoring import risk_settings_get


def _scale(ctx: ImportContext) -> int:
    if "risk_scale" not in ctx.cache:
        ctx.cache["risk_scale"] = risk_settings_get(organization=ctx.organization).scale
    scale: int = ctx.cache["risk_scale"]
    return scale


def _rating(ctx: ImportContext) -> str:
    return _("Rate it from 1 to %(scale)d (the organisation's scale).") % {"scale": _scale(ctx)}


def _portfolios(ctx: ImportContext) -> QuerySet[Portfolio]:
    """Portfolio-level risks are kept with ``portfolio.manage``: for anyone else no portfolio matches."""
    if not ctx.access.can(permissions.PORTFOLIO_WRITE):
        return Portfolio.objects.none()
    return Portfolio.objects.filter(organization=ctx.organization)


class RiskSpec(EntitySpec):
    key = "risks"
    label = gettext_lazy("Risks")
    description = gettext_lazy(
        "Risks of projects you may change (or, without a project, of a portfolio), numbered in the order of the "
        "file and rated on the organisation's probability × impact scale."
    )
    list_url_name = "risk-list"
    refusals = (ValidationError, PermissionDenied, ProjectsConflict)
    columns = (
        Column(
            "project",
            gettext_lazy("Project"),
            ProjectCode(changeable_projects),
            help=gettext_lazy("Empty for a portfolio-level risk (then give the portfolio)."),
            example="PRJ-001",
        ),
        Column(
            "portfolio",
            gettext_lazy("Portfolio"),
            Lookup(
                queryset=_portfolios,
                field="name",
                missing=lambda name: _("Portfolio %(name)s not found or not yours.") % {"name": name},
                allowed=lambda: _("The name of a portfolio, for a risk without a project"),
            ),
        ),
        Column(
            "title",
            gettext_lazy("Title"),
            Text(services.MAX_TITLE),
            required=True,
            example=gettext_lazy("Supplier delivers the hardware late"),
        ),
        Column(
            "category", gettext_lazy("Category"), Choice(Risk.Category), required=True, example=gettext_lazy("Schedule")
        ),
        Column(
            "probability",
            gettext_lazy("Probability"),
            Integer(minimum=1, maximum=_scale, message=_rating),
            required=True,
            example="3",
        ),
        Column(
            "impact",
            gettext_lazy("Impact"),
            Integer(minimum=1, maximum=_scale, message=_rating),
            required=True,
            example="4",
        ),
        Column(
            "strategy",
            gettext_lazy("Response strategy"),
            Choice(Risk.Strategy),
            default=Risk.Strategy.MITIGATE,
            help=gettext_lazy("Empty for Mitigate."),
            example=gettext_lazy("Mitigate"),
        ),
        Column("owner", gettext_lazy("Owner"), Member(), example="owner@example.com"),
        Column(
            "proximity",
            gettext_lazy("Proximity"),
            Date(),
            help=gettext_lazy("When the risk could occur."),
            example="2027-03-31",
        ),
        Column("cause", gettext_lazy("Cause"), Text(), default=""),
        Column("event", gettext_lazy("Event"), Text(), default=""),
        Column("effect", pgettext_lazy("risk", "Effect"), Text(), default=""),
        Column("response_plan", gettext_lazy("Response plan"), Text(), default=""),
        Column("contingency", gettext_lazy("Contingency"), Text(), default=""),
    )

    def may_import(self, access: OrgAccess) -> bool:
        return True

    def count_label(self, count: int) -> str:
        return ngettext("%(count)d risk", "%(count)d risks", count) % {"count": count}

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        if not row.ok("project", "portfolio"):
            return
        project, portfolio = row.values.get("project"), row.values.get("portfolio")
        if project is None and portfolio is None:
            row.error("project", _("Choose a project, or a portfolio for a portfolio-level item."))
        elif project is not None and portfolio is not None:
            row.error("portfolio", _("Give the project or the portfolio, not both."))

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Risk]:
        return services.risks_create_many(
            organization=ctx.organization,
            actor=ctx.actor,
            risks=[
                services.NewRisk(
                    project=values["project"],
                    portfolio=values["portfolio"],
                    title=values["title"],
                    category=values["category"],
                    probability=values["probability"],
                    impact=values["impact"],
                    strategy=values["strategy"],
                    owner=values["owner"],
                    proximity=values["proximity"],
                    cause=values["cause"],
                    event=values["event"],
                    effect=values["effect"],
                    response_plan=values["response_plan"],
                    contingency=values["contingency"],
                )
                for values in rows
            ],
        )


RISKS = RiskSpec()
