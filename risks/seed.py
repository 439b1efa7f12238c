"""Demo content of the risk register (RAID): the organisation's default risk settings; 100+ risks across the demo
projects (more on the active ones) and a few portfolio-level ones, spread over the probability × impact grid, with
owners, strategies, response plans and one to three actions each (some overdue, some done); some stale (not reviewed
within the review period), some escalated to the PMO and a few to the executives, some closed, a few occurred and
linked to the issue they became; an issue log of 15+ issues; assumptions on the active projects.

Written with the models (``bulk_create``), keeping the invariants the services keep: risks and issues are numbered
per organisation without gaps (R-001 …, I-001 …, continuing after the highest number); probability and impact lie on
the organisation's scale; an escalated risk or issue has its level, time, escalating user and note; a closed risk
was reviewed when it was closed; an occurred risk is linked to its issue.

Runs after the projects seeders. Idempotent: risks and issues are found by (project or portfolio, title), assumptions
by (project, title); what exists is skipped (a risk's actions come with it), so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.models import Project
from projects.services import organization_today
from risks.models import Assumption, EscalationLevel, Issue, Risk, RiskAction, RiskSettings

Text = tuple[str, str]
C = Risk.Category
S = Risk.Strategy


@dataclass(frozen=True)
class RiskSpec:
    category: str
    strategy: str
    title: Text
    cause: Text
    event: Text
    effect: Text
    response: Text
    actions: tuple[Text, ...]
    contingency: Text = ("", "")


RISKS = [
    RiskSpec(C.TECHNICAL, S.MITIGATE, ("Integration with the legacy system fails", "与遗留系统集成失败"),
             ("Interfaces of the legacy system are undocumented.", "遗留系统接口缺乏文档。"),
             ("The integration tests fail late in the project.", "集成测试在项目后期失败。"),
             ("Go-live slips by four to six weeks.", "上线推迟四到六周。"),
             ("Build interface stubs early and test against a copy of production.", "尽早搭建接口桩并用生产副本测试。"),
             (("Document the legacy interfaces", "梳理遗留系统接口文档"),
              ("Run an early integration spike", "开展早期集成验证"))),
    RiskSpec(C.TECHNICAL, S.MITIGATE, ("Performance below the agreed response times", "性能达不到约定的响应时间"),
             ("Data volumes are ten times those of the pilot.", "数据量是试点的十倍。"),
             ("Response times exceed three seconds under load.", "负载下响应时间超过三秒。"),
             ("Users reject the system at acceptance.", "用户在验收时拒绝接受。"),
             ("Load-test every release from the second sprint on.", "从第二个迭代起每个版本都做压测。"),
             (("Set up a load-test environment", "搭建压测环境"),
              ("Agree performance targets with users", "与用户确认性能指标")),
             ("Scale out the database and cache the reports.", "数据库扩容并缓存报表。")),
    RiskSpec(C.TECHNICAL, S.AVOID, ("Chosen framework reaches end of support", "所选框架停止维护"),
             ("The vendor announced the end of support for the current version.", "厂商宣布当前版本停止支持。"),
             ("Security patches stop during the project.", "项目期间不再有安全补丁。"),
             ("A forced upgrade after go-live.", "上线后被迫升级。"),
             ("Move to the supported major version before development starts.", "开发前升级到受支持的大版本。"),
             (("Assess the upgrade effort", "评估升级工作量"),)),
    RiskSpec(C.SCHEDULE, S.MITIGATE, ("Key supplier delivers late", "关键供应商延期交付"),
             ("The supplier's capacity is booked by a larger customer.", "供应商产能被大客户占用。"),
             ("Components arrive after the integration start.", "部件在集成开始后才到货。"),
             ("The critical path slips by the delay.", "关键路径随之延误。"),
             ("Weekly delivery calls and a second source qualified.", "每周跟踪交付并认证第二供应商。"),
             (("Qualify a second supplier", "认证第二供应商"), ("Agree penalty clauses", "谈定延期罚则"),
              ("Track deliveries weekly", "每周跟踪交付")),
             ("Re-sequence the integration around the missing parts.", "调整集成顺序绕开缺件。")),
    RiskSpec(C.SCHEDULE, S.ACCEPT, ("Public holidays compress the test window", "节假日压缩测试窗口"),
             ("National Day and New Year fall in the test phase.", "国庆与元旦落在测试阶段。"),
             ("Fewer test days than planned.", "测试天数少于计划。"),
             ("Lower test coverage at release.", "发布时测试覆盖率降低。"),
             ("Plan the tests around the holidays; prioritise by risk.", "围绕假期安排测试，按风险排序。"),
             (("Re-plan the test calendar", "重排测试日历"),)),
    RiskSpec(C.SCHEDULE, S.MITIGATE, ("Approvals take longer than planned", "审批周期超出计划"),
             ("Each gate needs three signatures.", "每个关口需要三人签字。"),
             ("Decisions wait two weeks for a sign-off.", "决策等待签字两周。"),
             ("Idle teams and a later finish.", "团队空等，完工推迟。"),
             ("Book the decision meetings a quarter ahead.", "提前一个季度预约决策会议。"),
             (("Publish the gate calendar", "发布关口评审日历"),
              ("Agree delegates for absences", "明确缺席时的授权人"))),
    RiskSpec(C.COST, S.MITIGATE, ("Exchange rate raises imported costs", "汇率变动推高进口成本"),
             ("Hardware is priced in US dollars.", "硬件以美元计价。"),
             ("The currency weakens by more than 5 %.", "本币贬值超过 5%。"),
             ("The hardware budget is overrun.", "硬件预算超支。"),
             ("Fix the price in the purchase order; hedge with finance.", "在订单中锁定价格，与财务协商套保。"),
             (("Ask finance for a hedge", "请财务评估套期保值"),)),
    RiskSpec(C.COST, S.MITIGATE, ("Contractor rates rise at renewal", "外包人员费率续约上涨"),
             ("The framework contract expires mid-project.", "框架合同在项目中期到期。"),
             ("Rates go up by 10–15 % at renewal.", "续约费率上涨 10–15%。"),
             ("Labour cost exceeds the budget.", "人工成本超出预算。"),
             ("Renew early for the project's whole duration.", "提前按项目全周期续约。"),
             (("Start the renewal with procurement", "与采购启动续约"),
              ("Compare two other vendors", "比价另外两家供应商"))),
    RiskSpec(C.COST, S.ACCEPT, ("Licence count underestimated", "许可证数量估算不足"),
             ("User numbers were estimated before the rollout plan.", "用户数在推广计划前估算。"),
             ("More licences are needed at rollout.", "推广时需要更多许可证。"),
             ("An unplanned licence purchase.", "计划外采购许可证。"),
             ("Keep a contingency reserve for licences.", "为许可证预留应急储备。"),
             (("Recount users per site", "按站点重新统计用户数"),)),
    RiskSpec(C.RESOURCE, S.MITIGATE, ("Key architect leaves the project", "核心架构师离开项目"),
             ("The architect is also wanted by two other projects.", "另有两个项目争用该架构师。"),
             ("The architect is reassigned or resigns.", "架构师被调走或离职。"),
             ("Design decisions stall; knowledge is lost.", "设计决策停滞，知识流失。"),
             ("Pair a second architect and document the decisions.", "配备第二架构师并记录设计决策。"),
             (("Name a deputy architect", "指定副架构师"),
              ("Write the architecture decision records", "编写架构决策记录"))),
    RiskSpec(C.RESOURCE, S.ESCALATE, ("Test team over-allocated in the release crunch", "版本冲刺期测试团队超负荷"),
             ("Two releases share the same testers in December.", "两个版本在十二月共用测试人员。"),
             ("Testers are booked above their capacity.", "测试人员排期超出产能。"),
             ("Tests are cut short; defects escape to production.", "测试被压缩，缺陷流入生产。"),
             ("Ask the PMO to re-prioritise the releases.", "请项目管理办公室重新排定版本优先级。"),
             (("Review the QA allocations with the PMO", "与项目管理办公室复核测试排期"),
              ("Hire two contract testers", "招聘两名外包测试"))),
    RiskSpec(C.RESOURCE, S.MITIGATE, ("Business key users not available", "业务关键用户无法投入"),
             ("Key users have their day jobs and the year-end close.", "关键用户有日常工作和年终结账。"),
             ("Key users miss workshops and acceptance tests.", "关键用户缺席研讨会和验收测试。"),
             ("Requirements are wrong; acceptance is late.", "需求偏差，验收推迟。"),
             ("Agree release time with their managers in writing.", "与其上级书面约定投入时间。"),
             (("Sign the key-user agreement", "签署关键用户投入协议"),)),
    RiskSpec(C.SCOPE, S.AVOID, ("Scope creep from new regulatory requests", "新监管要求导致范围蔓延"),
             ("Business units add requests outside change control.", "业务部门绕过变更控制提出需求。"),
             ("The backlog grows by a fifth.", "待办事项增长五分之一。"),
             ("Budget and dates no longer hold.", "预算和日期无法保证。"),
             ("Every request goes through a change request.", "所有需求走变更申请。"),
             (("Brief the sponsors on change control", "向发起人宣贯变更控制"),
              ("Freeze the scope of release 1", "冻结第一版范围"))),
    RiskSpec(C.SCOPE, S.MITIGATE, ("Requirements unclear for the reporting module", "报表模块需求不清"),
             ("No owner for the management reports.", "管理报表无明确负责人。"),
             ("Reports are built twice.", "报表被返工。"),
             ("Two to three weeks of rework.", "返工二到三周。"),
             ("Prototype the reports and get sign-off before building.", "先做原型并签字确认再开发。"),
             (("Name the report owner", "确定报表负责人"), ("Run a prototype review", "组织原型评审"))),
    RiskSpec(C.QUALITY, S.MITIGATE, ("Data migration quality too low", "数据迁移质量不达标"),
             ("Source data has duplicates and gaps.", "源数据存在重复和缺失。"),
             ("The migration rehearsal fails the reconciliation.", "迁移演练对账不通过。"),
             ("Go-live is postponed or runs on wrong data.", "上线推迟或带错数据运行。"),
             ("Cleanse the data in the source before migrating.", "迁移前在源系统清洗数据。"),
             (("Profile the source data", "完成源数据质量分析"), ("Run a second rehearsal", "进行第二次迁移演练"),
              ("Agree reconciliation rules", "确定对账规则"))),
    RiskSpec(C.QUALITY, S.MITIGATE, ("Defect backlog grows before release", "发布前缺陷积压增长"),
             ("New features are merged late.", "新功能合入过晚。"),
             ("More than 50 open defects at the release gate.", "发布关口遗留缺陷超过 50 个。"),
             ("The release is blocked at the quality gate.", "版本在质量关口被阻断。"),
             ("Feature freeze four weeks before release; daily triage.", "发布前四周冻结功能，每日缺陷评审。"),
             (("Introduce daily defect triage", "建立每日缺陷评审"),)),
    RiskSpec(C.QUALITY, S.TRANSFER, ("Field failures of a new component", "新器件现场失效"),
             ("The component has no field history.", "该器件无现场使用记录。"),
             ("Failure rate above 1 % in the first months.", "前几个月失效率超过 1%。"),
             ("Warranty costs and reputation damage.", "保修成本上升，声誉受损。"),
             ("Warranty back-to-back with the supplier.", "与供应商签订背靠背质保。"),
             (("Add the warranty clause to the contract", "在合同中加入质保条款"),)),
    RiskSpec(C.EXTERNAL, S.MITIGATE, ("Export controls restrict a key chip", "出口管制限制关键芯片"),
             ("New export rules are under discussion.", "新的出口管制规则正在讨论。"),
             ("The chip can no longer be bought.", "芯片无法采购。"),
             ("Redesign of the board; months of delay.", "主板重新设计，延误数月。"),
             ("Qualify a domestic alternative in parallel.", "并行认证国产替代芯片。"),
             (("Evaluate two alternative chips", "评估两款替代芯片"), ("Build a safety stock", "建立安全库存")),
             ("Switch to the qualified alternative.", "切换到已认证的替代方案。")),
    RiskSpec(C.EXTERNAL, S.ACCEPT, ("Vendor acquired by a competitor", "供应商被竞争对手收购"),
             ("The vendor is in acquisition talks.", "供应商正在进行收购谈判。"),
             ("The product roadmap changes.", "产品路线图发生变化。"),
             ("Features we rely on are dropped.", "所依赖的功能被取消。"),
             ("Watch the news; keep the escrow agreement current.", "关注动态，保持源码托管协议有效。"),
             (("Check the escrow agreement", "核查源码托管协议"),)),
    RiskSpec(C.EXTERNAL, S.MITIGATE, ("Partner API changes without notice", "合作方接口变更未通知"),
             ("Partners release on their own schedules.", "合作方自行安排发布。"),
             ("A partner changes its API in production.", "合作方在生产环境变更接口。"),
             ("Orders fail until we adapt.", "订单失败直到我方适配。"),
             ("Contract tests and a versioned gateway.", "契约测试与版本化网关。"),
             (("Add contract tests per partner", "为每个合作方增加契约测试"),)),
    RiskSpec(C.ORGANISATIONAL, S.MITIGATE, ("Sponsor changes role", "项目发起人岗位变动"),
             ("A reorganisation is announced for next quarter.", "下季度将进行组织调整。"),
             ("The sponsor moves to another division.", "发起人调往其他事业部。"),
             ("Decisions stall; priorities change.", "决策停滞，优先级改变。"),
             ("Brief the deputy sponsor monthly.", "每月向副发起人汇报。"),
             (("Name a deputy sponsor", "指定副发起人"),)),
    RiskSpec(C.ORGANISATIONAL, S.MITIGATE, ("Users resist the new process", "用户抵触新流程"),
             ("The new process removes familiar workarounds.", "新流程取消了惯用的变通做法。"),
             ("Low adoption after go-live.", "上线后使用率低。"),
             ("Benefits are not realised.", "预期收益无法实现。"),
             ("Change champions in every team; training before go-live.", "每个团队设变革推动者，上线前培训。"),
             (("Recruit change champions", "招募变革推动者"), ("Plan the training waves", "制定分批培训计划"))),
    RiskSpec(C.COMPLIANCE, S.AVOID, ("Personal data stored outside the region", "个人数据存储在境外"),
             ("The SaaS provider replicates to another region.", "SaaS 服务商跨区域复制数据。"),
             ("An audit finds personal data abroad.", "审计发现个人数据出境。"),
             ("Fines and a forced migration.", "罚款并被迫迁移。"),
             ("Contract for in-region storage; data-protection review.", "合同约定境内存储并做数据保护评估。"),
             (("Complete the data-protection impact assessment", "完成个人信息保护影响评估"),
              ("Confirm data residency in writing", "书面确认数据存储地"))),
    RiskSpec(C.COMPLIANCE, S.MITIGATE, ("Certification not obtained in time", "认证未能按时取得"),
             ("The certification lab has a three-month queue.", "认证实验室排队三个月。"),
             ("Certification arrives after the launch date.", "认证晚于上市日期。"),
             ("The product cannot be sold at launch.", "产品上市时无法销售。"),
             ("Book the lab slot now; pre-test in house.", "立即预约实验室并做内部预测试。"),
             (("Book the certification slot", "预约认证档期"), ("Run the in-house pre-test", "完成内部预测试"))),
]  # fmt: skip

PORTFOLIO_RISKS = [
    RiskSpec(C.RESOURCE, S.ESCALATE, ("Not enough testers for the portfolio's releases", "组合内版本测试人力不足"),
             ("Four releases fall in the same quarter.", "四个版本集中在同一季度。"),
             ("Test capacity is short by a fifth.", "测试产能缺口约五分之一。"),
             ("Releases slip or ship with less testing.", "版本延期或测试不足即发布。"),
             ("Stagger the releases; fund a shared test pool.", "错开发布时间，设立共享测试资源池。"),
             (("Propose a release calendar to the board", "向决策委员会提交发布日历"),)),
    RiskSpec(C.COST, S.MITIGATE, ("Budget cut in the next planning round", "下一轮预算削减"),
             ("Group revenue is below plan.", "集团收入低于计划。"),
             ("The portfolio budget is cut by 10 %.", "组合预算削减 10%。"),
             ("Projects have to be stopped or deferred.", "部分项目被迫暂停或推迟。"),
             ("Rank the projects now; prepare a cut scenario.", "现在完成项目排序并准备削减方案。"),
             (("Prepare the what-if scenario", "准备情景分析方案"), ("Rank projects by value", "按价值对项目排序"))),
    RiskSpec(C.ORGANISATIONAL, S.MITIGATE, ("Competing priorities between divisions", "事业部之间优先级冲突"),
             ("Divisions set their own targets.", "各事业部自定目标。"),
             ("Shared specialists are pulled both ways.", "共享专家被多方争用。"),
             ("Several projects stall at once.", "多个项目同时停滞。"),
             ("Monthly portfolio board decides conflicts.", "每月组合委员会裁决冲突。"),
             (("Add resource conflicts to the board agenda", "将资源冲突列入委员会议程"),)),
    RiskSpec(C.EXTERNAL, S.ACCEPT, ("Regulation changes the product roadmap", "法规变化影响产品路线图"),
             ("New industry rules are drafted.", "新的行业规定正在起草。"),
             ("Products need changes before sale.", "产品销售前需整改。"),
             ("Roadmap items move by a quarter.", "路线图事项推迟一个季度。"),
             ("Track the drafts with legal.", "与法务跟踪草案进展。"),
             (("Summarise the draft rules", "整理法规草案要点"),)),
    RiskSpec(C.TECHNICAL, S.MITIGATE, ("Shared platform becomes a bottleneck", "共享平台成为瓶颈"),
             ("Every project builds on the same integration platform.", "所有项目依赖同一集成平台。"),
             ("The platform team cannot serve all requests.", "平台团队无法满足全部需求。"),
             ("Projects wait for platform features.", "各项目等待平台功能。"),
             ("Platform roadmap agreed across projects.", "跨项目统一平台路线图。"),
             (("Publish the platform roadmap", "发布平台路线图"),)),
    RiskSpec(C.SCHEDULE, S.MITIGATE, ("Year-end freeze delays deployments", "年末封网推迟部署"),
             ("IT freezes production changes for three weeks.", "信息部门封网三周。"),
             ("Planned go-lives fall into the freeze.", "计划上线落入封网期。"),
             ("Go-lives move into January.", "上线推迟到一月。"),
             ("Plan go-lives before the freeze.", "在封网前安排上线。"),
             (("Collect go-live dates of all projects", "收集所有项目上线日期"),)),
]  # fmt: skip

ISSUES: list[tuple[Text, Text, str]] = [
    (("Test environment down for three days", "测试环境宕机三天"),
     ("The shared test database ran out of disk space.", "共享测试数据库磁盘空间耗尽。"), Issue.Severity.HIGH),
    (("Vendor invoice disputed", "供应商发票存在争议"),
     ("The invoice charges change requests we did not approve.", "发票包含未经批准的变更费用。"),
     Issue.Severity.MEDIUM),
    (("Key user left the company", "关键用户离职"),
     ("Finance's key user resigned; the acceptance tests lack an owner.", "财务关键用户离职，验收测试无人负责。"),
     Issue.Severity.HIGH),
    (("Security scan found critical findings", "安全扫描发现严重漏洞"),
     ("Two critical findings in the login service.", "登录服务发现两个严重漏洞。"), Issue.Severity.CRITICAL),
    (("Prototype boards failed the thermal test", "样板热测试未通过"),
     ("Boards exceed 85 °C under full load.", "满载时板温超过 85 °C。"), Issue.Severity.HIGH),
    (("Training room not available", "培训教室无法使用"),
     ("The room booked for training is being renovated.", "预订的培训教室正在装修。"), Issue.Severity.LOW),
    (("Interface specification outdated", "接口规格书过期"),
     ("The partner sent version 2 of the specification after we built version 1.",
      "我方按第一版开发后合作方发来第二版规格。"),
     Issue.Severity.MEDIUM),
    (("Licence keys delayed", "许可证密钥延迟"),
     ("Procurement has not released the order.", "采购尚未下单。"), Issue.Severity.MEDIUM),
    (("Build pipeline unstable", "构建流水线不稳定"),
     ("One build in five fails for infrastructure reasons.", "五次构建中有一次因基础设施原因失败。"),
     Issue.Severity.LOW),
    (("Data centre power maintenance clashes with cut-over", "机房电力检修与割接冲突"),
     ("Facilities scheduled maintenance on the cut-over weekend.", "设施部门在割接周末安排了检修。"),
     Issue.Severity.HIGH),
    (("Sign-off of the design missing", "设计方案未签字"),
     ("The sponsor has not signed the design for three weeks.", "发起人三周未签署设计方案。"), Issue.Severity.MEDIUM),
    (("Customer complaint about the pilot", "试点客户投诉"),
     ("A pilot customer reported wrong invoices.", "一位试点客户反映发票错误。"), Issue.Severity.HIGH),
]  # fmt: skip

ASSUMPTIONS: list[tuple[Text, Text]] = [
    (("The current ERP stays available until go-live", "现有系统在上线前持续可用"),
     ("No retirement of the old system before the cut-over.", "割接前不下线旧系统。")),
    (("Key users give two days a week", "关键用户每周投入两天"),
     ("Agreed with their managers at kick-off.", "已在启动会上与其上级约定。")),
    (("The budget for year two is approved in January", "第二年预算一月获批"),
     ("The board approves the budget in its January meeting.", "决策委员会在一月会议上批准预算。")),
]  # fmt: skip

# Risks per project (by the number of its code), more on the active ones; the rest of the projects get three.
PER_PROJECT = {"001": 24, "002": 20, "009": 20, "003": 10, "004": 8, "005": 4, "006": 4}


def seed_demo(demo: Any) -> None:
    _Seeder(demo).run()


class _Seeder:
    def __init__(self, demo: Any) -> None:
        self.org = demo.organization
        self.users = demo.users
        self.t = demo.text
        self.now = timezone.now()
        self.today = organization_today(self.org)
        self.manager, self.pmo, self.executive = (self.users[r] for r in (Role.MANAGER, Role.PMO, Role.EXECUTIVE))
        self.owners = [self.manager, self.users[Role.MEMBER], self.manager, self.pmo]

    def run(self) -> None:
        settings, _ = RiskSettings.objects.get_or_create(organization=self.org)
        self.review_days = settings.review_period_days
        self.scale = settings.scale
        projects = list(
            Project.objects.filter(organization=self.org).exclude(status=Project.Status.PROPOSED).order_by("code")
        )
        portfolios = list(Portfolio.objects.filter(organization=self.org).order_by("name"))
        risks = self.risks(projects, portfolios)
        self.issues(projects, risks)
        self.assumptions([p for p in projects if p.status == Project.Status.ACTIVE])

    def days_ago(self, days: int, hour: int = 10) -> dt.datetime:
        return self.now - dt.timedelta(days=days, hours=hour % 7)

    # --- risks ---------------------------------------------------------------------------------------------------

    def risks(self, projects: list[Project], portfolios: list[Portfolio]) -> list[Risk]:
        """The register, numbered after the highest existing number; returns every demo risk (old and new)."""
        placed: list[tuple[Project | None, Portfolio | None, RiskSpec]] = []
        for project in projects:
            suffix = project.code.rsplit("-", 1)[-1]
            count = PER_PROJECT.get(suffix, 3) if project.code.startswith(("ACME-", "GX-")) else 3
            offset = int(suffix) if suffix.isdigit() else len(placed)
            placed += [(project, None, RISKS[(offset * 5 + k) % len(RISKS)]) for k in range(min(count, len(RISKS)))]
        for n, spec in enumerate(PORTFOLIO_RISKS):
            if portfolios:
                placed.append((None, portfolios[n % len(portfolios)], spec))
        existing = {(r.project_id, r.portfolio_id, r.title): r for r in Risk.objects.filter(organization=self.org)}
        number = Risk.objects.filter(organization=self.org).aggregate(top=Max("number"))["top"] or 0
        new: list[Risk] = []
        actions: list[RiskAction] = []
        ours: list[Risk] = []
        for i, (home, portfolio, spec) in enumerate(placed):
            title = self.t(*spec.title)
            key = (home.pk if home else None, portfolio.pk if portfolio else None, title)
            if key in existing:
                ours.append(existing[key])
                continue
            number += 1
            risk = self.risk(i, number, home, portfolio, spec, title)
            new.append(risk)
            ours.append(risk)
            actions += self.actions(i, risk, spec)
        Risk.objects.bulk_create(new)
        RiskAction.objects.bulk_create(actions)
        return ours

    def risk(
        self, i: int, number: int, project: Project | None, portfolio: Portfolio | None, spec: RiskSpec, title: str
    ) -> Risk:
        finished = project is not None and project.status in (Project.Status.CLOSED, Project.Status.CANCELLED)
        probability = 1 + i % self.scale
        impact = 1 + (i // self.scale + i) % self.scale
        score = probability * impact
        created = self.days_ago(40 + (i * 13) % 160)
        status = Risk.Status.OPEN
        if finished or i % 11 == 4:
            status = Risk.Status.CLOSED
        elif i % 23 == 7:
            status = Risk.Status.OCCURRED
        # A third of the open ones were last reviewed longer ago than the review period: stale.
        stale = status == Risk.Status.OPEN and i % 3 == 1
        reviewed_days = self.review_days + 5 + (i * 7) % 60 if stale else (i * 5) % max(self.review_days - 2, 1)
        reviewed = max(created, self.days_ago(reviewed_days, hour=i))
        level, escalated_at, escalated_by, note = EscalationLevel.PROJECT, None, None, ""
        if status == Risk.Status.OPEN and (project is None or score >= 12) and i % 4 != 3:
            if (score >= 16 and i % 3 == 0) or (project is None and i % 2 == 0):
                level, escalated_by = EscalationLevel.EXECUTIVE, self.pmo
                note = self.t(
                    "Beyond the PMO's authority: needs a decision on budget or priorities by the executives.",
                    "超出项目管理办公室权限，需高层就预算或优先级作出决策。",
                )
            elif i % 2 == 0 or project is None:
                level, escalated_by = EscalationLevel.PMO, self.manager
                note = self.t(
                    "The project cannot resolve this alone; it needs people or decisions from other projects.",
                    "项目无法独立解决，需要其他项目的资源或决策。",
                )
            if level != EscalationLevel.PROJECT:
                escalated_at = max(created, self.days_ago(3 + i % 20, hour=i))
                reviewed = max(reviewed, escalated_at)
        return Risk(
            organization=self.org,
            number=number,
            project=project,
            portfolio=portfolio,
            title=title,
            cause=self.t(*spec.cause),
            event=self.t(*spec.event),
            effect=self.t(*spec.effect),
            category=spec.category,
            probability=probability,
            impact=impact,
            proximity=self.today + dt.timedelta(days=(i * 17) % 150 - 20) if status == Risk.Status.OPEN else None,
            owner=self.owners[i % len(self.owners)] if project else self.pmo,
            strategy=S.ESCALATE if level == EscalationLevel.EXECUTIVE else spec.strategy,
            response_plan=self.t(*spec.response),
            contingency=self.t(*spec.contingency),
            status=status,
            escalation_level=level,
            escalated_at=escalated_at,
            escalated_by=escalated_by,
            escalation_note=note,
            last_reviewed_at=reviewed,
            created_by=self.manager if project else self.pmo,
            created_at=created,
            version=1 + (reviewed > created) + (escalated_at is not None),
        )

    def actions(self, i: int, risk: Risk, spec: RiskSpec) -> list[RiskAction]:
        """The response's steps: done ones for a closed risk; else some overdue, some due soon, some done."""
        rows = []
        for k, title in enumerate(spec.actions[: 1 + (i + len(spec.actions)) % 3]):
            due = self.today + dt.timedelta(days=((i + k * 3) * 9) % 70 - 25)
            done = risk.status != Risk.Status.OPEN or (i + k) % 4 == 0
            done_at = min(self.now, dt.datetime.combine(due, dt.time(16), tzinfo=self.now.tzinfo)) if done else None
            rows.append(
                RiskAction(
                    organization=self.org,
                    risk=risk,
                    title=self.t(*title),
                    owner=self.owners[(i + k + 1) % len(self.owners)],
                    due_date=due,
                    done_at=max(done_at, risk.created_at) if done_at else None,
                    created_at=risk.created_at,
                )
            )
        return rows

    # --- issues and assumptions ----------------------------------------------------------------------------------

    def issues(self, projects: list[Project], risks: list[Risk]) -> None:
        """The issue log: one issue per occurred risk (linked) and the new problems, spread over the active projects,
        numbered after the highest existing number."""
        existing = set(Issue.objects.filter(organization=self.org).values_list("project_id", "portfolio_id", "title"))
        linked = set(Issue.objects.filter(organization=self.org, risk__isnull=False).values_list("risk_id", flat=True))
        number = Issue.objects.filter(organization=self.org).aggregate(top=Max("number"))["top"] or 0
        active = [p for p in projects if p.status == Project.Status.ACTIVE] or projects
        rows: list[Issue] = []
        wanted: list[tuple[Project | None, Any, Risk | None, str, str, str]] = [
            (r.project, r.portfolio, r, self.t("Occurred: ", "已发生：") + r.title, r.effect, Issue.Severity.HIGH)
            for r in risks
            if r.status == Risk.Status.OCCURRED and r.pk not in linked
        ]
        if active:
            wanted += [
                (active[n % len(active)], None, None, self.t(*title), self.t(*description), severity)
                for n, (title, description, severity) in enumerate(ISSUES)
            ]
        statuses = [Issue.Status.OPEN, Issue.Status.IN_PROGRESS, Issue.Status.IN_PROGRESS, Issue.Status.RESOLVED]
        for n, (project, portfolio, risk, title, description, severity) in enumerate(wanted):
            key = (project.pk if project else None, portfolio.pk if portfolio else None, title[:200])
            if key in existing:
                continue
            number += 1
            status = Issue.Status.CLOSED if n % 7 == 6 else statuses[n % len(statuses)]
            created = self.days_ago(5 + (n * 9) % 60)
            resolved = status in (Issue.Status.RESOLVED, Issue.Status.CLOSED)
            level = EscalationLevel.PROJECT
            if not resolved and severity in (Issue.Severity.HIGH, Issue.Severity.CRITICAL):
                level = EscalationLevel.EXECUTIVE if severity == Issue.Severity.CRITICAL else EscalationLevel.PMO
            rows.append(
                Issue(
                    organization=self.org,
                    number=number,
                    project=project,
                    portfolio=portfolio,
                    risk=risk,
                    title=title[:200],
                    description=description,
                    severity=severity,
                    owner=self.owners[n % len(self.owners)],
                    due_date=self.today + dt.timedelta(days=(n * 6) % 40 - 10),
                    status=status,
                    escalation_level=level,
                    escalated_at=created + dt.timedelta(days=1) if level != EscalationLevel.PROJECT else None,
                    resolution=self.t("Fixed and verified with the users.", "已修复并经用户验证。") if resolved else "",
                    resolved_at=min(self.now, created + dt.timedelta(days=4)) if resolved else None,
                    created_by=self.manager,
                    created_at=created,
                    version=1 + resolved + (level != EscalationLevel.PROJECT),
                )
            )
        Issue.objects.bulk_create(rows)

    def assumptions(self, projects: list[Project]) -> None:
        existing = set(Assumption.objects.filter(organization=self.org).values_list("project_id", "title"))
        states = [Assumption.Status.OPEN, Assumption.Status.VALID, Assumption.Status.OPEN, Assumption.Status.INVALID]
        Assumption.objects.bulk_create(
            [
                Assumption(
                    organization=self.org,
                    project=project,
                    title=self.t(*title),
                    description=self.t(*description),
                    owner=self.manager,
                    validate_by=self.today + dt.timedelta(days=14 * (n + 1) - 21),
                    status=states[(p + n) % len(states)],
                    created_at=self.days_ago(60 + n),
                )
                for p, project in enumerate(projects)
                for n, (title, description) in enumerate(ASSUMPTIONS)
                if (project.pk, self.t(*title)) not in existing
            ]
        )
