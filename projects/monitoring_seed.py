"""Demo history of monitoring and change control: weekly status reports (周报) for the last 14 ISO weeks of every
active and on-hold demo project (a shorter history, ending at their finish, for the closed ones), with earned
value, suggested RAG, escalations, late and returned reports; the current week in every state (submitted,
returned, draft, missing); and change requests in every state, the approved ones with their baselines.

This is recorded past, so it is written with the models and past timestamps, keeping every invariant the
services keep (``projects.status.services``, ``projects.changes.services``):

- one report per project and ISO week, due as the control policy says (``projects.policy.status_due_at``);
  every submission is an immutable ``StatusRevision`` (created, never updated) numbered like ``report.revision``;
  the report holds the content and figures of its latest submission; ``version`` counts the writes;
- the figures are ``projects.evm.evm_compute`` with PV from the plan curve of the baseline in force when the
  report was submitted (the latest one approved by then; the first one when every baseline was recorded later, as
  the lifecycle seeder's are), as of the week's status date; the suggestion is ``projects.evm.suggest_rag`` with
  the organisation's policy; an overall RAG better than suggested carries a justification;
- change requests are numbered per project, raised by the manager, assessed by the PMO, signed step by step by
  the PMO and the executive (never the raiser) as the PMO type asks; an approval adds the next baseline through
  ``projects.services.baseline_create`` linked both ways, and moves the project's BAC and planned finish.

The trends are stories: one project slips steadily (amber, then red; its forecast finish moves with the slip),
one recovers after a resource change request, the others stay green-ish. Percent complete follows the first
baseline's plan with the story's schedule performance; actual cost follows it with the story's cost performance.

Runs after ``projects.seed`` (it needs its projects, milestones and closures). Idempotent: reports are found by
(project, week), change requests by (project, number); what exists is skipped, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Role
from projects import evm
from projects.changes import services as changes
from projects.models import (
    RAG_RANK,
    ApproverRole,
    Baseline,
    ChangeRequest,
    ClosureReport,
    Milestone,
    Project,
    Rag,
    StatusReport,
    StatusRevision,
)
from projects.policy import (
    control_policy_get,
    current_week_start,
    organization_zone,
    status_date,
    status_due_at,
    week_start_of,
)

Text = tuple[str, str]
# (weeks back, value) points of a trend, interpolated linearly; weeks back count from the current week (0), for a
# closed project from its last report.
Points = tuple[tuple[int, float], ...]

HISTORY_WEEKS = 14
CLOSED_HISTORY_WEEKS = 8
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
RAGS = [Rag.GREEN, Rag.AMBER, Rag.RED]


@dataclass(frozen=True)
class EscalationSpec:
    title: Text
    detail: Text
    opened: int  # weeks back when it is first reported
    resolved: int | None = None  # weeks back when it is reported resolved (then it drops out)
    decision_from: Text | None = None  # a decision is needed, from whom


@dataclass(frozen=True)
class Story:
    """How one project's weeks went."""

    spi: Points  # schedule performance the manager's percent complete reflects (against the first baseline)
    cpi: Points  # cost performance the actual cost reflects (against the first baseline's budget)
    work: tuple[Text, ...]  # work items (English: noun phrases), one done a week in turn; the next is planned
    # The largest milestone slip, as a share of the project's current one (a closed project: of ``slip_days``);
    # the current week reports the current slip, as the service computes it.
    slip: Points = ((0, 1.0),)
    slip_days: int = 0
    current: str = ""  # the current week: "submitted", "returned", "draft" or "missing"
    late: frozenset[int] = frozenset()  # weeks first submitted after the due time
    returned: frozenset[int] = frozenset()  # weeks returned once by the PMO, resubmitted, accepted
    unreviewed: frozenset[int] = frozenset()  # weeks still waiting for the PMO
    optimistic: frozenset[int] = frozenset()  # weeks the manager reports one step better than suggested
    justification: Text = ("", "")
    escalations: tuple[EscalationSpec, ...] = ()
    # (dimension, from weeks back, to weeks back, rag): what the figures do not show (scope, quality, resources)
    concerns: tuple[tuple[str, int, int, str], ...] = ()
    return_comment: Text = ("", "")


@dataclass(frozen=True)
class ChangeSpec:
    project: int
    number: int
    status: str
    raised: int  # weeks back
    change_type: str
    title: Text
    description: Text
    justification: Text
    cost_delta: int
    finish_delta_days: int = 0
    scope_impact: Text = ("", "")
    risk_impact: Text = ("", "")
    assessment: Text = ("", "")
    note: Text = ("", "")  # the decision's note (approval, rejection or withdrawal)


INVOICES: Text = (
    "The actual cost does not include this month's vendor invoices; please update it and resubmit.",
    "实际成本未包含本月供应商发票，请更新后重新提交。",
)

STORIES: dict[int, Story] = {
    # The slipping one: schedule and cost performance drift down, the largest milestone slip grows to its current
    # value, escalations pile up; amber from about ten weeks back, red in the last weeks.
    1: Story(
        spi=((14, 1.01), (10, 1.0), (6, 0.93), (0, 0.80)),
        cpi=((14, 1.0), (8, 0.97), (0, 0.90)),
        slip=((14, 0.0), (9, 0.0), (0, 1.0)),
        work=(
            ("configuration of the finance and procurement modules", "完成主板第二轮打样"),
            ("the first data-migration rehearsal", "完成整机跌落与散热测试"),
            ("integration tests with payroll", "完成基带与射频联调"),
            ("training of the finance key users", "完成影像算法调优"),
            ("fixes for the defects of the migration rehearsal", "解决结构件干涉问题"),
            ("preparation of the second migration rehearsal", "准备 EVT 阶段评审"),
        ),
        current="returned",
        late=frozenset({5, 8}),
        returned=frozenset({6}),
        optimistic=frozenset({2}),
        justification=(
            "The hardware delay is absorbed by re-sequencing the migration rehearsals; the go-live date holds if "
            "the CFO approves the weekend rehearsals.",
            "通过调整测试顺序吸收芯片延期；若加急空运预算获批，上市日期不变。",
        ),
        escalations=(
            EscalationSpec(
                ("Server hardware delivery slipped by six weeks", "主控芯片交期延长至 14 周"),
                (
                    "The appliance vendor moved the delivery; the test environment waits for it.",
                    "供应商产能不足，样机进度受影响。",
                ),
                opened=9,
                resolved=5,
                decision_from=("Sponsor", "分管副总"),
            ),
            EscalationSpec(
                ("Budget for weekend migration rehearsals", "加急空运费用预算"),
                (
                    "Two extra rehearsals at the vendor's weekend rates recover three weeks.",
                    "为追回进度需采用空运，超出预算约 12 万元。",
                ),
                opened=3,
                decision_from=("CFO", "财务总监"),
            ),
            EscalationSpec(
                ("Key users not released by the business", "测试实验室与其他项目共用，排期冲突"),
                (
                    "Finance key users are booked for the year-end close.",
                    "可靠性实验室被其他项目占用两周。",
                ),
                opened=2,
            ),
        ),
        concerns=(("quality", 7, 4, Rag.AMBER), ("resources", 2, 0, Rag.AMBER)),
        return_comment=(
            "The forecast finish does not reflect the slipped Develop milestone; please align it and resubmit.",
            "预测完成日期未反映开发阶段里程碑的延误，请调整后重新提交。",
        ),
    ),
    # Steady: on plan until a milestone slips four weeks back (amber), which the manager first reports as green.
    2: Story(
        spi=((14, 1.0), (7, 1.02), (0, 0.99)),
        cpi=((14, 0.99), (0, 0.97)),
        slip=((14, 0.0), (5, 0.0), (4, 1.0), (0, 1.0)),
        work=(
            ("order-tracking pages on the test site", "完成采购订单模块上线测试"),
            ("integration of the invoice archive", "打通仓储管理系统接口"),
            ("usability tests with ten customers", "完成物流轨迹可视化原型"),
            ("the support-ticket workflow", "与三家供应商完成数据对接"),
            ("load tests of the portal", "完成系统性能压测"),
            ("preparation of the pilot with key accounts", "准备重点供应商试点"),
        ),
        current="submitted",
        late=frozenset({7}),
        optimistic=frozenset({4}),
        justification=(
            "The 12-day slip of execution is covered by the float before go-live.",
            "执行阶段 12 天的延误可由上线前的浮动时间吸收。",
        ),
        escalations=(
            EscalationSpec(
                ("Payment provider contract not signed", "物流服务商合同未签署"),
                (
                    "Legal and the provider disagree on liability caps; integration cannot start without it.",
                    "法务与服务商在赔偿上限上存在分歧，未签约无法开始接口联调。",
                ),
                opened=6,
                resolved=3,
                decision_from=("Procurement director", "采购总监"),
            ),
        ),
        concerns=(("scope", 12, 11, Rag.AMBER),),
    ),
    # Recovering: short of developers and over cost until a resource change request added two contractors and
    # budget (re-baselined seven weeks back); back to green since.
    9: Story(
        spi=((14, 0.86), (7, 0.88), (0, 0.98)),
        cpi=((14, 0.87), (7, 0.89), (0, 0.92)),
        work=(
            ("the sandbox for the first partners", "发布合作伙伴沙箱环境"),
            ("the authentication service", "完成统一认证服务"),
            ("documentation of the order API", "完成订单接口文档"),
            ("onboarding of two contract developers", "两名外包开发人员到岗"),
            ("rate limiting on the gateway", "完成接口限流"),
            ("the partner beta", "开展合作伙伴公测"),
        ),
        current="missing",
        late=frozenset({10, 11}),
        returned=frozenset({3}),
        unreviewed=frozenset({1}),
        escalations=(
            EscalationSpec(
                ("Two senior developers left the team", "两名核心开发人员离职"),
                (
                    "The API gateway work has no owner; replacing them needs budget for contractors.",
                    "网关开发无人负责，补充人员需要外包预算。",
                ),
                opened=13,
                resolved=6,
                decision_from=("CIO", "技术副总"),
            ),
        ),
        concerns=(("resources", 14, 9, Rag.RED), ("resources", 8, 6, Rag.AMBER)),
    ),
    # On hold at its first gate: a few weeks, a budget question waiting for the CFO; this week's report is a draft.
    4: Story(
        spi=((14, 1.0), (0, 0.97)),
        cpi=((14, 1.0), (0, 0.99)),
        work=(
            ("the offline-sync requirements", "完成迁移范围盘点"),
            ("choice of the mobile framework", "确定私有云资源规格"),
            ("the gate 1 documents", "准备第一阶段评审材料"),
            ("answers to the gate 1 review questions", "答复第一阶段评审问题"),
        ),
        current="draft",
        escalations=(
            EscalationSpec(
                ("Budget for next year not confirmed", "明年云资源预算未确认"),
                (
                    "The project stays on hold until the field-service budget is confirmed.",
                    "预算确认前项目保持暂停。",
                ),
                opened=2,
                decision_from=("CFO", "财务总监"),
            ),
        ),
    ),
    # Closed: on plan, slightly over budget (the final cost of the closure report).
    5: Story(
        spi=((7, 0.97), (0, 1.0)),
        cpi=((7, 0.95), (0, 0.9375)),
        work=(
            ("the removal contract", "完成呼叫平台选型"),
            ("fit-out of floors 1 and 2", "完成工单系统配置"),
            ("move of the finance department", "完成坐席培训"),
            ("move of the sales department", "完成知识库迁移"),
            ("handover of the old building", "完成新旧系统切换"),
        ),
        late=frozenset({5}),
        escalations=(
            EscalationSpec(
                ("Landlord delayed the handover of floor 3", "呼叫平台供应商交付延迟"),
                ("Fit-out of floor 3 starts two weeks later.", "坐席培训推迟两周开始。"),
                opened=6,
                resolved=4,
            ),
        ),
    ),
    # Closed: finished a month late and over budget.
    6: Story(
        spi=((7, 0.95), (3, 0.96), (0, 1.0)),
        cpi=((7, 0.95), (0, 0.93)),
        slip=((7, 0.3), (0, 1.0)),
        slip_days=30,
        work=(
            ("installation of the sorting conveyors", "完成贴片机安装"),
            ("commissioning of the picking robots", "完成产线联调"),
            ("training of the shift leaders", "完成班组长培训"),
            ("acceptance tests", "完成验收测试"),
            ("handover to operations", "移交生产运营"),
        ),
        returned=frozenset({2}),
        escalations=(
            EscalationSpec(
                ("Vendor change windows only at weekends", "设备厂商只能在周末停线调试"),
                (
                    "Commissioning needs weekend shifts at overtime rates.",
                    "调试需安排周末加班，费用超出预算。",
                ),
                opened=6,
                resolved=3,
                decision_from=("COO", "生产副总"),
            ),
        ),
        return_comment=INVOICES,
    ),
}

CHANGES: list[ChangeSpec] = [
    ChangeSpec(
        2,
        1,
        ChangeRequest.Status.APPROVED,
        12,
        "scope",
        ("Invoice dispute workflow", "供应商协同门户"),
        (
            "Customers can dispute an invoice line in the portal; disputes reach accounts receivable as tickets.",
            "为供应商提供订单确认、发货通知与对账的协同门户。",
        ),
        (
            "A third of the support calls are invoice disputes; the pilot customers asked for it.",
            "三成对账差异来自线下沟通，试点供应商强烈要求。",
        ),
        90_000,
        scope_impact=("Adds one workflow and two screens.", "新增一个门户与三个协同流程。"),
        risk_impact=("Low: reuses the ticket engine.", "较低：复用现有工作流引擎。"),
        assessment=(
            "Within the current release; cost from the vendor's rate card. Recommend approval.",
            "可纳入当前版本；费用依据供应商报价。建议批准。",
        ),
        note=("Approved: it removes the largest cause of support calls.", "同意：可消除对账差异的主要来源。"),
    ),
    ChangeSpec(
        2,
        2,
        ChangeRequest.Status.REJECTED,
        8,
        "scope",
        ("Native mobile app for the portal", "供应链移动 App"),
        ("A native iOS and Android app with the portal's functions.", "开发 iOS 与安卓原生 App，覆盖门户全部功能。"),
        ("Some key accounts prefer an app to the responsive site.", "部分供应商希望使用 App 而非网页。"),
        380_000,
        finish_delta_days=60,
        scope_impact=("Doubles the front-end work.", "前端工作量翻倍。"),
        risk_impact=("High: a second code base to maintain.", "较高：需维护第二套代码。"),
        assessment=(
            "Large: over the executive threshold in cost and time. The responsive site covers the need.",
            "变更较大：费用与工期均超过审批阈值。响应式网页已能满足需求。",
        ),
        note=(
            "Rejected: the responsive portal is enough for this release; revisit after the pilot.",
            "不同意：本期以响应式网页为准，试点后再评估。",
        ),
    ),
    ChangeSpec(
        2,
        3,
        ChangeRequest.Status.SUBMITTED,
        1,
        "scope",
        ("Single sign-on for partner accounts", "供应商统一身份认证"),
        ("Partners log in with their own identity provider.", "供应商使用自有账号体系登录门户。"),
        ("Three large partners require it in their contracts.", "三家大型供应商在合同中提出此要求。"),
        40_000,
        scope_impact=("One integration with the identity service.", "新增一个与认证服务的集成。"),
    ),
    ChangeSpec(
        9,
        1,
        ChangeRequest.Status.APPROVED,
        7,
        "resource",
        ("Two contract developers for the API gateway", "补充两名外包开发人员"),
        (
            "Replace the two developers who left with contractors for six months; the plan moves three weeks.",
            "以外包人员替补离职的两名核心开发人员，为期六个月；计划顺延三周。",
        ),
        ("Without them the gateway has no owner and the beta cannot start.", "否则网关开发无人负责，公测无法启动。"),
        180_000,
        finish_delta_days=21,
        risk_impact=("Onboarding takes two weeks.", "人员熟悉需要两周。"),
        assessment=(
            "The cost is above the executive threshold; the three weeks are the realistic recovery.",
            "费用超过高管审批阈值；顺延三周是现实的追赶方案。",
        ),
        note=("Approved; report the onboarding in the weekly status.", "同意；请在周报中跟踪人员到岗情况。"),
    ),
    ChangeSpec(
        9,
        2,
        ChangeRequest.Status.WITHDRAWN,
        4,
        "scope",
        ("Move the developer portal to the new CMS", "开发者门户迁移至新内容平台"),
        ("Host the developer documentation on the corporate CMS.", "将开发者文档迁移到集团内容管理平台。"),
        ("One place for all published content.", "统一对外内容发布渠道。"),
        60_000,
        note=("Withdrawn: the CMS project will take it over next year.", "撤回：明年由内容平台项目统一实施。"),
    ),
    ChangeSpec(
        9,
        3,
        ChangeRequest.Status.ASSESSED,
        2,
        "scope",
        ("Partner tiers with usage-based billing", "合作伙伴分级与按量计费"),
        ("Three partner tiers with quotas and monthly usage invoices.", "设置三级合作伙伴配额，并按月出具用量账单。"),
        ("Sales needs it to sign the two largest partners.", "销售部门需以此签约两家最大的合作伙伴。"),
        200_000,
        finish_delta_days=35,
        scope_impact=("Billing becomes part of the platform.", "计费功能纳入平台范围。"),
        risk_impact=("Medium: the finance interface is new.", "中等：需新建财务接口。"),
        assessment=(
            "Over the executive threshold in cost and time; the business case holds. Recommend approval.",
            "费用与工期均超过审批阈值；商业论证成立。建议批准。",
        ),
    ),
    ChangeSpec(
        1,
        1,
        ChangeRequest.Status.DRAFT,
        1,
        "schedule",
        ("Two extra migration rehearsals", "样机加急空运"),
        (
            "Two weekend rehearsals to recover three weeks of the hardware delay.",
            "主控芯片改为空运，追回三周进度。",
        ),
        ("Keeps the go-live date.", "保证上市日期不变。"),
        120_000,
        finish_delta_days=-21,
    ),
]


def seed_demo(demo: Any) -> None:
    _MonitoringSeeder(demo).run()


def _interpolate(points: Points, back: int) -> float:
    ordered = sorted(points, reverse=True)  # from the oldest (most weeks back) to the newest
    if back >= ordered[0][0]:
        return ordered[0][1]
    for (back_a, value_a), (back_b, value_b) in itertools.pairwise(ordered):
        if back_b <= back <= back_a:
            if back_a == back_b:
                return value_b
            return value_a + (value_b - value_a) * (back_a - back) / (back_a - back_b)
    return ordered[-1][1]


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))


def _rank(rag: str) -> int:
    return RAG_RANK[Rag(rag)]


SUMMARIES: dict[str, Text] = {
    Rag.GREEN: ("Progress and spending are in line with the plan.", "进度与费用均符合计划。"),
    Rag.AMBER: ("Behind the plan in places; recovery actions are under way.", "部分工作落后于计划，纠偏措施正在执行。"),
    Rag.RED: ("Well behind the plan; a decision is needed to recover.", "严重落后于计划，需要决策以恢复进度。"),
}


@dataclass(frozen=True)
class _Week:
    number: int  # the project's demo number (its story)
    back: int  # weeks back (from the current week; a closed project: from its last report)
    monday: dt.date
    day: dt.date  # the status date: PV is computed as of it
    is_current: bool


@dataclass
class _Submission:
    at: dt.datetime
    content: dict[str, Any]
    figures: dict[str, Any]


@dataclass
class _Project:
    """One project with what the history needs: its baselines (oldest first) and milestone weights."""

    project: Project
    baselines: list[Baseline] = field(default_factory=list)
    weights: dict[int, int] = field(default_factory=dict)

    def baseline_at(self, moment: dt.datetime) -> Baseline | None:
        """The baseline in force at ``moment``: the latest approved by then, else the first."""
        approved = [b for b in self.baselines if b.approved_at <= moment]
        if approved:
            return approved[-1]
        return self.baselines[0] if self.baselines else None

    def curve_at(self, moment: dt.datetime) -> evm.PlanCurve:
        return evm.plan_curve_of(baseline=self.baseline_at(moment), project=self.project, weights=self.weights)

    def first_curve(self) -> evm.PlanCurve:
        first = self.baselines[0] if self.baselines else None
        return evm.plan_curve_of(baseline=first, project=self.project, weights=self.weights)


class _MonitoringSeeder:
    def __init__(self, demo: Any) -> None:
        self.org: Organization = demo.organization
        self.t = demo.text
        self.manager = demo.users[Role.MANAGER]
        self.pmo = demo.users[Role.PMO]
        self.executive = demo.users[Role.EXECUTIVE]
        self.prefix = "ACME" if self.org.slug == "acme" else "GX"
        self.policy = control_policy_get(organization=self.org)
        self.zone = organization_zone(self.org)
        self.now = timezone.now()
        self.current = current_week_start(organization=self.org, now=self.now)

    def run(self) -> None:
        numbers = sorted({*STORIES, *(spec.project for spec in CHANGES)})
        codes = {f"{self.prefix}-{number:03d}": number for number in numbers}
        projects = {
            codes[p.code]: p
            for p in Project.objects.filter(organization=self.org, code__in=codes).select_related("organization")
        }
        for spec in CHANGES:
            project = projects.get(spec.project)
            if project is not None and project.status in (Project.Status.ACTIVE, Project.Status.ON_HOLD):
                self.change_request(project, spec)
        self.status_history(
            {number: project for number, project in projects.items() if number in STORIES},
        )

    # --- time ------------------------------------------------------------------------------------------------------

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A moment of the organisation's local day, as UTC."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone).astimezone(dt.UTC)

    def past(self, moment: dt.datetime, minutes_before_now: int) -> dt.datetime:
        """``moment``, but never later than ``minutes_before_now`` before now (this week's events keep their order
        whatever the day the seeder runs)."""
        return min(moment, self.now - dt.timedelta(minutes=minutes_before_now))

    def week(self, back: int) -> dt.date:
        return self.current - dt.timedelta(weeks=back)

    # --- change requests -------------------------------------------------------------------------------------------

    def change_request(self, project: Project, spec: ChangeSpec) -> None:
        """One change request, taken through the change-control services at past times, so its approval steps and
        its re-baseline are exactly what the services decide (``approvals_required`` at assessment, the baseline
        on the last signature)."""
        if ChangeRequest.objects.filter(organization=self.org, project=project, number=spec.number).exists():
            return
        Status = ChangeRequest.Status
        monday = self.week(spec.raised)
        raised = self.past(self.local(monday + dt.timedelta(days=1), 10), 90)
        submitted = self.past(self.local(monday + dt.timedelta(days=1), 16, 30), 80)
        assessed = self.past(self.local(monday + dt.timedelta(days=3), 11), 70)
        signed = [
            self.past(self.local(monday + dt.timedelta(days=4), 10), 60),
            self.past(self.local(monday + dt.timedelta(days=8), 9, 30), 50),
        ]
        org, note = self.org, self.t(*spec.note)
        change = changes.change_request_create(
            organization=org,
            actor=self.manager,
            project=project,
            title=self.t(*spec.title),
            change_type=spec.change_type,
            description=self.t(*spec.description),
            justification=self.t(*spec.justification),
            cost_delta=Decimal(spec.cost_delta),
            finish_delta_days=spec.finish_delta_days,
            scope_impact=self.t(*spec.scope_impact),
            risk_impact=self.t(*spec.risk_impact),
            at=raised,
        )
        if spec.status == Status.DRAFT:
            return
        change = changes.change_request_submit(
            organization=org, actor=self.manager, change_request=change, at=submitted
        )
        if spec.status == Status.SUBMITTED:
            return
        if spec.status == Status.WITHDRAWN:
            changes.change_request_withdraw(
                organization=org, actor=self.manager, change_request=change, note=note, at=assessed
            )
            return
        change = changes.change_request_assess(
            organization=org, actor=self.pmo, change_request=change, assessment=self.t(*spec.assessment), at=assessed
        )
        steps = list(change.approvals_required)
        # An assessed request waits for its last step; a decided one has every step signed (the last one refusing,
        # for a rejection).
        for index, step in enumerate(steps[:-1] if spec.status == Status.ASSESSED else steps):
            signer = self.executive if step == ApproverRole.EXECUTIVE else self.pmo
            last = index == len(steps) - 1
            if spec.status == Status.REJECTED and last:
                change = changes.change_request_reject(
                    organization=org, actor=signer, change_request=change, note=note, at=signed[index]
                )
            else:
                change = changes.change_request_approve(
                    organization=org, actor=signer, change_request=change, note=note if last else "", at=signed[index]
                )

    # --- weekly status ---------------------------------------------------------------------------------------------

    def status_history(self, projects: dict[int, Project]) -> None:
        # Reload: approvals above moved BAC and planned finish.
        fresh = {
            p.pk: p for p in Project.objects.filter(organization=self.org, pk__in=[p.pk for p in projects.values()])
        }
        plans = {number: _Project(project=fresh[project.pk]) for number, project in projects.items()}
        by_pk = {plan.project.pk: plan for plan in plans.values()}
        for baseline in Baseline.objects.filter(organization=self.org, project__in=list(by_pk)).order_by("version"):
            by_pk[baseline.project_id].baselines.append(baseline)
        for project_id, pk, weight in Milestone.objects.filter(
            organization=self.org, project__in=list(by_pk)
        ).values_list("project_id", "pk", "weight"):
            by_pk[project_id].weights[pk] = weight
        existing: dict[int, dict[dt.date, StatusReport]] = {pk: {} for pk in by_pk}
        for report in StatusReport.objects.filter(organization=self.org, project__in=list(by_pk)):
            existing[report.project_id][report.week_start] = report
        finishes = dict(
            ClosureReport.objects.filter(
                organization=self.org, project__in=list(by_pk), status=ClosureReport.Status.APPROVED
            ).values_list("project_id", "actual_finish")
        )
        reports: list[StatusReport] = []
        revisions: list[tuple[StatusReport, list[_Submission]]] = []
        for number, plan in plans.items():
            project = plan.project
            if project.status in (Project.Status.ACTIVE, Project.Status.ON_HOLD):
                weeks = [(back, self.week(back)) for back in range(HISTORY_WEEKS, -1, -1)]
                slip_scale = evm.project_max_slip_days(organization=self.org, project=project)
            elif project.status == Project.Status.CLOSED:
                finish = finishes.get(project.pk) or project.planned_finish
                if finish is None:
                    continue
                last = week_start_of(finish)
                if status_date(policy=self.policy, week_start=last) > finish:
                    last -= dt.timedelta(weeks=1)
                weeks = [(back, last - dt.timedelta(weeks=back)) for back in range(CLOSED_HISTORY_WEEKS - 1, -1, -1)]
                slip_scale = STORIES[number].slip_days
            else:
                continue
            self.project_history(number, plan, weeks, slip_scale, existing[project.pk], reports, revisions)
        StatusReport.objects.bulk_create(reports)
        StatusRevision.objects.bulk_create(
            [
                StatusRevision(
                    organization=self.org,
                    report=report,
                    project_id=report.project_id,
                    number=number,
                    submitted_by=self.manager,
                    submitted_at=submission.at,
                    **submission.content,
                    **submission.figures,
                )
                for report, submissions in revisions
                for number, submission in enumerate(submissions, start=1)
            ]
        )

    def project_history(
        self,
        number: int,
        plan: _Project,
        weeks: Sequence[tuple[int, dt.date]],
        slip_scale: int,
        existing: dict[dt.date, StatusReport],
        reports: list[StatusReport],
        revisions: list[tuple[StatusReport, list[_Submission]]],
    ) -> None:
        """The weeks of one project not reported yet: percent complete follows the first baseline's plan with the
        story's schedule performance, actual cost follows it with the story's cost performance (neither goes
        down), the largest milestone slip its share of ``slip_scale``."""
        story = STORIES[number]
        project = plan.project
        first = plan.first_curve()
        done, spent = Decimal(0), Decimal(0)
        for back, monday in weeks:
            day = status_date(policy=self.policy, week_start=monday)
            if project.planned_start and day < project.planned_start:
                continue
            if monday in existing:
                done, spent = existing[monday].percent_complete, existing[monday].actual_cost
                continue
            is_current = monday == self.current
            if is_current and story.current == "missing":
                continue
            wobble = ((number * 7 + back * 5) % 5 - 2) * 0.005
            planned = evm.planned_fraction(start=first.start, finish=first.finish, milestones=first.milestones, on=day)
            spi = _decimal(_interpolate(story.spi, back) + wobble)
            cpi = _decimal(_interpolate(story.cpi, back) - wobble / 2)
            percent = min(HUNDRED, max(done, ((planned or Decimal(0)) * HUNDRED * spi).quantize(CENT)))
            cost = max(spent, (percent / HUNDRED * first.bac / cpi).quantize(CENT, rounding=ROUND_HALF_UP))
            slip = round(_interpolate(story.slip, back) * slip_scale)
            report, submissions = self.week_report(
                _Week(number=number, back=back, monday=monday, day=day, is_current=is_current),
                plan,
                percent,
                cost,
                slip,
            )
            done, spent = report.percent_complete, report.actual_cost
            reports.append(report)
            if submissions:
                revisions.append((report, submissions))

    def submission(
        self, week: _Week, plan: _Project, moment: dt.datetime, percent: Decimal, cost: Decimal, slip: int
    ) -> _Submission:
        content, figures = self.content(week, plan, moment, percent, cost, slip)
        return _Submission(at=moment, content=content, figures=figures)

    def escalations(self, story: Story, back: int) -> list[dict[str, Any]]:
        """The escalations reported in week ``back``: open ones, and the ones resolved that week."""
        return [
            {
                "title": self.t(*spec.title),
                "detail": self.t(*spec.detail),
                "decision_needed": spec.decision_from is not None,
                "decision_from": self.t(*spec.decision_from) if spec.decision_from else "",
                "resolved": back == spec.resolved,
            }
            for spec in story.escalations
            if back <= spec.opened and (spec.resolved is None or back >= spec.resolved)
        ]

    def content(
        self, week: _Week, plan: _Project, moment: dt.datetime, percent: Decimal, cost: Decimal, slip: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the manager reports for ``week`` and the figures a submission at ``moment`` stores: earned value
        against the baseline in force then, the suggestion from it; the dimensions follow the suggestion's factors
        (schedule: SPI and slip, cost: CPI, risk: escalations) and the story's concerns; the overall RAG is the
        worst dimension, except where the story has the manager report better than suggested, with a reason."""
        story = STORIES[week.number]
        curve = plan.curve_at(moment)
        escalations = self.escalations(story, week.back)
        figures, suggestion, rags = reported_figures(
            policy=self.policy,
            curve=curve,
            day=week.day,
            percent=percent,
            cost=cost,
            slip=slip,
            escalations=escalations,
        )
        for dimension, since, until, rag in story.concerns:
            if until <= week.back <= since:
                rags[f"rag_{dimension}"] = evm.worst_rag([rags[f"rag_{dimension}"], rag])
        overall = evm.worst_rag(rags.values())
        justification = ""
        if week.back in story.optimistic and _rank(suggestion.rag) > 0:
            overall = RAGS[_rank(suggestion.rag) - 1]
            justification = self.t(*story.justification)
        done_text = self.t(*story.work[week.back % len(story.work)])
        next_text = self.t(*story.work[(week.back - 1) % len(story.work)])
        finish = curve.finish
        content = {
            "rag_overall": str(overall),
            **{name: str(value) for name, value in rags.items()},
            "rag_justification": justification,
            "percent_complete": percent,
            "actual_cost": cost,
            "forecast_finish": finish + dt.timedelta(days=slip) if finish else None,
            "summary": self.t(*SUMMARIES[Rag(overall)]),
            "accomplishments": self.t(f"Completed: {done_text}.", f"本周{done_text}。"),
            "next_steps": self.t(f"Next week: {next_text}.", f"下周计划：{next_text}。"),
            "escalations": escalations,
        }
        stored = {**figures.as_fields(), "suggested_rag": suggestion.rag, "suggested_reasons": suggestion.reasons}
        return content, stored

    def return_comment(self, story: Story) -> str:
        return self.t(*(story.return_comment if story.return_comment[0] else INVOICES))

    def week_report(
        self, week: _Week, plan: _Project, percent: Decimal, cost: Decimal, slip: int
    ) -> tuple[StatusReport, list[_Submission]]:
        """One week's report with its submissions, their times and the PMO's review. A past week was created on
        Thursday, submitted on Friday afternoon (a late one on Monday morning) and accepted on Monday; a returned
        one was corrected on Monday and accepted on Tuesday. The current week is as the story says."""
        State = StatusReport.State
        story = STORIES[week.number]
        monday = week.monday
        submissions: list[_Submission] = []
        reviewed: tuple[dt.datetime, str] | None = None
        returns = 0
        if week.is_current:
            created = self.past(self.local(monday, 9, 15), 240)
            state = {"returned": State.RETURNED, "draft": State.DRAFT}.get(story.current, State.SUBMITTED)
            if state != State.DRAFT:
                at = self.past(self.local(monday + dt.timedelta(days=3), 16, 40), 180)
                submissions.append(self.submission(week, plan, at, percent, cost, slip))
            if state == State.RETURNED:
                returns = 1
                reviewed = (self.past(self.local(monday + dt.timedelta(days=4), 10), 120), self.return_comment(story))
        else:
            created = self.past(self.local(monday + dt.timedelta(days=3), 9, 30), 50)
            late = week.back in story.late
            vary = (week.number * 17 + week.back * 11) % 150
            first_at = self.past(
                self.local(monday + dt.timedelta(days=7), 9, 10 + vary % 40)
                if late
                else self.local(monday + dt.timedelta(days=4), 15) + dt.timedelta(minutes=vary),
                40,
            )
            if week.back in story.returned:
                # The PMO returned the first submission: its cost lacked invoices; the corrected one was accepted.
                short = (cost * Decimal("0.95")).quantize(CENT)
                submissions.append(self.submission(week, plan, first_at, percent, short, slip))
                again = self.past(self.local(monday + dt.timedelta(days=7), 15), 20)
                submissions.append(self.submission(week, plan, again, percent, cost, slip))
                returns = 1
                comment = self.return_comment(story)
                note = self.t(
                    f"Accepted after the correction (returned: {comment})",
                    f"已按意见修改，同意。（退回原因：{comment}）",
                )
                reviewed = (self.past(self.local(monday + dt.timedelta(days=8), 10), 10), note)
                state = State.ACCEPTED
            else:
                submissions.append(self.submission(week, plan, first_at, percent, cost, slip))
                if week.back in story.unreviewed:
                    state = State.SUBMITTED
                else:
                    state = State.ACCEPTED
                    reviewed = (self.past(self.local(monday + dt.timedelta(days=7), 14 if late else 11), 10), "")
        if submissions:
            content, figures = submissions[-1].content, submissions[-1].figures
        else:  # a draft: what the manager has typed so far; figures come with the submission
            content, figures = self.content(week, plan, self.now, percent, cost, slip)[0], {}
        # start, each submission, each return, the acceptance; a draft was saved once after its start
        version = 1 + len(submissions) + returns + (state == State.ACCEPTED) + (state == State.DRAFT)
        moments = [created, *(s.at for s in submissions), *([reviewed[0]] if reviewed else [])]
        report = StatusReport(
            organization=self.org,
            project=plan.project,
            week_start=monday,
            state=state,
            revision=len(submissions),
            due_at=status_due_at(organization=self.org, policy=self.policy, week_start=monday),
            first_submitted_at=submissions[0].at if submissions else None,
            submitted_at=submissions[-1].at if submissions else None,
            submitted_by=self.manager if submissions else None,
            reviewed_at=reviewed[0] if reviewed else None,
            reviewed_by=self.pmo if reviewed else None,
            review_comment=reviewed[1] if reviewed else "",
            created_by=self.manager,
            created_at=created,
            updated_at=max(moments),
            version=version,
            **content,
            **figures,
        )
        return report, submissions


def reported_figures(
    *,
    policy: Any,
    curve: Any,
    day: dt.date,
    percent: Decimal,
    cost: Decimal,
    slip: int,
    escalations: list[dict[str, Any]],
) -> tuple[Any, Any, dict[str, str]]:
    """What a simulated submission on ``day`` stores (the demo's and ``seed_scale``'s): earned value against the
    baseline ``curve`` in force (``bac``, ``pv(day)``, ``baseline_version``), the RAG suggested from it, and the
    dimensions that follow the suggestion's factors (schedule: SPI and slip, cost: CPI, risk: escalations; the other
    dimensions green, for the caller to adjust)."""
    figures = evm.evm_compute(
        bac=curve.bac,
        pv=curve.pv(day),
        percent_complete=percent,
        actual_cost=cost,
        baseline_version=curve.baseline_version,
    )
    suggestion = evm.suggest_rag(
        policy=policy,
        spi=figures.spi,
        cpi=figures.cpi,
        max_slip_days=slip,
        open_escalations=evm.open_escalation_count(escalations),
    )
    factor = {reason["factor"]: reason["rag"] for reason in suggestion.reasons}
    rags = {
        "rag_schedule": evm.worst_rag([factor.get("spi", Rag.GREEN), factor["slip"]]),
        "rag_cost": factor.get("cpi", Rag.GREEN),
        "rag_scope": Rag.GREEN.value,
        "rag_quality": Rag.GREEN.value,
        "rag_resources": Rag.GREEN.value,
        "rag_risk": factor["escalations"],
    }
    return figures, suggestion, rags
