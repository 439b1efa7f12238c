"""Demo content of the knowledge base: the PMO's standards, templates, training and guides, two stand-alone
lessons learned and one draft. Lessons from closed projects come from the projects seeder (closure workflow).

Idempotent: an article whose title exists in the organisation is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo.tenancy.roles import Role
from projects.knowledge.models import Article
from projects.knowledge.services import article_create
from projects.models import Project


@dataclass(frozen=True)
class Spec:
    kind: str
    author: str
    title: tuple[str, str]
    summary: tuple[str, str]
    category: tuple[str, str]
    tags: tuple[tuple[str, str], ...]
    body: tuple[str, str]
    project_number: int | None = None
    published: bool = True


STATUS_REPORTING = Spec(
    Article.Kind.STANDARD,
    Role.PMO,
    ("Project status reporting standard", "项目周报规范"),
    (
        "What a weekly status report contains, how to rate RAG and when it is due.",
        "项目周报的内容、红黄绿评级口径与提交时间。",
    ),
    ("Standards", "规范"),
    (("status", "周报"), ("reporting", "报告"), ("RAG", "红黄绿")),
    (
        """## Weekly status

Every active project reports by **Friday 18:00** (organisation time). A report that is late on Monday 10:00
raises an alert to the PMO.

## What the report contains

1. **RAG per dimension**: schedule, cost, scope, quality, risk, resources.
2. **Percent complete** of the current phase and of the project.
3. **Actual cost** to date and the **forecast at completion**.
4. **Escalations**: decisions you need, with a date by which you need them.

## How to rate

| Rating | Schedule | Cost |
|:--|:--|:--|
| Green | SPI ≥ 0.95, no milestone at risk | CPI ≥ 0.95 |
| Amber | SPI 0.85–0.95, or a milestone at risk | CPI 0.85–0.95 |
| Red | SPI < 0.85, or a milestone missed | CPI < 0.85 or forecast over budget |

> Rate what you see, not what you hope. An amber report with a recovery plan is worth more than a green one
> that turns red next week.
""",
        """## 项目周报

所有进行中的项目须在**每周五 18:00**（组织所在时区）前提交周报。周一 10:00 仍未提交的，系统向项目管理办公室发出提醒。

## 周报内容

1. **各维度红黄绿状态**：进度、成本、范围、质量、风险、资源。
2. 当前阶段及项目整体的**完成百分比**。
3. 截至目前的**实际成本**与**完工预测**。
4. **升级事项**：需要的决策及最晚决策日期。

## 评级口径

| 评级 | 进度 | 成本 |
|:--|:--|:--|
| 绿 | SPI ≥ 0.95，无里程碑风险 | CPI ≥ 0.95 |
| 黄 | SPI 0.85–0.95，或有里程碑存在风险 | CPI 0.85–0.95 |
| 红 | SPI < 0.85，或里程碑已延误 | CPI < 0.85 或预测超预算 |

> 如实评级。带有纠偏计划的黄灯，胜过下周就变红的绿灯。
""",
    ),
)

GATE_CHECKLIST = Spec(
    Article.Kind.STANDARD,
    Role.PMO,
    ("Gate review checklist", "阶段评审检查清单"),
    (
        "The evidence a project brings to every gate review, and what the gate decides.",
        "每次阶段评审须准备的材料，以及评审的决策内容。",
    ),
    ("Governance", "项目治理"),
    (("gate review", "阶段评审"), ("checklist", "检查清单"), ("governance", "治理")),
    (
        """A gate review decides whether a project **goes on, goes on with conditions, is held or stops**. Bring the
evidence below at least three working days before the meeting.

## Checklist

- [ ] Deliverables of the phase complete, or waived with a reason recorded
- [ ] Baseline (scope, schedule, cost) confirmed or a change request raised
- [ ] Top five risks with owners and responses; no red risk without an action
- [ ] Business case still valid: benefits, costs and strategic fit re-checked
- [ ] Resources for the next phase confirmed by their line managers
- [ ] Open issues and decisions needed, each with an owner

## Outcomes

| Decision | Meaning |
|:--|:--|
| Go | The next phase starts. |
| Conditional go | Starts; conditions are tracked as actions with due dates. |
| Hold | Work stops until the named questions are answered. |
| Stop | The project closes; lessons learned are written within 30 days. |
""",
        """阶段评审决定项目**继续、有条件继续、暂停还是终止**。请至少在评审会前三个工作日提交以下材料。

## 检查清单

- [ ] 本阶段交付物已完成，或已记录豁免理由
- [ ] 基线（范围、进度、成本）已确认，或已提交变更申请
- [ ] 前五大风险均有责任人和应对措施；红色风险必须有行动项
- [ ] 商业论证仍然成立：收益、成本与战略匹配度已复核
- [ ] 下一阶段所需资源已获得直线经理确认
- [ ] 未决问题和待决策事项均有责任人

## 评审结论

| 结论 | 含义 |
|:--|:--|
| 通过 | 进入下一阶段。 |
| 有条件通过 | 进入下一阶段，条件作为行动项跟踪并设定完成日期。 |
| 暂停 | 在所列问题得到答复前暂停工作。 |
| 终止 | 项目关闭，30 天内完成经验教训总结。 |
""",
    ),
)

RISK_GUIDE = Spec(
    Article.Kind.GUIDE,
    Role.PMO,
    ("Risk management guide", "风险管理指南"),
    (
        "Identify, score, respond to and escalate risks: the register, the 5×5 matrix and when the PMO steps in.",
        "风险的识别、评分、应对与升级：风险登记册、5×5 矩阵以及项目管理办公室介入的时机。",
    ),
    ("Risk management", "风险管理"),
    (("risk", "风险"), ("heat map", "热力图"), ("escalation", "升级")),
    (
        """## 1. Identify

Review risks in every weekly status meeting and at each gate. Write a risk as *cause → event → effect*:
"Because the vendor has one integration engineer, the interface may be late, delaying UAT by three weeks."

## 2. Score

Probability and impact each on a scale of 1 to 5; the score is their product.

| Score | Level | Action |
|:--|:--|:--|
| 1–6 | Low | Monitor in the register |
| 8–12 | Medium | Response plan and owner within a week |
| 15–25 | High | Escalate to the PMO; shown on the portfolio heat map |

## 3. Respond

- **Avoid**: change the plan so the risk cannot happen.
- **Mitigate**: reduce probability or impact, e.g. a second supplier.
- **Transfer**: contracts, insurance, warranties.
- **Accept**: record why, and the contingency you hold.

## 4. Escalate

A risk scoring **15 or more**, or one that threatens a milestone on the executive dashboard, goes to the PMO the
same week. The PMO decides whether it goes to the monthly management review.
""",
        """## 一、识别

每周例会和每次阶段评审都要回顾风险。风险按“原因 → 事件 → 影响”描述，例如：“由于供应商仅有一名接口工程师，接口可能延期，
导致用户验收测试推迟三周。”

## 二、评分

概率与影响各按 1–5 分评估，风险值为两者乘积。

| 风险值 | 等级 | 要求 |
|:--|:--|:--|
| 1–6 | 低 | 在登记册中持续监控 |
| 8–12 | 中 | 一周内制定应对计划并明确责任人 |
| 15–25 | 高 | 升级至项目管理办公室，并显示在项目组合热力图上 |

## 三、应对

- **规避**：调整计划，使风险不再发生。
- **减轻**：降低概率或影响，例如引入第二供应商。
- **转移**：通过合同、保险或质保转移。
- **接受**：记录理由及预留的应急储备。

## 四、升级

风险值**达到 15 分**，或威胁到高管看板上的里程碑的风险，须在当周升级至项目管理办公室，由其决定是否提交月度管理评审。
""",
    ),
)

CHANGE_CONTROL = Spec(
    Article.Kind.STANDARD,
    Role.PMO,
    ("Change control procedure", "变更控制流程"),
    (
        "How a change request moves from impact analysis to approval and a new baseline version.",
        "变更申请从影响分析、审批到生成新基线版本的完整流程。",
    ),
    ("Change control", "变更管理"),
    (("change request", "变更申请"), ("baseline", "基线"), ("governance", "治理")),
    (
        """Any change to the approved **scope, schedule or budget** goes through a change request. Nothing is changed
in the plan before the request is approved.

## Steps

1. **Raise**: the project manager describes the change and why it is needed.
2. **Assess**: impact on cost, schedule, scope, quality and risk, with options.
3. **Decide**: who approves depends on the impact:

   | Impact | Approver |
   |:--|:--|
   | ≤ 5 % of budget and ≤ 2 weeks | Project sponsor |
   | ≤ 15 % of budget or ≤ 6 weeks | PMO |
   | more | Executive committee |

4. **Baseline**: approval creates a new baseline version that records the reason; earlier versions stay as
   they were.
5. **Communicate**: the team and stakeholders are told what changed.

Target cycle time from raise to decision: **10 working days**.
""",
        """对已批准的**范围、进度或预算**的任何调整，都必须走变更申请。申请获批前，不得修改计划。

## 步骤

1. **提出**：项目经理说明变更内容及原因。
2. **评估**：分析对成本、进度、范围、质量和风险的影响，并给出备选方案。
3. **审批**：审批人取决于影响大小：

   | 影响 | 审批人 |
   |:--|:--|
   | 不超过预算 5% 且不超过 2 周 | 项目发起人 |
   | 不超过预算 15% 或不超过 6 周 | 项目管理办公室 |
   | 超出以上范围 | 高管委员会 |

4. **基线**：审批通过后生成新的基线版本并记录变更原因，历史版本保持不变。
5. **沟通**：向团队和干系人通报变更内容。

从提出到决策的目标周期：**10 个工作日**。
""",
    ),
)

IPD_GUIDE = Spec(
    Article.Kind.GUIDE,
    Role.PMO,
    ("IPD technical reviews (TR) and decision checkpoints (DCP)", "IPD 技术评审（TR）与决策评审（DCP）指南"),
    (
        "Where TR1–TR6 and the DCPs sit in the IPD lifecycle, who decides, and what each one checks.",
        "TR1–TR6 与各 DCP 在 IPD 流程中的位置、决策人及评审要点。",
    ),
    ("IPD", "IPD"),
    (("IPD", "IPD"), ("TR", "技术评审"), ("DCP", "决策评审")),
    (
        """In the IPD lifecycle, **technical reviews (TR)** check that the product is technically ready, and
**decision checkpoints (DCP)** are business decisions by the executive team (IPMT).

| Phase | Technical review | Decision checkpoint |
|:--|:--|:--|
| Concept | TR1 – requirements and specification | Charter DCP |
| Plan | TR2 – architecture; TR3 – detailed design | PDCP – plan decision |
| Develop | TR4 – prototype and module tests; TR4A | |
| Verify | TR5 – system verification; TR6 – pilot build | ADCP – availability decision |
| Launch | | Launch |

## Who decides

- TRs are decided by the PMO together with the technical reviewers named in the project; the project manager
  alone cannot pass a TR.
- DCPs are decided by executives; the PMO prepares the decision pack.

## Tips

- Do not hold a DCP before the TR it depends on is passed.
- Record conditions as actions with owners; check them at the next TR.
""",
        """在 IPD 流程中，**技术评审（TR）**检查产品在技术上是否就绪，**决策评审（DCP）**是高管团队（IPMT）的商业决策。

| 阶段 | 技术评审 | 决策评审 |
|:--|:--|:--|
| 概念 | TR1 — 需求与规格 | Charter DCP（立项决策） |
| 计划 | TR2 — 总体方案；TR3 — 详细设计 | PDCP（计划决策） |
| 开发 | TR4 — 样机与模块测试；TR4A | |
| 验证 | TR5 — 系统验证；TR6 — 小批量试产 | ADCP（可获得性决策） |
| 发布 | | 上市发布 |

## 决策人

- TR 由项目管理办公室会同项目指定的技术评审专家决策，项目经理本人不能单独通过 TR。
- DCP 由高管决策，项目管理办公室负责准备决策材料。

## 实践要点

- 所依赖的 TR 未通过前，不召开对应的 DCP。
- 评审中的遗留条件作为行动项记录并明确责任人，在下一次 TR 时检查。
""",
    ),
)

ONBOARDING = Spec(
    Article.Kind.TRAINING,
    Role.PMO,
    ("Onboarding for new project managers", "新任项目经理入职培训"),
    (
        "Your first four weeks: the lifecycle, the tools, the reports and the people you will work with.",
        "入职前四周：项目生命周期、工具、报告要求及主要协作对象。",
    ),
    ("Training", "培训"),
    (("onboarding", "入职"), ("project manager", "项目经理"), ("training", "培训")),
    (
        """## Week 1 – the lifecycle

- Read the *Gate review checklist* and the *Change control procedure*.
- Sit in on a gate review and a weekly integrated meeting.

## Week 2 – the tools

- Submit a practice status report on the demo project.
- Raise, assess and withdraw a practice change request.

## Week 3 – money and time

- Complete *Earned value in one hour*.
- Review your project's baseline with your PMO partner.

## Week 4 – take over

- Hand-over meeting with the previous manager; update the risk register together.
- Agree the reporting calendar with your sponsor.

> Ask early. The PMO would rather answer ten questions than fix one surprise.
""",
        """## 第一周：项目生命周期

- 阅读《阶段评审检查清单》和《变更控制流程》。
- 旁听一次阶段评审和一次周度综合例会。

## 第二周：工具

- 在演示项目中提交一份练习周报。
- 提出、评估并撤回一份练习变更申请。

## 第三周：成本与进度

- 完成《一小时掌握挣值管理》培训。
- 与项目管理办公室对接人一起复核项目基线。

## 第四周：正式接手

- 与前任项目经理召开交接会，共同更新风险登记册。
- 与项目发起人确认汇报日历。

> 有问题尽早问。项目管理办公室宁可回答十个问题，也不愿处理一个意外。
""",
    ),
)

EARNED_VALUE = Spec(
    Article.Kind.TRAINING,
    Role.PMO,
    ("Earned value in one hour", "一小时掌握挣值管理"),
    (
        "PV, EV, AC, SPI, CPI and EAC with one worked example.",
        "通过一个示例掌握 PV、EV、AC、SPI、CPI 和 EAC。",
    ),
    ("Training", "培训"),
    (("earned value", "挣值"), ("SPI", "SPI"), ("CPI", "CPI"), ("training", "培训")),
    (
        """## The three numbers

- **PV** (planned value): the budgeted cost of the work scheduled to date.
- **EV** (earned value): the budgeted cost of the work actually done.
- **AC** (actual cost): what the work done actually cost.

## The indices

- `SPI = EV / PV` – below 1 means behind schedule.
- `CPI = EV / AC` – below 1 means over budget.
- `EAC = BAC / CPI` – the forecast at completion if efficiency stays the same.

## Example

Budget at completion (BAC) 1,000,000. At week 10: PV 400,000, EV 360,000, AC 450,000.

| Index | Value | Reading |
|:--|--:|:--|
| SPI | 0.90 | 10 % behind plan |
| CPI | 0.80 | every 1.00 spent earns 0.80 |
| EAC | 1,250,000 | 25 % over budget unless something changes |
""",
        """## 三个基本量

- **PV**（计划价值）：截至目前计划完成工作的预算成本。
- **EV**（挣值）：实际已完成工作的预算成本。
- **AC**（实际成本）：已完成工作实际花费的成本。

## 绩效指数

- `SPI = EV / PV`：小于 1 表示进度落后。
- `CPI = EV / AC`：小于 1 表示成本超支。
- `EAC = BAC / CPI`：按当前效率预测的完工成本。

## 示例

完工预算（BAC）100 万元。第 10 周时：PV 40 万，EV 36 万，AC 45 万。

| 指标 | 数值 | 解读 |
|:--|--:|:--|
| SPI | 0.90 | 进度落后计划 10% |
| CPI | 0.80 | 每花 1 元只挣得 0.8 元 |
| EAC | 125 万 | 若不采取措施，将超支 25% |
""",
    ),
)

CHARTER_TEMPLATE = Spec(
    Article.Kind.TEMPLATE,
    Role.PMO,
    ("Project charter template", "项目章程模板"),
    (
        "The one-page charter every approved request turns into: objectives, scope, milestones, budget, roles.",
        "立项获批后须填写的一页纸项目章程：目标、范围、里程碑、预算与角色。",
    ),
    ("Templates", "模板"),
    (("charter", "项目章程"), ("template", "模板"), ("initiation", "立项")),
    (
        """Copy the sections below into the project's charter and fill in every line.

## 1. Purpose and objectives

- Business problem:
- Objectives (measurable, with target dates):

## 2. Scope

| In scope | Out of scope |
|:--|:--|
| | |

## 3. Milestones

| Milestone | Target date | Gate |
|:--|:--|:--|
| | | |

## 4. Budget and resources

- Budget at completion:
- Key roles and the people who fill them:

## 5. Governance

- Sponsor:
- Project manager:
- Steering committee and meeting rhythm:

## 6. Top risks and assumptions
""",
        """请将以下各节复制到项目章程中并逐项填写。

## 一、目的与目标

- 业务问题：
- 项目目标（可衡量，并注明目标日期）：

## 二、范围

| 范围内 | 范围外 |
|:--|:--|
| | |

## 三、里程碑

| 里程碑 | 目标日期 | 对应评审 |
|:--|:--|:--|
| | | |

## 四、预算与资源

- 完工预算：
- 关键角色及人选：

## 五、治理结构

- 项目发起人：
- 项目经理：
- 指导委员会及会议频率：

## 六、主要风险与假设
""",
    ),
)

CLOSURE_TEMPLATE = Spec(
    Article.Kind.TEMPLATE,
    Role.PMO,
    ("Project closure report template", "项目收尾报告模板"),
    (
        "Outcome against objectives, final cost and dates, customer satisfaction and lessons learned.",
        "目标达成情况、最终成本与日期、客户满意度及经验教训。",
    ),
    ("Templates", "模板"),
    (("closure", "项目收尾"), ("template", "模板"), ("lessons learned", "经验教训")),
    (
        """## 1. Outcome against objectives

| Objective | Target | Achieved | Comment |
|:--|:--|:--|:--|
| | | | |

## 2. Final figures

| | Baseline | Final | Variance |
|:--|--:|--:|--:|
| Finish date | | | |
| Cost | | | |

## 3. Customer satisfaction

Survey score (1–5) and the main comments.

## 4. Performance evaluation

What the team, the suppliers and the governance did well and what they should change.

## 5. Lessons learned

Write each lesson as *situation → what happened → what to do next time*. The PMO publishes them in the
knowledge base.

## 6. Hand-over and archive

- Open items handed to operations:
- Documents archived:
""",
        """## 一、目标达成情况

| 目标 | 目标值 | 实际值 | 说明 |
|:--|:--|:--|:--|
| | | | |

## 二、最终数据

| | 基线 | 实际 | 偏差 |
|:--|--:|--:|--:|
| 完成日期 | | | |
| 成本 | | | |

## 三、客户满意度

调查得分（1–5 分）及主要意见。

## 四、绩效评价

团队、供应商和治理机制做得好的地方以及需要改进之处。

## 五、经验教训

每条经验教训按“情境 → 发生了什么 → 下次怎么做”撰写，由项目管理办公室发布到知识库。

## 六、移交与归档

- 移交运维的未结事项：
- 已归档文档：
""",
    ),
)

LESSON_DATA = Spec(
    Article.Kind.LESSON,
    Role.MANAGER,
    (
        "Freeze the data-migration scope before the cut-over rehearsal",
        "关键物料须在 EVT 阶段前锁定供应",
    ),
    (
        "Two extra rehearsals and a slipped go-live because legacy data kept being added to the migration.",
        "因关键芯片未提前锁定产能，EVT 样机推迟四周。",
    ),
    ("Lessons learned", "经验教训"),
    (("data migration", "供应链"), ("cut-over", "物料"), ("schedule", "进度")),
    (
        """## Situation

Three weeks before go-live, the finance team asked to migrate seven years of history instead of three.

## What happened

Each new data set needed mapping and validation; the cut-over rehearsal failed twice and go-live moved by
four weeks. CPI fell from 0.97 to 0.88.

## Next time

- Agree the migration scope in the Plan phase and baseline it.
- Treat any later addition as a **change request** with its schedule impact.
- Run the first rehearsal at least six weeks before go-live.
""",
        """## 情境

EVT（工程验证）阶段启动前，主控芯片供应商产能紧张，交期由 8 周延长到 14 周。

## 发生了什么

项目在 TR3 通过后才下单，样机推迟四周，后续 TR4 和 PDCP 全部顺延，SPI 由 0.98 降至 0.86。

## 下次怎么做

- 在计划阶段识别长周期物料，并在 TR2 前完成产能锁定。
- 长周期物料作为风险登记，风险值达到 15 分即升级至项目管理办公室。
- 与采购部建立月度物料预警例会。
""",
    ),
    project_number=1,
)

LESSON_VENDOR = Spec(
    Article.Kind.LESSON,
    Role.MANAGER,
    ("Confirm every vendor's change-freeze window early", "供应商割接窗口须提前书面确认"),
    (
        "The network move waited ten days for the carrier's change window, which nobody had asked about.",
        "系统割接因运营商变更窗口未提前确认，延误十天。",
    ),
    ("Lessons learned", "经验教训"),
    (("vendor", "供应商"), ("planning", "计划"), ("schedule", "进度")),
    (
        """## Situation

The office move depended on the carrier moving two leased lines.

## What happened

The carrier only changes lines in a monthly window; we learned this one week before the move. The team worked
from temporary links for ten days.

## Next time

- List every external party in the charter and ask each for its change calendar.
- Put vendor windows in the plan as **milestones**, not assumptions.
""",
        """## 情境

客户服务中心升级依赖运营商迁移两条专线。

## 发生了什么

运营商每月仅有一个变更窗口，而项目组在割接前一周才得知，团队只能使用临时线路工作了十天。

## 下次怎么做

- 在项目章程中列出所有外部相关方，并逐一索取其变更日历。
- 将供应商窗口作为**里程碑**纳入计划，而不是当作假设。
""",
    ),
    project_number=5,
)

RETRO_DRAFT = Spec(
    Article.Kind.GUIDE,
    Role.MANAGER,
    ("Running a project retrospective (draft)", "项目复盘会议指南（草稿）"),
    (
        "A 60-minute format for phase-end retrospectives.",
        "阶段结束时 60 分钟复盘会议的组织方法。",
    ),
    ("Guides", "指南"),
    (("retrospective", "复盘"), ("lessons learned", "经验教训")),
    (
        """1. Set the stage (5 min)
2. Gather data: timeline of the phase (15 min)
3. Generate insights: what helped, what hindered (20 min)
4. Decide what to do: at most three actions with owners (15 min)
5. Close (5 min)
""",
        """1. 开场（5 分钟）
2. 收集信息：梳理阶段时间线（15 分钟）
3. 形成洞见：哪些做法有帮助，哪些造成阻碍（20 分钟）
4. 决定行动：最多三项行动并明确责任人（15 分钟）
5. 结束（5 分钟）
""",
    ),
    published=False,
)

SPECS = [
    STATUS_REPORTING,
    GATE_CHECKLIST,
    RISK_GUIDE,
    CHANGE_CONTROL,
    IPD_GUIDE,
    ONBOARDING,
    EARNED_VALUE,
    CHARTER_TEMPLATE,
    CLOSURE_TEMPLATE,
    LESSON_DATA,
    LESSON_VENDOR,
    RETRO_DRAFT,
]


def seed_demo(demo: Any) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    prefix = "ACME" if org.slug == "acme" else "GX"
    existing = set(Article.objects.filter(organization=org).values_list("title", flat=True))
    for spec in SPECS:
        title = t(*spec.title)
        if title in existing:
            continue
        project = None
        if spec.project_number is not None:
            project = Project.objects.filter(organization=org, code=f"{prefix}-{spec.project_number:03d}").first()
        article_create(
            organization=org,
            actor=users[spec.author],
            kind=spec.kind,
            title=title,
            summary=t(*spec.summary),
            body=t(*spec.body),
            category=t(*spec.category),
            tags=[t(*tag) for tag in spec.tags],
            project=project,
            published=spec.published,
        )
