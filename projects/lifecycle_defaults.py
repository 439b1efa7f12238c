"""The two built-in process templates every organisation receives: a standard lifecycle and an IPD lifecycle with
its technical reviews (TR) and decision checkpoints (DCP). Names are given in English and Chinese; an organisation
gets them in its default language, and may copy and edit them.

Each phase: (key, (en, zh), optional, [deliverables], [gates]); a deliverable: ((en, zh), required);
a gate: (code, (en, zh), kind, decider).
"""

from __future__ import annotations

from typing import NamedTuple

Text = tuple[str, str]


class DeliverableDef(NamedTuple):
    name: Text
    required: bool = True


class GateDef(NamedTuple):
    code: str
    name: Text
    kind: str  # "gate" | "tr" | "dcp"
    decider: str  # "pmo" | "executive" | "technical"


class PhaseDef(NamedTuple):
    key: str
    name: Text
    deliverables: list[DeliverableDef]
    gates: list[GateDef]
    optional: bool = False


class TemplateDef(NamedTuple):
    kind: str
    name: Text
    description: Text
    phases: list[PhaseDef]


STANDARD = TemplateDef(
    kind="standard",
    name=("Standard lifecycle", "标准项目生命周期"),
    description=(
        "Initiation, planning, execution and closure, each ending in a PMO gate review.",
        "启动、规划、执行、收尾四个阶段，每个阶段结束时由 PMO 进行阶段评审。",
    ),
    phases=[
        PhaseDef(
            "initiation",
            ("Initiation", "启动"),
            [
                DeliverableDef(("Project charter", "项目章程")),
                DeliverableDef(("Stakeholder register", "干系人登记册")),
                DeliverableDef(("Business case", "商业论证"), required=False),
            ],
            [GateDef("G1", ("Initiation review", "启动评审"), "gate", "pmo")],
        ),
        PhaseDef(
            "planning",
            ("Planning", "规划"),
            [
                DeliverableDef(("Project management plan", "项目管理计划")),
                DeliverableDef(("Schedule baseline", "进度基线")),
                DeliverableDef(("Cost baseline", "成本基线")),
                DeliverableDef(("Risk register", "风险登记册")),
                DeliverableDef(("Communication plan", "沟通计划"), required=False),
            ],
            [GateDef("G2", ("Planning review", "规划评审"), "gate", "pmo")],
        ),
        PhaseDef(
            "execution",
            ("Execution", "执行"),
            [
                DeliverableDef(("Weekly status reports", "项目周报")),
                DeliverableDef(("Deliverable acceptance", "交付物验收")),
                DeliverableDef(("Quality review report", "质量评审报告"), required=False),
            ],
            [GateDef("G3", ("Delivery acceptance review", "交付验收评审"), "gate", "pmo")],
        ),
        PhaseDef(
            "closure",
            ("Closure", "收尾"),
            [
                DeliverableDef(("Closure report", "结项报告")),
                DeliverableDef(("Lessons learned", "经验教训总结")),
                DeliverableDef(("Project archive", "项目归档"), required=False),
            ],
            [GateDef("G4", ("Closure review", "结项评审"), "gate", "pmo")],
        ),
    ],
)

IPD = TemplateDef(
    kind="ipd",
    name=("IPD lifecycle", "IPD 集成产品开发流程"),
    description=(
        "Integrated product development: concept, plan, develop, verify, launch and lifecycle, with technical "
        "reviews (TR1–TR6) decided by technical reviewers and decision checkpoints (CDCP, PDCP, ADCP, LDCP) "
        "decided by executives.",
        "集成产品开发：概念、计划、开发、验证、发布、生命周期六个阶段；技术评审（TR1–TR6）由技术评审专家决策，"
        "决策评审点（CDCP、PDCP、ADCP、LDCP）由高管决策。",
    ),
    phases=[
        PhaseDef(
            "concept",
            ("Concept", "概念"),
            [
                DeliverableDef(("Market requirements", "市场需求说明")),
                DeliverableDef(("Product concept", "产品概念")),
                DeliverableDef(("Initial business plan", "初始商业计划")),
            ],
            [
                GateDef("TR1", ("Requirements and concept review", "需求与概念评审"), "tr", "technical"),
                GateDef("CDCP", ("Concept decision checkpoint", "概念决策评审"), "dcp", "executive"),
            ],
        ),
        PhaseDef(
            "plan",
            ("Plan", "计划"),
            [
                DeliverableDef(("Product design specification", "产品设计规格")),
                DeliverableDef(("Integrated project plan", "集成项目计划")),
                DeliverableDef(("Business plan", "商业计划书")),
            ],
            [
                GateDef("TR2", ("Specification review", "规格评审"), "tr", "technical"),
                GateDef("TR3", ("Overall design review", "总体设计评审"), "tr", "technical"),
                GateDef("PDCP", ("Plan decision checkpoint", "计划决策评审"), "dcp", "executive"),
            ],
        ),
        PhaseDef(
            "develop",
            ("Develop", "开发"),
            [
                DeliverableDef(("Detailed design", "详细设计")),
                DeliverableDef(("Prototype", "样机")),
                DeliverableDef(("Test plan", "测试计划")),
            ],
            [
                GateDef("TR4", ("Prototype review", "样机评审"), "tr", "technical"),
                GateDef("TR4A", ("Product quality review", "产品质量评审"), "tr", "technical"),
            ],
        ),
        PhaseDef(
            "verify",
            ("Verify", "验证"),
            [
                DeliverableDef(("Verification report", "验证报告")),
                DeliverableDef(("Pilot production", "小批量试产")),
                DeliverableDef(("Launch plan", "上市计划")),
            ],
            [
                GateDef("TR5", ("Pilot production review", "小批量评审"), "tr", "technical"),
                GateDef("TR6", ("Release readiness review", "发布准备度评审"), "tr", "technical"),
                GateDef("ADCP", ("Availability decision checkpoint", "可获得性决策评审"), "dcp", "executive"),
            ],
        ),
        PhaseDef(
            "launch",
            ("Launch", "发布"),
            [
                DeliverableDef(("Launch announcement", "上市发布")),
                DeliverableDef(("Sales readiness", "销售准备")),
                DeliverableDef(("Customer training", "客户培训"), required=False),
            ],
            [],
        ),
        PhaseDef(
            "lifecycle",
            ("Lifecycle", "生命周期"),
            [
                DeliverableDef(("Lifecycle plan", "生命周期计划")),
                DeliverableDef(("End-of-life plan", "停产计划"), required=False),
            ],
            [GateDef("LDCP", ("Lifecycle decision checkpoint", "生命周期决策评审"), "dcp", "executive")],
            optional=True,
        ),
    ],
)

BUILTIN_TEMPLATES = (STANDARD, IPD)


def pick(text: Text, language: str) -> str:
    """The Chinese text for a Chinese organisation, else the English one."""
    return text[1] if language.startswith("zh") else text[0]
