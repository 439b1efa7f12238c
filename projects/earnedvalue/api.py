"""``/api/v1/orgs/<org>/projects/<id>/evm/``: a project's earned value — the figures as of today, the weekly figures
stored with each submitted report, and the S-curve series. Readable by everyone who may read the project; a
project the caller may not read is 404. Money and ratios are decimal strings, ``null`` where undefined."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.tenancy.api_base import OrganizationAPIView
from projects import evm, selectors, services
from projects.api import ProjectsAPIMixin
from projects.earnedvalue import selectors as evm_selectors
from projects.models import Rag


def money_field() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


def ratio_field() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)


class FiguresOutput(serializers.Serializer):
    baseline_version = serializers.IntegerField(allow_null=True)
    bac = money_field()
    pv = money_field()
    ev = money_field()
    ac = money_field()
    sv = money_field()
    cv = money_field()
    spi = ratio_field()
    cpi = ratio_field()
    eac = money_field()
    etc = money_field()
    vac = money_field()
    tcpi = ratio_field()


class CurrentOutput(FiguresOutput):
    week = serializers.CharField(help_text="ISO week of the report the progress and cost come from.")
    percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2)
    actual_cost = serializers.DecimalField(max_digits=16, decimal_places=2)


class HistoryRowOutput(FiguresOutput):
    week = serializers.CharField(help_text='ISO week, e.g. "2026-W47".')
    status_date = serializers.DateField()
    state = serializers.ChoiceField(choices=evm_selectors.HISTORY_STATES)
    rag_overall = serializers.ChoiceField(choices=Rag.choices)
    suggested_rag = serializers.CharField(allow_blank=True)
    percent_complete = serializers.DecimalField(max_digits=5, decimal_places=2)
    actual_cost = serializers.DecimalField(max_digits=16, decimal_places=2)


class PointField(serializers.ListField):
    """``[date, value]``: an ISO date and a decimal string (or null)."""

    child = serializers.CharField(allow_null=True)
    min_length = 2
    max_length = 2


class CurveOutput(serializers.Serializer):
    pv = serializers.ListField(child=PointField())
    ev = serializers.ListField(child=PointField())
    ac = serializers.ListField(child=PointField())


class EvmOutput(serializers.Serializer):
    as_of = serializers.DateField()
    current = CurrentOutput(allow_null=True)
    history = HistoryRowOutput(many=True)
    curve = CurveOutput()
    rule = serializers.CharField()


def _points(points: list[evm_selectors.Point]) -> list[list[str | None]]:
    return [[day.isoformat(), None if value is None else str(value)] for day, value in points]


class ProjectEvmView(ProjectsAPIMixin, OrganizationAPIView):
    """``projects/<id>/evm/``."""

    @extend_schema(
        responses={200: EvmOutput},
        tags=["earned value"],
        description="Earned value of a project: ``current`` recomputes the latest submitted report's percent "
        "complete and actual cost against the current baseline as of today (``null`` without a report); "
        "``history`` lists the figures stored with each submitted or accepted report, oldest first; ``curve`` "
        "holds the S-curve series as ``[date, value]`` pairs.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = selectors.project_get_for_actor(access=self.access, pk=kwargs["project_pk"])
        organization = self.organization
        today = services.organization_today(organization)
        curve = evm.project_plan_curve(organization=organization, project=project)
        history = evm_selectors.project_evm_history(organization=organization, project=project)
        now = evm_selectors.project_evm_now(organization=organization, project=project, on=today, curve=curve)
        s_curve = evm_selectors.project_s_curve(
            organization=organization, project=project, on=today, history=history, curve=curve
        )
        current = None
        if now is not None:
            current = {
                **now.figures.as_fields(),
                "week": now.week,
                "percent_complete": now.percent_complete,
                "actual_cost": now.actual_cost,
            }
        data = {
            "as_of": today,
            "current": current,
            "history": [
                {
                    **{name: getattr(row, name) for name in evm_selectors.FIGURES},
                    "week": row.week,
                    "status_date": row.status_date,
                    "state": row.state,
                    "rag_overall": row.rag_overall,
                    "suggested_rag": row.suggested_rag,
                    "percent_complete": row.percent_complete,
                    "actual_cost": row.actual_cost,
                }
                for row in history
            ],
            "curve": {"pv": _points(s_curve.pv), "ev": _points(s_curve.ev), "ac": _points(s_curve.ac)},
            "rule": evm_selectors.pv_rule_text(),
        }
        return Response(EvmOutput(data).data)
