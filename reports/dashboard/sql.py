"""The dashboard's per-project figures as two SQL statements (``reports.dashboard.selectors`` defines them).

Through the ORM, each figure's predicate reads the latest report through its own correlated subquery (one per field
and per use: a count of sixteen figures held some thirty of them, evaluated for every project, and each costs
Django a compilation). Here each project's latest report is read once, by a ``LATERAL`` join that walks the
``(organization_id, project_id, week_start)`` index backwards, and every count is a ``FILTER`` of one aggregate.

The set of projects is the ORM's own (``filtered_projects``: the reader's visibility and the filters, compiled once
and embedded), so who sees what is decided in one place. Each condition below restates a predicate of
``selectors.figure_get`` (which the drill-down lists use); ``tests/test_dashboard_pages.py`` checks that every count
equals the length of its drill-down list, with every filter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from projects.models import ChangeRequest, ClosureReport, Project
from reports.kpis import COUNTED, LATEST_REPORT_SQL, embed

_COUNTS = """
WITH scope AS MATERIALIZED ({scope}),
weeks AS (SELECT * FROM unnest(%(mondays)s::date[], %(dues)s::timestamptz[]) AS w(monday, due)),
projects AS (
    SELECT p.id, p.status, p.created_at, (%(every_status)s OR p.status = ANY(%(statuses)s)) AS shown
    FROM scope p
),
-- The KPI figures as sets, each read once (hashed IN), not probed project by project.
week_reports AS MATERIALIZED (
    SELECT r.project_id, r.week_start, r.first_submitted_at, r.due_at
    FROM projects_statusreport r
    WHERE r.organization_id = %(org)s AND r.week_start = ANY(%(mondays)s::date[])
),
missed AS (
    SELECT e.project_id
    FROM (
        SELECT p.id AS project_id, w.monday
        FROM projects p JOIN weeks w ON p.status = ANY(%(monitored)s) AND p.created_at <= w.due
        UNION
        SELECT wr.project_id, wr.week_start FROM week_reports wr WHERE wr.first_submitted_at IS NOT NULL
    ) e
    LEFT JOIN week_reports wr ON wr.project_id = e.project_id AND wr.week_start = e.monday
    WHERE NOT coalesce(wr.first_submitted_at <= wr.due_at, false)
),
closed AS (
    SELECT c.project_id FROM projects_closurereport c
    WHERE c.organization_id = %(org)s AND c.status = %(closure_approved)s
      AND c.decided_at >= %(year_since)s AND c.decided_at < %(until)s
),
decided AS (
    SELECT cr.project_id FROM projects_changerequest cr
    WHERE cr.organization_id = %(org)s AND cr.status = ANY(%(decided)s) AND cr.submitted_at IS NOT NULL
      AND cr.decided_at >= %(kpi_since)s AND cr.decided_at < %(until)s
),
figures AS (
    SELECT p.shown, l.rag_overall AS rag, l.spi, l.cpi,
           coalesce(m.due, 0) AS milestones_due, coalesce(m.slipped, 0) AS milestones_slipped,
           p.id IN (SELECT project_id FROM closed) AS closed_12m,
           p.id IN (SELECT project_id FROM decided) AS changes_decided,
           p.id IN (SELECT project_id FROM missed) AS status_missed
    FROM projects p
    LEFT JOIN LATERAL ({latest}) l ON p.shown
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE coalesce(ms.forecast_date, ms.baseline_date)
                                      BETWEEN %(today)s AND %(milestone_until)s) AS due,
               count(*) FILTER (WHERE coalesce(ms.forecast_date, ms.baseline_date) < %(today)s
                                   OR ms.forecast_date > ms.baseline_date) AS slipped
        FROM projects_milestone ms
        WHERE ms.organization_id = %(org)s AND ms.project_id = p.id AND ms.actual_date IS NULL
    ) m ON p.shown AND p.status <> ALL(%(closed)s)
)
SELECT count(*) FILTER (WHERE shown),
       count(*) FILTER (WHERE shown AND rag = 'green'),
       count(*) FILTER (WHERE shown AND rag = 'amber'),
       count(*) FILTER (WHERE shown AND rag = 'red'),
       count(*) FILTER (WHERE shown AND rag IS NULL),
       count(*) FILTER (WHERE shown AND spi >= 1 AND cpi >= 1),
       count(*) FILTER (WHERE shown AND spi < 1 AND cpi >= 1),
       count(*) FILTER (WHERE shown AND spi >= 1 AND cpi < 1),
       count(*) FILTER (WHERE shown AND spi < 1 AND cpi < 1),
       count(*) FILTER (WHERE shown AND (spi IS NULL OR cpi IS NULL)),
       count(*) FILTER (WHERE shown AND milestones_due > 0),
       count(*) FILTER (WHERE shown AND milestones_slipped > 0),
       count(*) FILTER (WHERE closed_12m),
       count(*) FILTER (WHERE status_missed),
       count(*) FILTER (WHERE changes_decided),
       coalesce(sum(milestones_due) FILTER (WHERE shown), 0),
       coalesce(sum(milestones_slipped) FILTER (WHERE shown), 0)
FROM figures
"""
# The columns of _COUNTS: the figures' keys, then the milestone totals.
COUNT_KEYS = (
    "all",
    "rag_green",
    "rag_amber",
    "rag_red",
    "rag_none",
    "ahead_under",
    "late_under",
    "ahead_over",
    "late_over",
    "no_evm",
    "milestones_due",
    "milestones_slipped",
    "closed_12m",
    "status_missed",
    "changes_decided",
)


@dataclass(frozen=True)
class CountWindow:
    """The moments the counts depend on (dates in the organisation's time zone, bounds as aware datetimes)."""

    organization_id: int
    today: dt.date
    milestone_until: dt.date
    year_since: dt.datetime  # the trailing twelve months' first moment
    kpi_since: dt.datetime  # the KPI window's first moment
    until: dt.datetime  # the end of today
    due_weeks: Sequence[tuple[dt.date, dt.datetime]]  # (Monday, due time) of the KPI window's due weeks


def figure_counts(
    *, scope: QuerySet[Project], statuses: Sequence[str] | None, monitored: Sequence[str], window: CountWindow
) -> tuple[dict[str, int], dict[str, int]]:
    """Every figure of the page (``COUNT_KEYS``) over ``scope`` (the KPI scope: the filters but the status one;
    ``statuses`` narrows it to the projects shown, ``None`` keeps every status) and the milestone totals
    (``{"due": …, "slipped": …}``): one statement."""
    scope_sql, params = embed(scope.order_by().values("id", "status", "created_at"), "scope")
    params |= {
        "org": window.organization_id,
        "counted": [str(state) for state in COUNTED],
        "closed": [str(Project.Status.CLOSED), str(Project.Status.CANCELLED)],
        "closure_approved": str(ClosureReport.Status.APPROVED),
        "decided": [str(ChangeRequest.Status.APPROVED), str(ChangeRequest.Status.REJECTED)],
        "today": window.today,
        "milestone_until": window.milestone_until,
        "year_since": window.year_since,
        "kpi_since": window.kpi_since,
        "until": window.until,
        "mondays": [monday for monday, _due in window.due_weeks],
        "dues": [due for _monday, due in window.due_weeks],
        "monitored": [str(status) for status in monitored],
        "every_status": statuses is None,
        "statuses": [str(status) for status in statuses or ()],
    }
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS.format(scope=scope_sql, latest=LATEST_REPORT_SQL), params)
        row = cursor.fetchone()
    counts = dict(zip(COUNT_KEYS, (int(value) for value in row[: len(COUNT_KEYS)]), strict=True))
    due, slipped = row[len(COUNT_KEYS) :]
    return counts, {"due": int(due), "slipped": int(slipped)}


_ROWS = """
SELECT p.id, p.code, p.name, l.rag_overall, l.spi, l.cpi, l.escalations
FROM ({projects}) p
LEFT JOIN LATERAL ({latest}) l ON true
ORDER BY p.code
"""


@dataclass(frozen=True)
class LatestRow:
    """A project shown with its latest report's figures (``None`` without one)."""

    pk: int
    code: str
    name: str
    rag: str | None
    spi: Decimal | None
    cpi: Decimal | None
    escalations: Any


def latest_rows(*, projects: QuerySet[Project], organization_id: int, today: dt.date) -> list[LatestRow]:
    """``projects`` by code, each with its latest report's RAG, SPI, CPI and escalations: one statement."""
    projects_sql, params = embed(projects.order_by().values("id", "code", "name"), "projects")
    params |= {"org": organization_id, "counted": [str(state) for state in COUNTED], "today": today}
    with connection.cursor() as cursor:
        cursor.execute(_ROWS.format(projects=projects_sql, latest=LATEST_REPORT_SQL), params)
        fetched = cursor.fetchall()
    # Django reads jsonb as text (its JSONField decodes it), so the raw cursor does too.
    return [
        LatestRow(pk, code, name, rag, spi, cpi, json.loads(raw) if isinstance(raw, str) else raw)
        for pk, code, name, rag, spi, cpi, raw in fetched
    ]
