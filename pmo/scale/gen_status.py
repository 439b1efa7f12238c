"""About a year of weekly status (周报) per running project, and the history of the closed and cancelled ones up to
their end, kept to the invariants ``projects.status.services`` keeps (as ``projects.monitoring_seed`` does for the
demo):

- one report per project and ISO week, due as the control policy says; each submission is an immutable
  ``StatusRevision``; the report holds its latest submission's content and figures; ``version`` counts the writes;
- the figures are ``projects.evm.evm_compute`` against the baseline in force at the submission, as of the week's
  status date; the suggestion is ``projects.evm.suggest_rag`` with the organisation's policy; the RAG of each
  dimension follows the suggestion's factors; an overall RAG better than suggested carries a justification;
- percent complete follows the first baseline's plan with the project's schedule performance and never goes down;
  actual cost follows it with the cost performance; a closed project ends at 100 % and its final cost.

Past weeks were submitted on Friday (a few late, on Monday) and accepted on Monday (a few returned once and
corrected); some of last week's wait for the PMO; this week's are submitted, drafts, returned or still missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pmo.scale.gen_context import Gen
from pmo.scale.gen_projects import ProjectRow
from pmo.tenancy.roles import Role
from projects import evm
from projects.models import (
    EVM_FIGURE_FIELDS,
    RAG_RANK,
    STATUS_CONTENT_FIELDS,
    Rag,
    StatusReport,
    StatusRevision,
)
from projects.monitoring_seed import INVOICES, STORIES, SUMMARIES, reported_figures
from projects.policy import status_date, status_due_at, week_start_of

HISTORY_WEEKS = 60
BATCH_PROJECTS = 100
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
RAGS = [Rag.GREEN, Rag.AMBER, Rag.RED]
WORK = [item for story in STORIES.values() for item in story.work]
ESCALATIONS = [spec for story in STORIES.values() for spec in story.escalations]
EMPTY_FIGURES: dict[str, Any] = dict.fromkeys(EVM_FIGURE_FIELDS) | {
    "suggested_rag": "",
    "suggested_reasons": [],
}

REPORT_COLUMNS = (
    "id", "organization_id", "project_id", "week_start", "state", "revision", "due_at", "first_submitted_at",
    "submitted_at", "submitted_by_id", "reviewed_at", "reviewed_by_id", "review_comment", "created_by_id",
    "created_at", "updated_at", "version", *STATUS_CONTENT_FIELDS, *EVM_FIGURE_FIELDS,
)  # fmt: skip
REVISION_COLUMNS = (
    "id", "organization_id", "report_id", "project_id", "number", "submitted_by_id", "submitted_at",
    *STATUS_CONTENT_FIELDS, *EVM_FIGURE_FIELDS,
)  # fmt: skip


def _trend(start: float, end: float, fraction: float) -> float:
    return start + (end - start) * fraction


class StatusGenerator:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.pmo_id = gen.users[Role.PMO].pk
        self.org_id = gen.org_id
        # Early in the week most of this week's reports are not there yet; once they are due, a few still are not.
        due = status_due_at(organization=gen.organization, policy=gen.policy, week_start=gen.current_week)
        self.due_passed = gen.now > due
        days_left = max(0, gen.policy.status_due_weekday - gen.today.weekday())
        self.missing_now = 0.08 if self.due_passed else min(0.85, 0.3 + 0.12 * days_left)

    def run(self) -> None:
        reporting = [p for p in self.gen.projects if p.reporting]
        for start in range(0, len(reporting), BATCH_PROJECTS):
            reports: list[tuple[Any, ...]] = []
            revisions: list[tuple[Any, ...]] = []
            for p in reporting[start : start + BATCH_PROJECTS]:
                for report, submissions in self.history(p):
                    reports.append(report)
                    revisions.extend(submissions)
            self.gen.writer.insert(StatusReport, REPORT_COLUMNS, reports)
            self.gen.writer.insert(StatusRevision, REVISION_COLUMNS, revisions)

    # --- one project -------------------------------------------------------------------------------------------

    def weeks(self, p: ProjectRow) -> list[dt.date]:
        gen, policy = self.gen, self.gen.policy
        last = gen.current_week
        if p.stopped is not None:
            last = week_start_of(p.stopped)
            if status_date(policy=policy, week_start=last) > p.stopped:
                last -= dt.timedelta(weeks=1)
        first = max(week_start_of(p.start), gen.week(-HISTORY_WEEKS))
        if status_date(policy=policy, week_start=first) < p.start:
            first += dt.timedelta(weeks=1)
        count = (last - first).days // 7 + 1
        return [first + dt.timedelta(weeks=n) for n in range(max(0, count))]

    def trends(self, p: ProjectRow) -> tuple[tuple[float, float], tuple[float, float]]:
        """(start, end) of schedule and cost performance over the history, by the project's story."""
        u = self.rng.uniform
        if p.story == "slipping":
            return (u(0.97, 1.03), u(0.72, 0.9)), (u(0.97, 1.02), u(0.86, 0.97))
        if p.story == "overrun":
            return (u(0.95, 1.02), u(0.94, 1.01)), (u(0.97, 1.02), u(0.76, 0.9))
        if p.story == "recovering":
            return (u(0.8, 0.88), u(0.95, 1.01)), (u(0.84, 0.9), u(0.92, 0.98))
        return (u(0.97, 1.03), u(0.96, 1.04)), (u(0.96, 1.03), u(0.95, 1.04))

    def history(self, p: ProjectRow) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        gen, rng, policy = self.gen, self.rng, self.gen.policy
        weeks = self.weeks(p)
        if not weeks:
            return
        (spi_a, spi_b), (cpi_a, cpi_b) = self.trends(p)
        first_curve = p.baselines[0].curve
        escalation_specs = rng.sample(ESCALATIONS, 3)
        done, spent = Decimal(0), Decimal(0)
        total = len(weeks)
        for index, monday in enumerate(weeks):
            back = total - 1 - index
            is_current = monday == gen.current_week
            fraction = index / max(1, total - 1)
            day = status_date(policy=policy, week_start=monday)
            if is_current and rng.random() < self.missing_now:
                continue
            if back >= 2 and not is_current and rng.random() < 0.015:
                continue  # never reported: a gap the compliance figures count
            spi = Decimal(str(round(_trend(spi_a, spi_b, fraction) + rng.gauss(0, 0.008), 4)))
            cpi = Decimal(str(round(_trend(cpi_a, cpi_b, fraction) + rng.gauss(0, 0.008), 4)))
            planned = evm.planned_fraction(
                start=first_curve.start, finish=first_curve.finish, milestones=first_curve.milestones, on=day
            )
            percent = min(HUNDRED, max(done, ((planned or Decimal(0)) * HUNDRED * spi).quantize(CENT)))
            cost = max(spent, (percent / HUNDRED * first_curve.bac / cpi).quantize(CENT, rounding=ROUND_HALF_UP))
            if p.stopped is not None and back == 0 and p.final_cost is not None:
                percent, cost = HUNDRED, max(spent, p.final_cost)
            slip = (
                round(p.slip_days * min(1.0, fraction * 1.4))
                if p.story == "slipping"
                else (p.slip_days if back == 0 else 0)
            )
            escalations = self.escalations(p, escalation_specs, back)
            done, spent = percent, cost
            yield self.report(p, monday, day, back, is_current, percent, cost, slip, escalations)

    def escalations(self, p: ProjectRow, specs: list[Any], back: int) -> list[dict[str, Any]]:
        """Open escalations: a slipping project piles them up in its last weeks, an overrun one waits for a budget
        decision, a recovering one resolved its staffing escalation midway."""
        wanted: list[tuple[Any, int, int | None]]
        if p.story == "slipping":
            wanted = [(specs[0], 10, None), (specs[1], 5, None), (specs[2], 2, None)]
        elif p.story == "overrun":
            wanted = [(specs[0], 4, None)]
        elif p.story == "recovering":
            wanted = [(specs[0], 20, 8)]
        else:
            return []
        gen = self.gen
        return [
            {
                "title": gen.pick(spec.title),
                "detail": gen.pick(spec.detail),
                "decision_needed": spec.decision_from is not None,
                "decision_from": gen.pick(spec.decision_from) if spec.decision_from else "",
                "resolved": back == resolved,
            }
            for spec, opened, resolved in wanted
            if back <= opened and (resolved is None or back >= resolved)
        ]

    def submission(
        self,
        p: ProjectRow,
        moment: dt.datetime,
        day: dt.date,
        back: int,
        percent: Decimal,
        cost: Decimal,
        slip: int,
        escalations: list[dict[str, Any]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The content a manager reports and the figures a submission at ``moment`` stores."""
        gen, rng = self.gen, self.rng
        baseline = p.baseline_at(moment)
        curve = baseline.curve
        figures, suggestion, rags = reported_figures(
            policy=gen.policy,
            curve=curve,
            day=day,
            percent=percent,
            cost=cost,
            slip=slip,
            escalations=escalations,
        )
        if p.story != "healthy" and rng.random() < 0.15:
            rags[rng.choice(("rag_scope", "rag_quality", "rag_resources"))] = Rag.AMBER.value
        overall = evm.worst_rag(rags.values())
        justification = ""
        rank = RAG_RANK[Rag(suggestion.rag)]
        if rank > 0 and rng.random() < 0.05:
            overall = RAGS[rank - 1]
            justification = gen.t(
                "The delay is absorbed by re-sequencing the remaining work; the go-live date holds.",
                "通过调整后续工作顺序吸收延误，上线日期不变。",
            )
        done_text = gen.pick(WORK[(p.number + back) % len(WORK)])
        next_text = gen.pick(WORK[(p.number + back + 1) % len(WORK)])
        content = {
            "rag_overall": str(overall),
            **{name: str(value) for name, value in rags.items()},
            "rag_justification": justification,
            "percent_complete": percent,
            "actual_cost": cost,
            "forecast_finish": curve.finish + dt.timedelta(days=slip) if curve.finish else None,
            "summary": gen.pick(SUMMARIES[Rag(overall)]),
            "accomplishments": gen.t(f"Completed: {done_text}.", f"本周{done_text}。"),
            "next_steps": gen.t(f"Next week: {next_text}.", f"下周计划：{next_text}。"),
            "escalations": escalations,
        }
        stored = {**figures.as_fields(), "suggested_rag": suggestion.rag, "suggested_reasons": suggestion.reasons}
        return content, stored

    def report(
        self,
        p: ProjectRow,
        monday: dt.date,
        day: dt.date,
        back: int,
        is_current: bool,
        percent: Decimal,
        cost: Decimal,
        slip: int,
        escalations: list[dict[str, Any]],
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        gen, rng = self.gen, self.rng
        State = StatusReport.State
        submissions: list[tuple[dt.datetime, dict[str, Any], dict[str, Any]]] = []
        reviewed: tuple[dt.datetime, str] | None = None
        returns = 0

        def submit(at: dt.datetime, amount: Decimal) -> None:
            content, figures = self.submission(p, at, day, back, percent, amount, slip, escalations)
            submissions.append((at, content, figures))

        if is_current:
            created = gen.past(gen.local(monday, 9, 15), 240)
            weights = (90, 4, 6) if self.due_passed else (75, 18, 7)
            state = rng.choices((State.SUBMITTED, State.DRAFT, State.RETURNED), weights=weights)[0]
            if state != State.DRAFT:
                late = self.due_passed and rng.random() < 0.08
                at = (
                    gen.local(monday + dt.timedelta(days=5), 10)
                    if late
                    else gen.local(monday + dt.timedelta(days=3), 16, 40)
                )
                submit(gen.past(at, 180), cost)
            if state == State.RETURNED:
                returns = 1
                reviewed = (gen.past(gen.local(monday + dt.timedelta(days=4), 10), 120), gen.pick(INVOICES))
        else:
            created = gen.past(gen.local(monday + dt.timedelta(days=3), 9, 30), 50)
            late = rng.random() < (0.15 if p.story == "slipping" else 0.06)
            vary = (p.number * 17 + back * 11) % 150
            first_at = gen.past(
                gen.local(monday + dt.timedelta(days=7), 9, 10 + vary % 40)
                if late
                else gen.local(monday + dt.timedelta(days=4), 15) + dt.timedelta(minutes=vary),
                40,
            )
            if rng.random() < 0.03:
                submit(first_at, (cost * Decimal("0.95")).quantize(CENT))
                submit(gen.past(gen.local(monday + dt.timedelta(days=7), 15), 20), cost)
                returns = 1
                comment = gen.pick(INVOICES)
                note = gen.t(
                    f"Accepted after the correction (returned: {comment})",
                    f"已按意见修改，同意。（退回原因：{comment}）",
                )
                reviewed = (gen.past(gen.local(monday + dt.timedelta(days=8), 10), 10), note)
                state = State.ACCEPTED
            else:
                submit(first_at, cost)
                if back <= 1 and rng.random() < 0.3:
                    state = State.SUBMITTED
                else:
                    state = State.ACCEPTED
                    reviewed = (gen.past(gen.local(monday + dt.timedelta(days=7), 14 if late else 11), 10), "")
        if submissions:
            content, figures = submissions[-1][1], submissions[-1][2]
        else:  # a draft: what the manager typed so far; the figures come with the submission
            content, figures = (
                self.submission(p, gen.now, day, back, percent, cost, slip, escalations)[0],
                EMPTY_FIGURES,
            )
        version = 1 + len(submissions) + returns + (state == State.ACCEPTED) + (state == State.DRAFT)
        moments = [created, *(s[0] for s in submissions), *([reviewed[0]] if reviewed else [])]
        report_id = gen.writer.next_id(StatusReport)
        report = (
            report_id,
            self.org_id,
            p.id,
            monday,
            state,
            len(submissions),
            status_due_at(organization=gen.organization, policy=gen.policy, week_start=monday),
            submissions[0][0] if submissions else None,
            submissions[-1][0] if submissions else None,
            p.manager_id if submissions else None,
            reviewed[0] if reviewed else None,
            self.pmo_id if reviewed else None,
            reviewed[1] if reviewed else "",
            p.manager_id,
            created,
            max(moments),
            version,
            *(content[name] for name in STATUS_CONTENT_FIELDS),
            *(figures[name] for name in EVM_FIGURE_FIELDS),
        )
        revisions = [
            (
                gen.writer.next_id(StatusRevision),
                self.org_id,
                report_id,
                p.id,
                number,
                p.manager_id,
                at,
                *(sub_content[name] for name in STATUS_CONTENT_FIELDS),
                *(sub_figures[name] for name in EVM_FIGURE_FIELDS),
            )
            for number, (at, sub_content, sub_figures) in enumerate(submissions, start=1)
        ]
        return report, revisions


def status_generate(gen: Gen) -> None:
    StatusGenerator(gen).run()
