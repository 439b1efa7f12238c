"""Demo content of the portfolio app: portfolios, programmes, strategic objectives, project requests in every state
of the intake workflow (moved through the real services, so approval creates real projects) and two saved
what-if scenarios. Idempotent: each part is skipped when it exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pmo.tenancy.roles import Role
from portfolio import services
from portfolio.models import Portfolio, Programme, ProjectRequest, Scenario, ScoringCriterion, StrategicObjective
from portfolio.selectors import builtin_template

Status = ProjectRequest.Status
DECISIONS: dict[str, str] = {Status.APPROVED: "approve", Status.REJECTED: "reject", Status.DEFERRED: "defer"}


@dataclass(frozen=True)
class DemoRequest:
    title: tuple[str, str]
    case: tuple[str, str]
    objectives: tuple[str, str]
    sponsor: str
    portfolio: str
    objective_codes: tuple[str, ...]
    cost: int
    benefit: int
    hours: int
    start_in_days: int
    months: int
    final: str  # the status the demo leaves it in
    scores: tuple[int, ...] = ()  # strategic alignment, business value, urgency, risk, cost, feasibility
    reason: tuple[str, str] = ("", "")
    template: str = "standard"


REQUESTS = [
    DemoRequest(
        ("Customer self-service chatbot", "客户自助服务智能客服"),
        (
            "Half of the calls to the service centre ask for order status or invoices. A chatbot on the portal "
            "and in the app answers them at any hour and frees agents for complex cases.",
            "客服中心一半的来电是查询订单状态或发票。在门户和 App 中上线智能客服，"
            "全天候解答常见问题，让坐席专注于复杂问题。",
        ),
        ("Answer 40% of routine questions without an agent.", "40% 的常规咨询无需人工坐席即可解决。"),
        Role.MANAGER,
        "digital",
        ("OBJ-1", "OBJ-2"),
        350_000,
        600_000,
        1_800,
        45,
        6,
        Status.DRAFT,
    ),
    DemoRequest(
        ("Warehouse robotics pilot", "智能仓储机器人试点"),
        (
            "Autonomous mobile robots in the central warehouse, to pick faster with fewer errors before the peak "
            "season. A pilot on two aisles proves the business case before a roll-out.",
            "在中心仓库引入自主移动机器人，旺季前提升拣货效率、降低差错。先在两个巷道试点，验证商业论证后再推广。",
        ),
        ("Picking 30% faster in the pilot aisles.", "试点巷道拣货效率提升 30%。"),
        Role.EXECUTIVE,
        "operations",
        ("OBJ-2",),
        1_800_000,
        3_200_000,
        6_000,
        60,
        9,
        Status.SUBMITTED,
    ),
    DemoRequest(
        ("E-invoicing compliance", "电子发票合规改造"),
        (
            "The tax authority requires structured electronic invoices from next year. Without them invoices are "
            "rejected and payments delayed.",
            "税务机关要求自明年起开具结构化电子发票，否则发票将被拒收、回款延迟。",
        ),
        ("Every invoice issued electronically before the legal deadline.", "在法定期限前实现全部发票电子化。"),
        Role.MANAGER,
        "operations",
        ("OBJ-2",),
        600_000,
        400_000,
        2_400,
        20,
        5,
        Status.IN_REVIEW,
        (4, 3, 5, 2, 2, 4),
    ),
    DemoRequest(
        ("Predictive maintenance platform", "预测性维护平台"),
        (
            "Sensor data from the production lines predicts failures days ahead, so maintenance is planned instead "
            "of urgent.",
            "利用产线传感器数据提前数天预测故障，变被动抢修为计划性维护。",
        ),
        ("Unplanned downtime halved.", "非计划停机时间减半。"),
        Role.EXECUTIVE,
        "operations",
        ("OBJ-2", "OBJ-3"),
        2_400_000,
        3_000_000,
        9_000,
        90,
        12,
        Status.IN_REVIEW,
        (3, 4, 2, 4, 4, 3),
    ),
    DemoRequest(
        ("Next-generation handheld terminal", "新一代手持终端研发"),
        (
            "A rugged handheld terminal for logistics customers, replacing the model that reaches end of life next "
            "year. Developed through the IPD lifecycle with technical reviews and decision checkpoints.",
            "面向物流客户的三防手持终端，替代明年停产的旧型号。按 IPD 流程开发，设置技术评审与决策评审点。",
        ),
        ("Launch in 14 months; 20% margin.", "14 个月内上市，毛利率 20%。"),
        Role.EXECUTIVE,
        "product",
        ("OBJ-1", "OBJ-3"),
        3_500_000,
        8_000_000,
        14_000,
        30,
        14,
        Status.APPROVED,
        (5, 5, 4, 3, 4, 4),
        (
            "Strong fit with the product strategy; funded from the product budget.",
            "与产品战略高度契合，由产品预算支持。",
        ),
        "ipd",
    ),
    DemoRequest(
        ("HR self-service portal", "人力资源自助门户"),
        (
            "Employees request leave, update their data and download payslips themselves; HR stops retyping forms.",
            "员工自助请假、更新个人信息、下载工资单，人力资源部门不再手工录入表单。",
        ),
        ("Paper forms retired; HR handling time down by a third.", "取消纸质表单，人事处理时间减少三分之一。"),
        Role.MANAGER,
        "digital",
        ("OBJ-2",),
        450_000,
        700_000,
        2_000,
        15,
        6,
        Status.APPROVED,
        (3, 4, 3, 2, 2, 5),
        ("Low risk, quick payback; start next month.", "风险低、回收期短，下月启动。"),
    ),
    DemoRequest(
        ("Legacy CRM rewrite", "旧版 CRM 重写"),
        (
            "Rewrite the in-house CRM from scratch in a modern stack.",
            "用新技术栈从头重写自研 CRM 系统。",
        ),
        ("A maintainable CRM.", "一个易于维护的 CRM。"),
        Role.MANAGER,
        "digital",
        ("OBJ-1",),
        2_800_000,
        900_000,
        12_000,
        30,
        18,
        Status.REJECTED,
        (2, 2, 2, 5, 5, 2),
        (
            "The business case does not cover the cost; evaluate a SaaS CRM instead.",
            "商业论证无法覆盖成本，建议评估 SaaS 方案。",
        ),
    ),
    DemoRequest(
        ("Virtual showroom", "虚拟展厅"),
        (
            "An immersive 3D showroom where customers explore the product range online.",
            "打造沉浸式 3D 线上展厅，客户可在线浏览全系列产品。",
        ),
        ("More qualified leads from the website.", "提升官网的有效销售线索。"),
        Role.EXECUTIVE,
        "product",
        ("OBJ-1",),
        1_200_000,
        1_500_000,
        4_000,
        120,
        8,
        Status.DEFERRED,
        (3, 3, 1, 3, 3, 3),
        (
            "Good idea, not urgent: revisit at the next planning round when the web platform is renewed.",
            "想法不错但不紧迫：待官网平台更新后在下一轮规划中再议。",
        ),
    ),
    DemoRequest(
        ("On-premise e-mail upgrade", "本地邮件系统升级"),
        (
            "Upgrade the on-premise mail servers to the current version.",
            "将本地邮件服务器升级到最新版本。",
        ),
        ("Supported mail servers.", "邮件服务器获得厂商支持。"),
        Role.MANAGER,
        "operations",
        (),
        200_000,
        0,
        600,
        30,
        3,
        Status.WITHDRAWN,
        reason=("Covered by the move to cloud e-mail already under way.", "已由正在进行的云邮箱迁移覆盖。"),
    ),
]

SCENARIOS = [
    (
        ("Budget 8M with running projects", "预算 800 万（含在建项目）"),
        Decimal(8_000_000),
        None,
        True,
    ),
    (
        ("Budget 4M, 12,000 hours, new requests only", "预算 400 万、12000 工时（仅新申请）"),
        Decimal(4_000_000),
        12_000,
        False,
    ),
]


def seed_demo(demo: Any) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    portfolios = {}
    for key, name, description in [
        (
            "digital",
            t("Digital Transformation", "数字化转型"),
            t("Systems customers and staff use every day.", "客户与员工每天使用的系统。"),
        ),
        ("product", t("Product Development", "产品研发"), t("New products for the market.", "面向市场的新产品。")),
        (
            "operations",
            t("Operational Excellence", "运营提升"),
            t("Cheaper and safer to run.", "更低成本、更安全地运营。"),
        ),
    ]:
        portfolios[key], _ = Portfolio.objects.get_or_create(
            organization=org, name=name, defaults={"description": description, "owner": users[Role.EXECUTIVE]}
        )
    for name, portfolio_key in [
        (t("Customer Experience Programme", "客户体验项目集"), "digital"),
        (t("Next-Generation Devices Programme", "新一代终端项目集"), "product"),
    ]:
        Programme.objects.get_or_create(
            organization=org,
            name=name,
            defaults={"portfolio": portfolios[portfolio_key], "manager": users[Role.PMO]},
        )
    for code, name, weight in [
        ("OBJ-1", t("Grow revenue from digital channels", "提升数字渠道收入"), 40),
        ("OBJ-2", t("Reduce operating cost by 10%", "运营成本降低 10%"), 30),
        ("OBJ-3", t("Launch two new product lines", "推出两条新产品线"), 30),
    ]:
        StrategicObjective.objects.get_or_create(organization=org, code=code, defaults={"name": name, "weight": weight})

    if not ProjectRequest.objects.filter(organization=org).exists():
        _seed_requests(demo, portfolios)
    for names, budget, hours, with_projects in SCENARIOS:
        name = t(*names)
        if not Scenario.objects.filter(organization=org, name=name).exists():
            services.scenario_create(
                organization=org,
                actor=users[Role.PMO],
                name=name,
                budget_cap=budget,
                capacity_cap_hours=hours,
                include_active_projects=with_projects,
            )


def _seed_requests(demo: Any, portfolios: dict[str, Portfolio]) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    objectives = {o.code: o.pk for o in StrategicObjective.objects.filter(organization=org)}
    criteria = list(ScoringCriterion.objects.filter(organization=org, active=True).order_by("order"))
    programmes = {p.portfolio_id: p for p in Programme.objects.filter(organization=org)}
    pmo, executive = users[Role.PMO], users[Role.EXECUTIVE]
    today = timezone.localdate()
    for spec in REQUESTS:
        sponsor = users[spec.sponsor]
        start = today + dt.timedelta(days=spec.start_in_days)
        portfolio = portfolios[spec.portfolio]
        request = services.request_create(
            organization=org,
            actor=sponsor,
            title=t(*spec.title),
            business_case=t(*spec.case),
            objectives_text=t(*spec.objectives),
            portfolio=portfolio,
            programme=programmes.get(portfolio.pk) if spec.final == Status.APPROVED else None,
            template=builtin_template(organization=org, kind=spec.template),
            proposed_manager=users[Role.MANAGER],
            estimated_cost=Decimal(spec.cost),
            estimated_benefit=Decimal(spec.benefit),
            estimated_effort_hours=spec.hours,
            planned_start=start,
            planned_finish=start + dt.timedelta(days=30 * spec.months),
            objective_ids=[objectives[code] for code in spec.objective_codes if code in objectives],
        )
        if spec.final == Status.DRAFT:
            continue
        if spec.final == Status.WITHDRAWN:
            services.request_submit(organization=org, actor=sponsor, request=request)
            services.request_withdraw(organization=org, actor=sponsor, request=request, reason=t(*spec.reason))
            continue
        services.request_submit(organization=org, actor=sponsor, request=request)
        if spec.scores and criteria:
            services.request_score(
                organization=org,
                actor=pmo,
                request=request,
                values={c.pk: spec.scores[i % len(spec.scores)] for i, c in enumerate(criteria)},
                feasibility_note=t(
                    "Reviewed with the architecture board and finance; the estimates are plausible.",
                    "已与架构委员会和财务部门共同评审，估算合理。",
                ),
            )
        decision = DECISIONS.get(spec.final)
        if decision:
            services.request_decide(
                organization=org, actor=executive, request=request, decision=decision, reason=t(*spec.reason)
            )
