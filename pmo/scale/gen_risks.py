"""The RAID log at scale, with the invariants ``risks.services`` keeps (as ``risks.seed`` does for the demo): risks
and issues numbered per organisation without gaps; probability and impact on the organisation's 1–5 scale (the
score is the database's generated column); an escalated risk or issue has its level, time, escalating user and
note; a closed risk was reviewed when it was closed; an occurred risk is linked to the issue it became; about a
third of the open risks are overdue for review. About 25 risks per project on average, more on running projects;
one to three actions each; issues and assumptions on the running projects; a few portfolio-level risks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmo.scale.gen_context import Gen
from pmo.scale.gen_projects import ProjectRow
from pmo.tenancy.roles import Role
from projects.models import Project
from risks.models import Assumption, EscalationLevel, Issue, Risk, RiskAction, RiskSettings
from risks.seed import ASSUMPTIONS, ISSUES, PORTFOLIO_RISKS, RISKS, RiskSpec

Status = Project.Status
RISK_COLUMNS = (
    "id", "organization_id", "number", "project_id", "portfolio_id", "title", "cause", "event", "effect", "category",
    "probability", "impact", "proximity", "owner_id", "strategy", "response_plan", "contingency", "status",
    "escalation_level", "escalated_at", "escalated_by_id", "escalation_note", "last_reviewed_at", "created_by_id",
    "created_at", "version",
)  # fmt: skip
ISSUE_COLUMNS = (
    "id", "organization_id", "number", "project_id", "portfolio_id", "risk_id", "title", "description", "severity",
    "owner_id", "due_date", "status", "escalation_level", "escalated_at", "escalated_by_id", "escalation_note",
    "resolution", "resolved_at", "created_by_id", "created_at", "version",
)  # fmt: skip
# Probability and impact lean to the middle of the grid, as registers do; a troubled project's lean higher.
LEVELS = (1, 2, 3, 4, 5)
ESCALATING = (Issue.Severity.HIGH, Issue.Severity.CRITICAL)
LEVEL_WEIGHTS = (26, 38, 26, 8, 2)
TROUBLED_LEVEL_WEIGHTS = (16, 30, 32, 16, 6)


class RisksGenerator:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.org_id = gen.org_id
        self.pmo = gen.users[Role.PMO].pk
        self.member = gen.users[Role.MEMBER].pk
        self.review_days = RiskSettings.objects.get(organization=gen.organization).review_period_days
        self.number = 0
        self.issue_number = 0
        self.risks: list[tuple[Any, ...]] = []
        self.actions: list[tuple[Any, ...]] = []
        self.issues: list[tuple[Any, ...]] = []
        self.occurred: list[tuple[int, ProjectRow | None, int | None, str, str]] = []
        self.neglected = {p.id for p in gen.projects if self.rng.random() < 0.12}

    def count(self, p: ProjectRow) -> int:
        rng = self.rng
        if p.status in (Status.ACTIVE, Status.ON_HOLD):
            return rng.randint(20, 38)
        if p.status == Status.CLOSED:
            return rng.randint(14, 30)
        if p.status == Status.PLANNING:
            return rng.randint(6, 14)
        if p.status == Status.CANCELLED:
            return rng.randint(4, 10)
        return rng.randint(0, 3)

    def days_ago(self, days: int) -> dt.datetime:
        return self.gen.now - dt.timedelta(days=days, hours=self.rng.randint(0, 8))

    def run(self) -> None:
        gen, rng = self.gen, self.rng
        for p in gen.projects:
            for _k in range(self.count(p)):
                self.risk(p, None, rng.choice(RISKS))
        for portfolio_id in gen.portfolio_ids:
            for spec in rng.sample(PORTFOLIO_RISKS, min(2, len(PORTFOLIO_RISKS))):
                self.risk(None, portfolio_id, spec)
        self.issue_log()
        writer = gen.writer
        writer.insert(Risk, RISK_COLUMNS, self.risks)
        writer.insert(
            RiskAction,
            ("id", "organization_id", "risk_id", "title", "owner_id", "due_date", "done_at", "created_at"),
            self.actions,
        )
        writer.insert(Issue, ISSUE_COLUMNS, self.issues)
        self.assumptions()

    def risk(self, p: ProjectRow | None, portfolio_id: int | None, spec: RiskSpec) -> None:
        gen, rng = self.gen, self.rng
        finished = p is not None and p.status in (Status.CLOSED, Status.CANCELLED)
        troubled = p is None or p.story != "healthy"
        weights = TROUBLED_LEVEL_WEIGHTS if troubled else LEVEL_WEIGHTS
        probability = rng.choices(LEVELS, weights=weights)[0]
        impact = rng.choices(LEVELS, weights=weights)[0]
        score = probability * impact
        oldest = max(10, (gen.today - p.start).days) if p is not None else 200
        created = self.days_ago(rng.randint(3, min(oldest, 400)))
        status = Risk.Status.OPEN
        roll = rng.random()
        if finished or roll < 0.22:
            status = Risk.Status.CLOSED
        elif roll < 0.26:
            status = Risk.Status.OCCURRED
        # Most registers are kept up to date; a neglected one has many risks overdue for review.
        stale = status == Risk.Status.OPEN and rng.random() < (
            0.45 if p is not None and p.id in self.neglected else 0.03
        )
        reviewed_days = self.review_days + rng.randint(5, 90) if stale else rng.randint(0, max(self.review_days - 2, 1))
        reviewed = max(created, self.days_ago(reviewed_days))
        level, escalated_at, escalated_by, note = EscalationLevel.PROJECT, None, None, ""
        if status == Risk.Status.OPEN and (p is None or score >= 12) and rng.random() < (0.08 if troubled else 0.01):
            if (score >= 16 and rng.random() < 0.35) or (p is None and rng.random() < 0.5):
                level, escalated_by = EscalationLevel.EXECUTIVE, self.pmo
                note = gen.t(
                    "Beyond the PMO's authority: needs a decision on budget or priorities by the executives.",
                    "超出项目管理办公室权限，需高层就预算或优先级作出决策。",
                )
            else:
                level, escalated_by = EscalationLevel.PMO, p.manager_id if p else self.pmo
                note = gen.t(
                    "The project cannot resolve this alone; it needs people or decisions from other projects.",
                    "项目无法独立解决，需要其他项目的资源或决策。",
                )
            escalated_at = max(created, self.days_ago(rng.randint(1, 40)))
            reviewed = max(reviewed, escalated_at)
        self.number += 1
        risk_id = gen.writer.next_id(Risk)
        owner = (p.manager_id if rng.random() < 0.6 else self.member) if p else self.pmo
        self.risks.append(
            (
                risk_id,
                self.org_id,
                self.number,
                p.id if p else None,
                portfolio_id,
                gen.pick(spec.title),
                gen.pick(spec.cause),
                gen.pick(spec.event),
                gen.pick(spec.effect),
                spec.category,
                probability,
                impact,
                gen.today + dt.timedelta(days=rng.randint(-20, 150)) if status == Risk.Status.OPEN else None,
                owner,
                Risk.Strategy.ESCALATE if level == EscalationLevel.EXECUTIVE else spec.strategy,
                gen.pick(spec.response),
                gen.pick(spec.contingency),
                status,
                level,
                escalated_at,
                escalated_by,
                note,
                reviewed,
                p.manager_id if p else self.pmo,
                created,
                1 + (reviewed > created) + (escalated_at is not None),
            )
        )
        for k, title in enumerate(spec.actions[: rng.randint(1, 3)]):
            due = gen.today + dt.timedelta(days=rng.randint(-40, 60))
            done = status != Risk.Status.OPEN or rng.random() < 0.3
            done_at = min(gen.now, gen.local(due, 16)) if done else None
            self.actions.append(
                (
                    gen.writer.next_id(RiskAction),
                    self.org_id,
                    risk_id,
                    gen.pick(title),
                    owner if k == 0 else (p.manager_id if p else self.pmo),
                    due,
                    max(done_at, created) if done_at else None,
                    created,
                )
            )
        if status == Risk.Status.OCCURRED:
            self.occurred.append((risk_id, p, portfolio_id, gen.pick(spec.title), gen.pick(spec.effect)))

    def issue_log(self) -> None:
        """An issue for every occurred risk (linked) and the new problems of the running projects."""
        gen, rng = self.gen, self.rng
        wanted: list[tuple[int | None, ProjectRow | None, int | None, str, str, str]] = [
            (risk_id, p, portfolio_id, gen.t("Occurred: ", "已发生：") + title, effect, Issue.Severity.HIGH)
            for risk_id, p, portfolio_id, title, effect in self.occurred
        ]
        running = [p for p in gen.projects if p.status in (Status.ACTIVE, Status.ON_HOLD)]
        for project in running:
            for text, detail, level in rng.sample(ISSUES, rng.choice((0, 1, 1, 2, 3))):
                wanted.append((None, project, None, gen.pick(text), gen.pick(detail), level))
        for risk_id, p, portfolio_id, title, description, severity in wanted:
            self.issue_number += 1
            status = rng.choices(
                (Issue.Status.OPEN, Issue.Status.IN_PROGRESS, Issue.Status.RESOLVED, Issue.Status.CLOSED),
                weights=(30, 30, 20, 20) if p is None or p.live else (0, 0, 30, 70),
            )[0]
            created = self.days_ago(rng.randint(3, 120))
            resolved = status in (Issue.Status.RESOLVED, Issue.Status.CLOSED)
            level = EscalationLevel.PROJECT
            troubled = p is None or p.story != "healthy"
            if not resolved and troubled and severity in ESCALATING and rng.random() < 0.35:
                level = EscalationLevel.EXECUTIVE if severity == Issue.Severity.CRITICAL else EscalationLevel.PMO
            escalated = level != EscalationLevel.PROJECT
            manager = p.manager_id if p else self.pmo
            self.issues.append(
                (
                    gen.writer.next_id(Issue),
                    self.org_id,
                    self.issue_number,
                    p.id if p else None,
                    portfolio_id,
                    risk_id,
                    title[:200],
                    description,
                    severity,
                    manager,
                    gen.today + dt.timedelta(days=rng.randint(-15, 40)),
                    status,
                    level,
                    min(gen.now, created + dt.timedelta(days=1)) if escalated else None,
                    manager if escalated else None,
                    gen.t("Needs a decision beyond the project.", "需要项目以外的决策。") if escalated else "",
                    gen.t("Fixed and verified with the users.", "已修复并经用户验证。") if resolved else "",
                    min(gen.now, created + dt.timedelta(days=rng.randint(2, 20))) if resolved else None,
                    manager,
                    created,
                    1 + resolved + escalated,
                )
            )

    def assumptions(self) -> None:
        gen, rng = self.gen, self.rng
        states = (Assumption.Status.OPEN, Assumption.Status.VALID, Assumption.Status.OPEN, Assumption.Status.INVALID)
        rows = []
        for p in gen.projects:
            if p.status not in (Status.ACTIVE, Status.PLANNING):
                continue
            for n, (title, description) in enumerate(rng.sample(ASSUMPTIONS, min(len(ASSUMPTIONS), 2))):
                rows.append(
                    (
                        gen.writer.next_id(Assumption),
                        self.org_id,
                        p.id,
                        gen.pick(title),
                        gen.pick(description),
                        p.manager_id,
                        gen.today + dt.timedelta(days=14 * (n + 1) - rng.randint(0, 40)),
                        rng.choice(states),
                        gen.now - dt.timedelta(days=rng.randint(20, 200)),
                        1,
                    )
                )
        gen.writer.insert(
            Assumption,
            ("id", "organization_id", "project_id", "title", "description", "owner_id", "validate_by", "status",
             "created_at", "version"),
            rows,
        )  # fmt: skip


def risks_generate(gen: Gen) -> None:
    RisksGenerator(gen).run()
