"""The "Earned value" tab of a project (``projects/<pk>/evm/``) and its S-curve as an SVG of its own
(``projects/<pk>/evm/s-curve.svg``), both readable by whoever may read the project (else 404).

``s_curve_chart`` and ``rag_history_chart`` draw the two charts from the selectors' data, so a PDF pack draws the
same pictures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmo.core import charts
from projects import evm
from projects.earnedvalue import selectors as evm_selectors
from projects.models import ControlPolicy, Rag
from projects.policy import control_policy_get, week_label
from projects.views import ProjectPageView


def s_curve_chart(
    *, s_curve: evm_selectors.SCurve, width: int = 1080, height: int = 360, marker_label: str | None = None
) -> SafeString:
    """The S-curve: PV (planned, the current baseline), EV (earned) and AC (actual cost, dashed), with its as-of date
    marked ("Today" on the page; a PDF pack names its own date: a past week, the end of the project)."""
    return charts.line_chart(
        series=[
            charts.Series(_("PV (planned value)"), s_curve.pv, charts.PALETTE["pv"]),
            charts.Series(_("EV (earned value)"), s_curve.ev, charts.PALETTE["ev"], dots=True),
            charts.Series(_("AC (actual cost)"), s_curve.ac, charts.PALETTE["ac"], dashed=True, dots=True),
        ],
        width=width,
        height=height,
        title=_("S-curve: planned value, earned value and actual cost"),
        y_label=_("Cumulative cost"),
        marker=charts.Marker(s_curve.as_of, marker_label or _("Today")),
        empty_message=_("No baseline dates and no submitted status report yet."),
    )


def rag_history_chart(*, history: list[evm_selectors.EvmRow], width: int = 1080) -> SafeString:
    """The overall RAG of each submitted week, oldest first; weeks without a submitted report stay grey."""
    by_week = {row.week_start: row for row in history}
    cells = []
    if history:
        names = dict(Rag.choices)
        week = history[0].week_start
        while week <= history[-1].week_start:
            row = by_week.get(week)
            label = f"W{week.isocalendar().week:02d}"
            if row is None:
                cells.append(charts.RagCell(label, None, _("%(week)s: no report") % {"week": week_label(week)}, "–"))
            else:
                name = str(names.get(row.rag_overall, row.rag_overall))
                tooltip = f"{row.week}: {name}"
                if row.suggested_rag and row.suggested_rag != row.rag_overall:
                    tooltip += " · " + _("suggested %(rag)s") % {"rag": names.get(row.suggested_rag, "")}
                cells.append(charts.RagCell(label, row.rag_overall, tooltip, name[:1].upper()))
            week += dt.timedelta(days=7)
    return charts.rag_strip(
        cells=cells, title=_("Overall RAG by week"), width=width, empty_message=_("No submitted report yet.")
    )


@dataclass(frozen=True)
class FigureCard:
    key: str
    label: str
    value: Decimal | None
    explanation: str
    tone: str = ""  # "good", "warn" or "bad"
    ratio: bool = False
    signed: bool = False


def _variance_tone(value: Decimal | None) -> str:
    if value is None or value == 0:
        return ""
    return "good" if value > 0 else "bad"


def _index_tone(value: Decimal | None, amber: Decimal, red: Decimal) -> str:
    if value is None:
        return ""
    if value < red:
        return "bad"
    return "warn" if value < amber else "good"


def figure_cards(figures: evm.Evm, policy: ControlPolicy) -> list[FigureCard]:
    """The current figures, each with a one-line explanation; indices coloured by the organisation's thresholds."""
    spi_rule = _("EV ÷ PV; amber below %(amber)s, red below %(red)s.") % {
        "amber": policy.spi_amber_below,
        "red": policy.spi_red_below,
    }
    cpi_rule = _("EV ÷ AC; amber below %(amber)s, red below %(red)s.") % {
        "amber": policy.cpi_amber_below,
        "red": policy.cpi_red_below,
    }
    tcpi_tone = "" if figures.tcpi is None else ("warn" if figures.tcpi > 1 else "good")
    return [
        FigureCard("bac", _("BAC"), figures.bac, _("Budget at completion of the current baseline.")),
        FigureCard("pv", _("PV"), figures.pv, _("Planned value: the budget of the work planned by today.")),
        FigureCard("ev", _("EV"), figures.ev, _("Earned value: percent complete × BAC.")),
        FigureCard("ac", _("AC"), figures.ac, _("Actual cost to date, as last reported.")),
        FigureCard(
            "sv",
            _("SV"),
            figures.sv,
            _("Schedule variance, EV − PV: below zero is behind plan."),
            _variance_tone(figures.sv),
            signed=True,
        ),
        FigureCard(
            "cv",
            _("CV"),
            figures.cv,
            _("Cost variance, EV − AC: below zero is over budget."),
            _variance_tone(figures.cv),
            signed=True,
        ),
        FigureCard(
            "spi",
            _("SPI"),
            figures.spi,
            spi_rule,
            _index_tone(figures.spi, policy.spi_amber_below, policy.spi_red_below),
            ratio=True,
        ),
        FigureCard(
            "cpi",
            _("CPI"),
            figures.cpi,
            cpi_rule,
            _index_tone(figures.cpi, policy.cpi_amber_below, policy.cpi_red_below),
            ratio=True,
        ),
        FigureCard("eac", _("EAC"), figures.eac, _("Estimate at completion: BAC ÷ CPI.")),
        FigureCard("etc", _("ETC"), figures.etc, _("Estimate to complete: EAC − AC.")),
        FigureCard(
            "vac",
            _("VAC"),
            figures.vac,
            _("Variance at completion, BAC − EAC: below zero is an expected overrun."),
            _variance_tone(figures.vac),
            signed=True,
        ),
        FigureCard(
            "tcpi",
            _("TCPI"),
            figures.tcpi,
            _("Cost efficiency the remaining work needs to stay within BAC; above 1 is harder than so far."),
            tcpi_tone,
            ratio=True,
        ),
    ]


class ProjectEvmView(ProjectPageView):
    template_name = "projects/evm.html"
    tab = "evm"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        organization, project = self.organization, self.project
        curve = evm.project_plan_curve(organization=organization, project=project)
        history = evm_selectors.project_evm_history(organization=organization, project=project)
        now = evm_selectors.project_evm_now(organization=organization, project=project, on=self.today, curve=curve)
        s_curve = evm_selectors.project_s_curve(
            organization=organization, project=project, on=self.today, history=history, curve=curve
        )
        policy = control_policy_get(organization=organization)
        data.update(
            curve=curve,
            history=list(reversed(history)),
            now=now,
            cards=figure_cards(now.figures, policy) if now else [],
            policy=policy,
            s_curve_svg=None if s_curve.is_empty else s_curve_chart(s_curve=s_curve),
            rag_svg=rag_history_chart(history=history) if history else None,
            rule=evm_selectors.pv_rule_text(),
        )
        return data


class ProjectSCurveSvgView(ProjectPageView):
    """The S-curve alone, ``image/svg+xml``, for embedding elsewhere."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        s_curve = evm_selectors.project_s_curve(organization=self.organization, project=self.project, on=self.today)
        response = HttpResponse(s_curve_chart(s_curve=s_curve), content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = "private, no-cache"
        response["X-Content-Type-Options"] = "nosniff"
        return response
