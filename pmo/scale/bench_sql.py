"""The dashboard's and the cockpit's figures as hand-written SQL: the benchmark's reference for what the database
can do.

``reports.dashboard.selectors.dashboard_data`` computes the page's figures through the ORM (forty-odd statements).
The ten statements of ``STATEMENTS`` compute the same figures for the default filters (active projects) and a reader
who sees every project (an executive), the way a PostgreSQL expert would write them by hand: a lateral join for each
project's latest report, ``FILTER`` clauses for the counts, one grouped query per chart, the lists with their
``LIMIT`` and the capacity grid with ``generate_series``. Only the values the page needs are read. The six of
``COCKPIT_STATEMENTS`` do the same for the PMO cockpit (``reports.cockpit.selectors.cockpit``).

``run_dashboard_sql`` (``run_cockpit_sql``) runs them as the application role inside one transaction that sets
``app.organization_id`` with ``set_config(..., true)``, so Row-Level Security applies exactly as it does to the
application; parameters are bound on the client as Django does. ``tests/test_bench.py`` checks that the results
agree with the selectors'.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import psycopg

from projects.policy import week_label, week_start_of
from reports.kpis import months_before

# Each project's latest submitted or accepted report of a week starting on or before today.
_LATEST = """
    SELECT r.rag_overall, r.spi, r.cpi, r.bac, r.ac, r.eac, r.escalations, r.week_start
    FROM projects_statusreport r
    WHERE r.organization_id = p.organization_id AND r.project_id = p.id
      AND r.state IN ('submitted', 'accepted') AND r.week_start <= %(today)s
    ORDER BY r.week_start DESC
    LIMIT 1
"""

# The ISO weeks whose status due day lies in the KPI window and whose due time has passed (the control policy's
# weekday and time, in the organisation's time zone). Series of integers, whose length the planner knows: a series
# of dates is estimated at 1,000 rows, which inflates the plan's cost past ``jit_above_cost`` for nothing.
_DUE_WEEKS = """
    SELECT w.monday, ((w.monday + cp.status_due_weekday) + cp.status_due_time) AT TIME ZONE o.time_zone AS due
    FROM tenancy_organization o
    JOIN projects_controlpolicy cp ON cp.organization_id = o.id
    CROSS JOIN LATERAL (SELECT %(due_first)s::date + 7 * i AS monday FROM generate_series(0, %(due_weeks)s) i) w
    WHERE o.id = %(org)s
      AND w.monday + cp.status_due_weekday BETWEEN %(kpi_start)s AND %(today)s
      AND ((w.monday + cp.status_due_weekday) + cp.status_due_time) AT TIME ZONE o.time_zone <= %(now)s
"""

# The projects that missed a due week's report (expected and not submitted on time), as a set: the compliance KPI's
# own rows (``KPIS``), so each report is looked up once by the (organisation, project, week) index.
_EXPECTED = """
    SELECT p.id AS project_id, w.monday
    FROM projects_project p CROSS JOIN weeks w
    WHERE p.organization_id = %(org)s AND p.status IN ('active', 'on_hold') AND p.created_at <= w.due
    UNION
    SELECT r.project_id, r.week_start
    FROM projects_statusreport r JOIN weeks w ON w.monday = r.week_start
    WHERE r.organization_id = %(org)s AND r.first_submitted_at IS NOT NULL
"""

FIGURES = f"""
WITH weeks AS ({_DUE_WEEKS}),
expected AS ({_EXPECTED}),
missed AS (
    SELECT e.project_id
    FROM expected e
    LEFT JOIN projects_statusreport r
           ON r.organization_id = %(org)s AND r.project_id = e.project_id AND r.week_start = e.monday
    WHERE NOT coalesce(r.first_submitted_at <= r.due_at, false)
),
projects AS (
    SELECT p.status = 'active' AS shown, l.rag_overall AS rag, l.spi, l.cpi, m.due, m.slipped,
           p.id IN (SELECT project_id FROM projects_closurereport
                    WHERE organization_id = %(org)s AND status = 'approved'
                      AND decided_at >= %(year_since)s AND decided_at < %(until)s) AS closed_12m,
           p.id IN (SELECT project_id FROM projects_changerequest
                    WHERE organization_id = %(org)s AND status IN ('approved', 'rejected') AND submitted_at IS NOT NULL
                      AND decided_at >= %(kpi_since)s AND decided_at < %(until)s) AS changes_decided,
           p.id IN (SELECT project_id FROM missed) AS status_missed
    FROM projects_project p
    LEFT JOIN LATERAL ({_LATEST}) l ON p.status = 'active'
    LEFT JOIN LATERAL (
        SELECT bool_or(coalesce(m.forecast_date, m.baseline_date) BETWEEN %(today)s AND %(milestone_until)s) AS due,
               bool_or(coalesce(m.forecast_date, m.baseline_date) < %(today)s
                       OR m.forecast_date > m.baseline_date) AS slipped
        FROM projects_milestone m
        WHERE m.organization_id = p.organization_id AND m.project_id = p.id AND m.actual_date IS NULL
          AND p.status = 'active'
    ) m ON true
    WHERE p.organization_id = %(org)s
)
SELECT count(*) FILTER (WHERE shown) AS all,
       count(*) FILTER (WHERE shown AND rag = 'green') AS rag_green,
       count(*) FILTER (WHERE shown AND rag = 'amber') AS rag_amber,
       count(*) FILTER (WHERE shown AND rag = 'red') AS rag_red,
       count(*) FILTER (WHERE shown AND rag IS NULL) AS rag_none,
       count(*) FILTER (WHERE shown AND spi >= 1 AND cpi >= 1) AS ahead_under,
       count(*) FILTER (WHERE shown AND spi < 1 AND cpi >= 1) AS late_under,
       count(*) FILTER (WHERE shown AND spi >= 1 AND cpi < 1) AS ahead_over,
       count(*) FILTER (WHERE shown AND spi < 1 AND cpi < 1) AS late_over,
       count(*) FILTER (WHERE shown AND (spi IS NULL OR cpi IS NULL)) AS no_evm,
       count(*) FILTER (WHERE shown AND due) AS milestones_due,
       count(*) FILTER (WHERE shown AND slipped) AS milestones_slipped,
       count(*) FILTER (WHERE closed_12m) AS closed_12m,
       count(*) FILTER (WHERE status_missed) AS status_missed,
       count(*) FILTER (WHERE changes_decided) AS changes_decided
FROM projects
"""  # noqa: S608 (constant SQL fragments, no input)

KPIS = f"""
WITH weeks AS ({_DUE_WEEKS}),
closures AS (
    SELECT c.outcome, c.decided_at >= %(kpi_since)s AS recent, c.actual_finish <= b.finish_date AS on_time,
           b.finish_date IS NOT NULL AS has_finish, c.final_cost <= b.budget AS on_budget,
           b.id IS NOT NULL AS has_baseline, c.customer_satisfaction
    FROM projects_closurereport c
    LEFT JOIN projects_baseline b
           ON b.organization_id = c.organization_id AND b.project_id = c.project_id AND b.version = 1
    WHERE c.organization_id = %(org)s AND c.status = 'approved'
      AND c.decided_at >= %(year_since)s AND c.decided_at < %(until)s
),
expected AS ({_EXPECTED}),
changes AS (
    SELECT status, decided_at - submitted_at AS cycle
    FROM projects_changerequest
    WHERE organization_id = %(org)s AND status IN ('approved', 'rejected') AND submitted_at IS NOT NULL
      AND decided_at >= %(kpi_since)s AND decided_at < %(until)s
)
SELECT cl.*, st.*, ch.*,
       (SELECT count(*) FROM projects_baseline
        WHERE organization_id = %(org)s AND version >= 2
          AND approved_at >= %(kpi_since)s AND approved_at < %(until)s) AS baseline_changes
FROM (
    SELECT count(*) FILTER (WHERE recent AND outcome = 'met') AS met,
           count(*) FILTER (WHERE recent AND outcome = 'partly') AS partly,
           count(*) FILTER (WHERE recent AND outcome = 'not_met') AS not_met,
           count(*) FILTER (WHERE recent AND on_time) AS on_time,
           count(*) FILTER (WHERE recent AND has_finish) AS with_baseline_finish,
           count(*) FILTER (WHERE recent AND on_budget) AS on_budget,
           count(*) FILTER (WHERE recent AND has_baseline) AS with_baseline,
           avg(customer_satisfaction) FILTER (WHERE recent) AS satisfaction,
           count(*) FILTER (WHERE outcome = 'met') AS met_12m,
           count(*) FILTER (WHERE outcome = 'partly') AS partly_12m,
           count(*) FILTER (WHERE outcome = 'not_met') AS not_met_12m,
           count(*) FILTER (WHERE on_time) AS on_time_12m,
           count(*) FILTER (WHERE has_finish) AS with_baseline_finish_12m,
           count(*) FILTER (WHERE on_budget) AS on_budget_12m,
           count(*) FILTER (WHERE has_baseline) AS with_baseline_12m,
           avg(customer_satisfaction) AS satisfaction_12m
    FROM closures
) cl, (
    SELECT count(*) AS expected,
           count(*) FILTER (WHERE r.first_submitted_at <= r.due_at) AS on_time_reports,
           count(*) FILTER (WHERE r.first_submitted_at > r.due_at) AS late_reports,
           count(*) FILTER (WHERE r.first_submitted_at IS NULL) AS missing_reports
    FROM expected e
    LEFT JOIN projects_statusreport r
           ON r.organization_id = %(org)s AND r.project_id = e.project_id AND r.week_start = e.monday
) st, (
    SELECT count(*) FILTER (WHERE status = 'approved') AS approved,
           count(*) FILTER (WHERE status = 'rejected') AS rejected,
           avg(cycle) AS average_cycle,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) AS median_cycle
    FROM changes
) ch
"""  # noqa: S608 (constant SQL fragments, no input)

# The quadrant's points, the projects without EVM figures and the reports' open escalations (one row a project).
POINTS = f"""
SELECT p.id, p.code, p.name, l.spi, l.cpi, l.rag_overall, l.escalations
FROM projects_project p
LEFT JOIN LATERAL ({_LATEST}) l ON true
WHERE p.organization_id = %(org)s AND p.status = 'active'
ORDER BY p.code
"""  # noqa: S608 (constant SQL fragments, no input)

RAG_TREND = """
SELECT r.week_start, r.rag_overall, count(*)
FROM projects_statusreport r
JOIN projects_project p ON p.id = r.project_id AND p.organization_id = r.organization_id
WHERE r.organization_id = %(org)s AND p.status = 'active' AND r.state IN ('submitted', 'accepted')
  AND r.week_start BETWEEN %(trend_first)s AND %(this_week)s
GROUP BY 1, 2
ORDER BY 1, 2
"""

BUDGETS = f"""
SELECT p.portfolio_id, pf.name, count(*) AS projects, sum(l.bac), sum(l.ac), sum(l.eac)
FROM projects_project p
CROSS JOIN LATERAL ({_LATEST}) l
LEFT JOIN portfolio_portfolio pf ON pf.id = p.portfolio_id AND pf.organization_id = p.organization_id
WHERE p.organization_id = %(org)s AND p.status = 'active'
GROUP BY 1, 2
ORDER BY p.portfolio_id IS NULL, pf.name
"""  # noqa: S608 (constant SQL fragments, no input)

# Totals and the first ten of the open milestones due in 30 days and of the slipped ones.
MILESTONES = """
WITH open AS (
    SELECT m.id, m.name, p.code, coalesce(m.forecast_date, m.baseline_date) AS due, m.forecast_date, m.baseline_date
    FROM projects_milestone m
    JOIN projects_project p ON p.id = m.project_id AND p.organization_id = m.organization_id
    WHERE m.organization_id = %(org)s AND p.status = 'active' AND m.actual_date IS NULL
),
ranked AS (
    SELECT 'due' AS list, o.*, row_number() OVER (ORDER BY due, code, id) AS n, count(*) OVER () AS total
    FROM open o WHERE due BETWEEN %(today)s AND %(milestone_until)s
    UNION ALL
    SELECT 'slipped', o.*, row_number() OVER (ORDER BY due, code, id), count(*) OVER ()
    FROM open o WHERE due < %(today)s OR forecast_date > baseline_date
)
SELECT list, id, name, code, due, total FROM ranked WHERE n <= 10 ORDER BY list, n
"""

# What waits for the executives among the active projects: ten of each kind.
DECISIONS = """
(SELECT 'risk' AS kind, r.id, r.number, r.title, p.code
 FROM risks_risk r JOIN projects_project p ON p.id = r.project_id AND p.organization_id = r.organization_id
 WHERE r.organization_id = %(org)s AND p.status = 'active' AND r.status = 'open'
   AND r.escalation_level = 'executive'
 ORDER BY r.score DESC, r.number LIMIT 10)
UNION ALL
(SELECT 'issue', i.id, i.number, i.title, p.code
 FROM risks_issue i JOIN projects_project p ON p.id = i.project_id AND p.organization_id = i.organization_id
 WHERE i.organization_id = %(org)s AND p.status = 'active' AND i.status IN ('open', 'in_progress')
   AND i.escalation_level = 'executive'
 ORDER BY i.number LIMIT 10)
UNION ALL
(SELECT 'change', c.id, c.number, c.title, p.code
 FROM projects_changerequest c JOIN projects_project p ON p.id = c.project_id AND p.organization_id = c.organization_id
 WHERE c.organization_id = %(org)s AND p.status = 'active' AND c.status = 'assessed'
   AND 'executive' = ANY(c.approvals_required)
   AND NOT EXISTS (SELECT 1 FROM projects_changeapproval a WHERE a.change_request_id = c.id
                   AND a.step = 'executive' AND a.decision = 'approved')
   AND (NOT 'pmo' = ANY(c.approvals_required)
        OR EXISTS (SELECT 1 FROM projects_changeapproval a WHERE a.change_request_id = c.id
                   AND a.step = 'pmo' AND a.decision = 'approved'))
 ORDER BY c.assessed_at NULLS LAST, c.id LIMIT 10)
UNION ALL
(SELECT 'gate', g.id, g."order", g.name, p.code
 FROM projects_gatereview g JOIN projects_project p ON p.id = g.project_id AND p.organization_id = g.organization_id
 WHERE g.organization_id = %(org)s AND p.status = 'active' AND g.decision = 'pending' AND g.kind = 'dcp'
   AND g.planned_date <= %(gates_until)s
 ORDER BY g.planned_date, g.id LIMIT 10)
UNION ALL
(SELECT 'intake', q.id, q.number, q.title, NULL
 FROM portfolio_projectrequest q
 WHERE q.organization_id = %(org)s AND q.status IN ('submitted', 'in_review')
 ORDER BY q.score DESC NULLS LAST, q.number LIMIT 10)
"""

# The heat map of the active projects' open risks (a row per probability × impact) and, after it, the ten highest.
RISKS = """
(SELECT 'cell' AS part, r.probability, r.impact, count(*) AS n, NULL::bigint AS id, NULL AS title
 FROM risks_risk r JOIN projects_project p ON p.id = r.project_id AND p.organization_id = r.organization_id
 WHERE r.organization_id = %(org)s AND p.status = 'active' AND r.status = 'open'
 GROUP BY 2, 3)
UNION ALL
(SELECT 'top', r.probability, r.impact, r.score, r.id, r.title
 FROM risks_risk r JOIN projects_project p ON p.id = r.project_id AND p.organization_id = r.organization_id
 WHERE r.organization_id = %(org)s AND p.status = 'active' AND r.status = 'open'
 ORDER BY r.score DESC, r.number LIMIT 10)
"""

# Capacity and demand of the active people per week, the hours allocated to the active projects, and the KPI
# window's utilisation (its weeks' capacity and allocations, approved timesheet hours, people). A person's capacity in
# a week is their weekly capacity / 5 per working day (the calendar's) not taken off: people are summed by weekly
# capacity, and only the person-weeks with time off are corrected one by one. The hours of a week are a running sum
# of the allocations starting (+) and ending (-) by then: one pass over the allocations, never a row per person-week.
CAPACITY = """
WITH weeks AS (
    SELECT %(util_first)s::date + 7 * i AS monday FROM generate_series(0, %(capacity_weeks)s - 1) i
),
working AS (
    SELECT w.monday, w.monday + d AS day
    FROM weeks w
    CROSS JOIN generate_series(0, 6) d
    LEFT JOIN resources_calendarday c ON c.organization_id = %(org)s AND c.date = w.monday + d
    WHERE c.kind = 'working' OR (d < 5 AND c.kind IS DISTINCT FROM 'holiday')
),
working_days AS (
    SELECT w.monday, count(k.day) AS n FROM weeks w LEFT JOIN working k ON k.monday = w.monday GROUP BY w.monday
),
people AS (SELECT id, weekly_capacity FROM resources_person WHERE organization_id = %(org)s AND active),
by_capacity AS (SELECT weekly_capacity, count(*) AS n FROM people GROUP BY weekly_capacity),
days_off AS (
    SELECT t.person_id, k.monday, count(DISTINCT k.day) AS n
    FROM resources_timeoff t
    JOIN working k ON k.day BETWEEN t.start AND t."end"
    WHERE t.organization_id = %(org)s AND t.start <= %(capacity_last)s::date + 6 AND t."end" >= %(util_first)s
    GROUP BY 1, 2
),
capacity AS (
    SELECT wd.monday,
           (SELECT sum(g.n * round(g.weekly_capacity * wd.n / 5, 2)) FROM by_capacity g)
           + coalesce((SELECT sum(round(pp.weekly_capacity * greatest(0, wd.n - o.n) / 5, 2)
                                  - round(pp.weekly_capacity * wd.n / 5, 2))
                       FROM days_off o JOIN people pp ON pp.id = o.person_id
                       WHERE o.monday = wd.monday), 0) AS capacity
    FROM working_days wd
),
changes AS (
    SELECT v.monday,
           sum(v.hours) FILTER (WHERE pp.active) AS demand,
           sum(v.hours) FILTER (WHERE p.status = 'active') AS shown
    FROM resources_allocation a
    JOIN resources_person pp ON pp.id = a.person_id AND pp.organization_id = a.organization_id
    JOIN projects_project p ON p.id = a.project_id AND p.organization_id = a.organization_id
    CROSS JOIN LATERAL (
        VALUES (greatest(a.start_week, %(util_first)s::date), a.hours_per_week),
               (a.end_week + 7, -a.hours_per_week)
    ) v(monday, hours)
    WHERE a.organization_id = %(org)s AND a.start_week <= %(capacity_last)s AND a.end_week >= %(util_first)s
      AND v.monday <= %(capacity_last)s
    GROUP BY v.monday
),
hours AS (
    SELECT w.monday,
           sum(coalesce(c.demand, 0)) OVER (ORDER BY w.monday) AS demand,
           sum(coalesce(c.shown, 0)) OVER (ORDER BY w.monday) AS shown
    FROM weeks w LEFT JOIN changes c ON c.monday = w.monday
)
SELECT c.monday, c.capacity, coalesce(h.demand, 0) AS demand, coalesce(h.shown, 0) AS shown,
       sum(c.capacity) FILTER (WHERE c.monday <= %(this_week)s) OVER () AS utilisation_capacity,
       sum(coalesce(h.demand, 0)) FILTER (WHERE c.monday <= %(this_week)s) OVER () AS utilisation_planned,
       (SELECT count(*) FROM people) AS people,
       (SELECT coalesce(sum(e.hours), 0)
        FROM resources_timesheetentry e
        JOIN resources_timesheet t ON t.id = e.timesheet_id AND t.organization_id = e.organization_id
        JOIN people pp ON pp.id = t.person_id
        WHERE e.organization_id = %(org)s AND t.state = 'approved'
          AND t.week_start BETWEEN %(util_first)s AND %(this_week)s) AS utilisation_actual
FROM capacity c
LEFT JOIN hours h ON h.monday = c.monday
ORDER BY c.monday
"""

INTAKE = """
SELECT status, count(*), sum(estimated_cost)
FROM portfolio_projectrequest
WHERE organization_id = %(org)s
GROUP BY status
"""

STATEMENTS: dict[str, str] = {
    "figures": FIGURES,
    "kpis": KPIS,
    "points": POINTS,
    "rag_trend": RAG_TREND,
    "budgets": BUDGETS,
    "milestones": MILESTONES,
    "decisions": DECISIONS,
    "risks": RISKS,
    "capacity": CAPACITY,
    "intake": INTAKE,
}


# --- The PMO cockpit ------------------------------------------------------------------------------------------------
# ``reports.cockpit.selectors.cockpit`` for a PMO reader (who sees every project): this week's status tiles and the
# ten reports most overdue with their last reminder; the five queues (count and oldest five); open alerts; people
# over capacity in the next five weeks; risks escalated to the PMO or the executives; the data-quality counts. The
# reminder run's pending messages (policy logic over the reminders sent) are left out.

COCKPIT_STATUS = """
WITH due AS (
    SELECT ((%(this_week)s::date + cp.status_due_weekday) + cp.status_due_time) AT TIME ZONE o.time_zone AS at
    FROM tenancy_organization o JOIN projects_controlpolicy cp ON cp.organization_id = o.id
    WHERE o.id = %(org)s
),
week AS (
    SELECT p.id, p.code, r.first_submitted_at, coalesce(r.due_at, due.at) AS due_at,
           r.id IS NULL OR r.state IN ('draft', 'returned') AS not_in
    FROM projects_project p
    CROSS JOIN due
    LEFT JOIN projects_statusreport r
           ON r.organization_id = p.organization_id AND r.project_id = p.id AND r.week_start = %(this_week)s
    WHERE p.organization_id = %(org)s AND p.status IN ('active', 'on_hold')
),
tiles AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE NOT not_in) AS submitted,
           count(*) FILTER (WHERE not_in AND %(now)s > due_at) AS late,
           count(*) FILTER (WHERE first_submitted_at IS NULL AND %(now)s > due_at) AS missing
    FROM week
)
SELECT t.*, l.id, l.code, l.hours_late,
       (SELECT max(n.created_at) FROM reports_notification n
        WHERE n.organization_id = %(org)s
          AND n.dedup_key IN ('status-reminder:' || l.id || ':' || %(week)s,
                              'status-overdue:' || l.id || ':' || %(week)s)) AS last_reminded
FROM tiles t
LEFT JOIN LATERAL (
    SELECT id, code,
           CASE WHEN %(now)s > due_at
                THEN greatest(1, floor(extract(epoch FROM %(now)s - due_at) / 3600)) ELSE 0 END AS hours_late
    FROM week WHERE not_in
    ORDER BY 3 DESC, code
    LIMIT 10
) l ON true
"""

COCKPIT_QUEUES = """
(SELECT 'intake' AS queue, q.id, q.title, count(*) OVER () AS total
 FROM portfolio_projectrequest q
 WHERE q.organization_id = %(org)s AND q.status = 'submitted'
 ORDER BY q.submitted_at NULLS LAST, q.number LIMIT 5)
UNION ALL
(SELECT 'in_review', NULL, NULL, count(*)
 FROM portfolio_projectrequest WHERE organization_id = %(org)s AND status = 'in_review')
UNION ALL
(SELECT 'changes', c.id, c.title, count(*) OVER ()
 FROM projects_changerequest c JOIN projects_project p ON p.id = c.project_id AND p.organization_id = c.organization_id
 WHERE c.organization_id = %(org)s
   AND (c.status = 'submitted'
        OR (c.status = 'assessed' AND 'pmo' = ANY(c.approvals_required)
            AND NOT EXISTS (SELECT 1 FROM projects_changeapproval a WHERE a.change_request_id = c.id
                            AND a.step = 'pmo' AND a.decision = 'approved')
            AND c.raised_by_id IS DISTINCT FROM %(user)s
            AND NOT EXISTS (SELECT 1 FROM projects_changeapproval a WHERE a.change_request_id = c.id
                            AND a.decided_by_id = %(user)s)))
 ORDER BY c.decided_at DESC NULLS FIRST, c.submitted_at NULLS LAST, p.code, c.number LIMIT 5)
UNION ALL
(SELECT 'gates', g.id, g.name, count(*) OVER ()
 FROM projects_gatereview g JOIN projects_project p ON p.id = g.project_id AND p.organization_id = g.organization_id
 WHERE g.organization_id = %(org)s AND g.decision = 'pending' AND g.planned_date <= %(today)s
   AND p.status NOT IN ('closed', 'cancelled')
 ORDER BY g.planned_date, g.id LIMIT 5)
UNION ALL
(SELECT 'returned', r.id, p.code, count(*) OVER ()
 FROM projects_statusreport r JOIN projects_project p ON p.id = r.project_id AND p.organization_id = r.organization_id
 WHERE r.organization_id = %(org)s AND r.state = 'returned'
 ORDER BY r.reviewed_at NULLS LAST, r.week_start, r.id LIMIT 5)
UNION ALL
(SELECT 'tailoring', t.id, p.code, count(*) OVER ()
 FROM projects_tailoringrequest t
 JOIN projects_project p ON p.id = t.project_id AND p.organization_id = t.organization_id
 WHERE t.organization_id = %(org)s AND t.status = 'pending'
 ORDER BY t.proposed_at, t.id LIMIT 5)
"""

COCKPIT_ALERTS = """
WITH counts AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE severity = 'critical') AS critical,
           count(*) FILTER (WHERE severity = 'warning') AS warning,
           count(*) FILTER (WHERE severity = 'info') AS info
    FROM reports_alert WHERE organization_id = %(org)s AND state <> 'resolved'
)
SELECT c.*, a.id, a.metric, a.severity, a.opened_at
FROM counts c
LEFT JOIN LATERAL (
    SELECT id, metric, severity, opened_at FROM reports_alert
    WHERE organization_id = %(org)s AND state <> 'resolved'
    ORDER BY opened_at DESC NULLS LAST, id DESC
    LIMIT 5
) a ON true
"""

COCKPIT_OVER_CAPACITY = """
WITH weeks AS (SELECT %(this_week)s::date + 7 * i AS monday FROM generate_series(0, 4) i),
working_days AS (
    SELECT w.monday, count(*) AS n
    FROM weeks w
    CROSS JOIN generate_series(0, 6) d
    LEFT JOIN resources_calendarday c ON c.organization_id = %(org)s AND c.date = w.monday + d
    WHERE c.kind = 'working' OR (d < 5 AND c.kind IS DISTINCT FROM 'holiday')
    GROUP BY w.monday
),
allocated AS (
    SELECT a.person_id, w.monday, sum(a.hours_per_week) AS hours
    FROM resources_allocation a
    JOIN resources_person pp ON pp.id = a.person_id AND pp.organization_id = a.organization_id AND pp.active
    JOIN weeks w ON w.monday BETWEEN a.start_week AND a.end_week
    WHERE a.organization_id = %(org)s AND a.start_week <= %(this_week)s::date + 28 AND a.end_week >= %(this_week)s
    GROUP BY 1, 2
),
days_off AS (
    SELECT t.person_id, w.monday, count(DISTINCT w.monday + d) AS n
    FROM resources_timeoff t
    JOIN weeks w ON t.start <= w.monday + 6 AND t."end" >= w.monday
    CROSS JOIN generate_series(0, 6) d
    LEFT JOIN resources_calendarday c ON c.organization_id = %(org)s AND c.date = w.monday + d
    WHERE t.organization_id = %(org)s AND w.monday + d BETWEEN t.start AND t."end"
      AND (c.kind = 'working' OR (d < 5 AND c.kind IS DISTINCT FROM 'holiday'))
    GROUP BY 1, 2
),
over AS (
    SELECT al.person_id, al.monday,
           al.hours - round(pp.weekly_capacity * greatest(0, coalesce(wd.n, 0) - coalesce(o.n, 0)) / 5, 2) AS excess
    FROM allocated al
    JOIN resources_person pp ON pp.id = al.person_id
    LEFT JOIN working_days wd ON wd.monday = al.monday
    LEFT JOIN days_off o ON o.person_id = al.person_id AND o.monday = al.monday
)
SELECT o.person_id, pp.full_name, count(*) AS weeks, max(o.excess) AS peak
FROM over o JOIN resources_person pp ON pp.id = o.person_id
WHERE o.excess > 0
GROUP BY o.person_id, pp.full_name
ORDER BY peak DESC, pp.full_name
"""

COCKPIT_ESCALATED = """
WITH escalated AS (
    SELECT id, number, title, score, escalation_level, escalated_at
    FROM risks_risk
    WHERE organization_id = %(org)s AND status = 'open' AND escalation_level IN ('pmo', 'executive')
),
counts AS (
    SELECT count(*) FILTER (WHERE escalation_level = 'pmo') AS pmo,
           count(*) FILTER (WHERE escalation_level = 'executive') AS executive
    FROM escalated
)
SELECT c.*, e.id, e.number, e.title, e.score
FROM counts c
LEFT JOIN LATERAL (SELECT * FROM escalated ORDER BY score DESC, escalated_at NULLS LAST, number LIMIT 5) e ON true
"""

COCKPIT_QUALITY = """
SELECT count(*) FILTER (WHERE no_baseline) AS no_baseline,
       count(*) FILTER (WHERE no_manager) AS no_manager,
       count(*) FILTER (WHERE no_recent_status) AS no_recent_status,
       count(*) FILTER (WHERE stale_risks) AS stale_risks
FROM (
    SELECT NOT EXISTS (SELECT 1 FROM projects_baseline b
                       WHERE b.organization_id = p.organization_id AND b.project_id = p.id) AS no_baseline,
           p.manager_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM tenancy_membership m
                          WHERE m.organization_id = p.organization_id AND m.user_id = p.manager_id) AS no_manager,
           p.created_at <= %(new_since)s
           AND NOT EXISTS (SELECT 1 FROM projects_statusreport r
                           WHERE r.organization_id = p.organization_id AND r.project_id = p.id
                             AND r.week_start BETWEEN %(recent_week)s AND %(today)s
                             AND r.first_submitted_at IS NOT NULL) AS no_recent_status,
           EXISTS (SELECT 1 FROM risks_risk k
                   WHERE k.organization_id = p.organization_id AND k.project_id = p.id AND k.status = 'open'
                     AND k.last_reviewed_at < %(now)s - make_interval(days => s.review_period_days)) AS stale_risks
    FROM projects_project p
    JOIN risks_risksettings s ON s.organization_id = p.organization_id
    WHERE p.organization_id = %(org)s AND p.status IN ('active', 'on_hold')
) q
"""

COCKPIT_STATEMENTS: dict[str, str] = {
    "status": COCKPIT_STATUS,
    "queues": COCKPIT_QUEUES,
    "alerts": COCKPIT_ALERTS,
    "over_capacity": COCKPIT_OVER_CAPACITY,
    "escalated": COCKPIT_ESCALATED,
    "quality": COCKPIT_QUALITY,
}


@dataclass(frozen=True)
class Window:
    """The dates the dashboard's figures depend on (``reports.dashboard.selectors.Window`` and its helpers)."""

    organization_id: int
    zone: zoneinfo.ZoneInfo
    now: dt.datetime
    user_id: int | None = None  # the reader (the cockpit's queue of change requests depends on who reads it)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def _local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)

    def params(self) -> dict[str, Any]:
        today = self.today
        this_week = today - dt.timedelta(days=today.weekday())
        kpi_start = today - dt.timedelta(days=29)
        util_first = kpi_start - dt.timedelta(days=kpi_start.weekday())
        due_first = week_start_of(kpi_start - dt.timedelta(days=6))
        return {
            "org": self.organization_id,
            "now": self.now,
            "today": today,
            "this_week": this_week,
            "kpi_start": kpi_start,
            "kpi_since": self._local_midnight(kpi_start),
            "year_since": self._local_midnight(months_before(today.replace(day=1), 11)),
            "until": self._local_midnight(today + dt.timedelta(days=1)),
            "milestone_until": today + dt.timedelta(days=30),
            "gates_until": today + dt.timedelta(days=14),
            "trend_first": this_week - dt.timedelta(weeks=11),
            "due_first": due_first,
            "due_weeks": (this_week - due_first).days // 7,
            "util_first": util_first,
            "capacity_weeks": (this_week - util_first).days // 7 + 12,
            "capacity_last": this_week + dt.timedelta(weeks=11),
            "user": self.user_id,
            "week": week_label(this_week),
            "recent_week": this_week - dt.timedelta(days=14),
            "new_since": self.now - dt.timedelta(days=14),
        }


def _run(
    connection: psycopg.Connection[Any], window: Window, statements: dict[str, str]
) -> dict[str, list[tuple[Any, ...]]]:
    params = window.params()
    results: dict[str, list[tuple[Any, ...]]] = {}
    with connection.transaction(), psycopg.ClientCursor(connection) as cursor:
        cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(window.organization_id)])
        for name, statement in statements.items():
            cursor.execute(statement, params)
            results[name] = cursor.fetchall()
    return results


def run_dashboard_sql(connection: psycopg.Connection[Any], window: Window) -> dict[str, list[tuple[Any, ...]]]:
    """Run the dashboard's statements in one transaction scoped to the organisation (as the app does); the rows of
    each."""
    return _run(connection, window, STATEMENTS)


def run_cockpit_sql(connection: psycopg.Connection[Any], window: Window) -> dict[str, list[tuple[Any, ...]]]:
    """Run the cockpit's statements (``window.user_id``: the PMO reader) like ``run_dashboard_sql``."""
    return _run(connection, window, COCKPIT_STATEMENTS)


def connect(settings_dict: dict[str, Any]) -> psycopg.Connection[Any]:
    """A connection to the database of Django's ``settings_dict``, as its user (the application role)."""
    options = {key: value for key, value in (settings_dict.get("OPTIONS") or {}).items() if key != "pool"}
    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
        **options,
    )
