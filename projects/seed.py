"""Demo content of the projects app, built through the same services as real work: projects in every status and in
different phases of both built-in templates, gate decisions (go, one recycle, one hold, one pending and due),
slipped milestone forecasts, a second baseline, tailoring (one pending, one approved), cross-project dependencies
(one in conflict), a cancelled project and two closed ones with approved closure reports whose lessons learned
become knowledge articles, plus a copied template.

Runs after ``portfolio.seed`` (which may create projects of its own by approving requests) and before
``projects.knowledge.seed``. Idempotent: each project is found by its code, and each step checks whether it was
done already, so running it again (also on data from an earlier version of this seeder) changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio, Programme
from projects import permissions, services
from projects.models import (
    Baseline,
    ClosureReport,
    Dependency,
    GateDecision,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    TailoringRequest,
    TemplateDeliverable,
    TemplatePhase,
)

Text = tuple[str, str]


@dataclass(frozen=True)
class Spec:
    number: int
    name: Text
    kind: str  # built-in template kind
    status: str  # status at creation
    start: int  # planned start, days from today
    days: int
    budget: int
    portfolio: int  # index into the organisation's portfolios (by name)
    phase: int = 1  # the phase (order) the project should be in
    priority: int = Project.Priority.MEDIUM
    tags: tuple[Text, ...] = ()
    description: Text = ("", "")
    readers: tuple[str, ...] = field(default=())


SPECS = [
    Spec(1, ("ERP Replacement", "新一代智能手机研发"), "ipd", Project.Status.ACTIVE, -200, 480, 4_800_000, 1, phase=3,
         priority=Project.Priority.CRITICAL, tags=(("product", "产品"), ("hardware", "硬件")),
         description=("Replace the ageing ERP with an integrated suite, delivered as a product line.",
                      "面向中高端市场的新一代 5G 智能手机，按 IPD 流程开发。"),
         readers=(Role.MEMBER,)),
    Spec(2, ("Customer Portal", "供应链数字化"), "standard", Project.Status.ACTIVE, -160, 300, 1_200_000, 0, phase=2,
         priority=Project.Priority.HIGH, tags=(("digital", "数字化"), ("customer", "客户")),
         description=("Self-service portal for orders, invoices and support tickets.",
                      "打通采购、仓储与物流数据，实现供应链全程可视。")),
    Spec(3, ("Data Platform", "海外市场拓展"), "standard", Project.Status.PLANNING, 10, 300, 2_500_000, 0,
         tags=(("data", "数据"),),
         description=("A governed data platform for reporting and analytics.", "在东南亚三个国家建立销售与服务网络。"),
         readers=(Role.VIEWER,)),
    Spec(4, ("Mobile Field App", "云平台迁移"), "standard", Project.Status.ACTIVE, -30, 150, 800_000, 2,
         tags=(("mobile", "移动"),),
         description=("An offline-first app for field engineers.", "将核心业务系统迁移至私有云平台。")),
    Spec(5, ("Office Move", "客户服务中心升级"), "standard", Project.Status.ACTIVE, -200, 190, 600_000, 2,
         tags=(("facilities", "设施"),),
         description=("Move headquarters to the new campus without business interruption.",
                      "升级客户服务中心的呼叫、工单与知识库系统。")),
    Spec(6, ("Warehouse Automation", "智能工厂一期"), "ipd", Project.Status.ACTIVE, -420, 350, 2_000_000, 2,
         tags=(("operations", "运营"), ("automation", "自动化")),
         description=("Automated picking and sorting in the central warehouse.", "建设一条全自动 SMT 生产线。")),
    Spec(7, ("Legacy CRM Upgrade", "旧版 CRM 升级"), "standard", Project.Status.PLANNING, -20, 200, 450_000, 0,
         description=("Upgrade the old CRM; superseded by the customer portal.", "升级旧版 CRM，已被新平台取代。")),
    Spec(8, ("Sustainability Reporting", "ESG 报告平台"), "standard", Project.Status.PROPOSED, 45, 240, 350_000, 2,
         tags=(("esg", "ESG"),),
         description=("Collect and report the group's ESG figures.", "采集并发布集团的 ESG 数据。")),
    Spec(9, ("Partner API", "开放平台"), "ipd", Project.Status.ACTIVE, -90, 360, 1_500_000, 0, phase=2,
         tags=(("digital", "数字化"), ("api", "API")),
         description=("Public APIs for partners, with a developer portal.", "面向合作伙伴的开放接口与开发者门户。")),
]  # fmt: skip


def seed_demo(demo: Any) -> None:
    seeder = _Seeder(demo)
    seeder.run()


class _Seeder:
    def __init__(self, demo: Any) -> None:
        self.org = demo.organization
        self.users = demo.users
        self.t = demo.text
        self.prefix = "ACME" if self.org.slug == "acme" else "GX"
        self.today = services.organization_today(self.org)
        self.pmo = self.users[Role.PMO]
        self.manager = self.users[Role.MANAGER]
        self.executive = self.users[Role.EXECUTIVE]

    def run(self) -> None:
        self.templates = {
            t.kind: t for t in ProcessTemplate.objects.filter(organization=self.org, is_builtin=True)
        } or {t.kind: t for t in services.templates_install_builtin(organization=self.org)}
        portfolios = list(Portfolio.objects.filter(organization=self.org).order_by("name"))
        self.programmes = {p.portfolio_id: p for p in Programme.objects.filter(organization=self.org).order_by("name")}
        projects = {spec.number: self.project(spec, portfolios) for spec in SPECS}
        self.copied_template()

        p1, p2, p3, p4, p5, p6, p7, p8, p9 = (projects[n] for n in range(1, 10))
        # 1: IPD in Develop; TR3 was recycled once before its go; the plan was re-baselined.
        self.advance_to(p1, 3, recycle_code="TR3")
        self.slip(p1, 3, days=45)
        self.rebaseline(p1)
        # 2: standard in Planning; G2 is pending and due; a tailoring request waits for the PMO.
        self.advance_to(p2, 2)
        self.slip(p2, 3, days=12)
        self.tailor(p2, deliverables=[("Communication plan", "沟通计划")], approve=False)
        # 3: planning; an optional deliverable tailored out with the PMO's approval.
        self.tailor(p3, deliverables=[("Business case", "商业论证")], approve=True)
        # 4: on hold at its first gate.
        self.hold(p4, "G1")
        # 5 and 6: closed with approved closure reports; their lessons become knowledge articles.
        self.close(p5, final_cost=640_000, finish=-5, outcome=ClosureReport.Outcome.MET, satisfaction=5)
        self.tailor(p6, phases=[("Lifecycle", "生命周期")], approve=True)
        self.close(p6, final_cost=2_150_000, finish=-40, outcome=ClosureReport.Outcome.PARTLY, satisfaction=3)
        # 7: cancelled; 8: proposed (as created).
        self.cancel(p7)
        # 9: IPD in Plan.
        self.advance_to(p9, 2)
        # Dependencies: the portal's execution needs the ERP's development (in conflict: the ERP slipped); the
        # data platform's initiation needs the partner API's concept (in time).
        self.depend(
            p1,
            3,
            p2,
            3,
            self.t("Order interfaces go live with the new ERP modules.", "供应链系统上线依赖新机型物料编码。"),
            late=True,
        )
        self.depend(
            p9,
            1,
            p3,
            1,
            self.t("The data platform reuses the partner API's data model.", "海外渠道复用开放平台的数据模型。"),
        )
        self.backdate(p8)

    # --- building blocks ---------------------------------------------------------------------------------------

    def project(self, spec: Spec, portfolios: list[Portfolio]) -> Project:
        code = f"{self.prefix}-{spec.number:03d}"
        project = Project.objects.filter(organization=self.org, code=code).first()
        if project is None:
            start = self.today + dt.timedelta(days=spec.start)
            portfolio = portfolios[spec.portfolio % len(portfolios)] if portfolios else None
            project = services.project_create(
                organization=self.org,
                actor=self.pmo,
                code=code,
                name=self.t(*spec.name),
                description=self.t(*spec.description),
                template=self.templates.get(spec.kind),
                manager=self.manager,
                sponsor=self.executive,
                portfolio=portfolio,
                programme=self.programmes.get(portfolio.pk) if portfolio else None,
                planned_start=start,
                planned_finish=start + dt.timedelta(days=spec.days),
                budget_at_completion=Decimal(spec.budget),
                priority=spec.priority,
                tags=[self.t(*tag) for tag in spec.tags],
                status=spec.status,
            )
        for role in spec.readers:
            object_permissions_grant(
                organization=self.org, obj=project, user=self.users[role], codenames=[permissions.VIEW_CODENAME]
            )
        return project

    def refresh(self, project: Project) -> Project:
        return Project.objects.get(organization=self.org, pk=project.pk)

    def phase(self, project: Project, order: int) -> ProjectPhase:
        return ProjectPhase.objects.get(organization=self.org, project=project, order=order)

    def decide(self, gate: GateReview, decision: str, note: str = "", conditions: str = "") -> None:
        actor = self.executive if gate.decider == "executive" else self.pmo
        services.gate_decide(
            organization=self.org, actor=actor, gate=gate, decision=decision, note=note, conditions=conditions
        )

    def pass_phase(self, project: Project, recycle_code: str = "") -> None:
        phase = self.phase(project, self.refresh(project).current_phase.order)  # type: ignore[union-attr]
        for deliverable in ProjectDeliverable.objects.filter(
            organization=self.org, phase=phase, status=ProjectDeliverable.Status.PENDING
        ):
            services.deliverable_set_status(
                organization=self.org, actor=self.manager, deliverable=deliverable, status="done"
            )
        for gate in GateReview.objects.filter(organization=self.org, phase=phase).order_by("order"):
            if gate.code == recycle_code and not GateDecision.objects.filter(organization=self.org, gate=gate).exists():
                self.decide(
                    gate,
                    "recycle",
                    note=self.t(
                        "The overall design does not yet cover thermal limits; rework and review again.",
                        "总体设计尚未覆盖散热约束，需返工后重新评审。",
                    ),
                )
            if gate.decision != GateReview.Decision.GO:
                self.decide(
                    self.refresh_gate(gate),
                    "go",
                    conditions=self.t("Close the open review actions within two weeks.", "两周内关闭评审遗留问题。")
                    if gate.kind != "gate"
                    else "",
                )
        services.phase_advance(organization=self.org, actor=self.manager, project=project)

    def refresh_gate(self, gate: GateReview) -> GateReview:
        return GateReview.objects.get(organization=self.org, pk=gate.pk)

    def advance_to(self, project: Project, order: int, recycle_code: str = "") -> None:
        project = self.refresh(project)
        while (
            project.current_phase is not None
            and project.current_phase.order < order
            and project.status in (Project.Status.PLANNING, Project.Status.ACTIVE)
        ):
            self.pass_phase(project, recycle_code=recycle_code)
            project = self.refresh(project)
        self.backdate(project)

    def backdate(self, project: Project) -> None:
        """Give completed phases, their gate decisions and milestones plausible past dates: each phase ends on its
        milestone's baseline date (deterministic, so a second run changes nothing)."""
        project = self.refresh(project)
        start = dt.datetime.combine(project.planned_start or self.today, dt.time(9), tzinfo=dt.UTC)
        milestones = {
            m.phase_id: m for m in Milestone.objects.filter(organization=self.org, project=project).order_by("order")
        }
        previous_end = start
        for phase in ProjectPhase.objects.filter(organization=self.org, project=project).order_by("order"):
            milestone = milestones.get(phase.pk)
            date = milestone.baseline_date if milestone else None
            if phase.status == ProjectPhase.Status.COMPLETED and date and date < self.today:
                end = dt.datetime.combine(date, dt.time(17), tzinfo=dt.UTC)
                ProjectPhase.objects.filter(organization=self.org, pk=phase.pk).update(
                    started_at=previous_end, completed_at=end
                )
                GateReview.objects.filter(organization=self.org, phase=phase).exclude(decided_at=None).update(
                    decided_at=end - dt.timedelta(days=1)
                )
                GateDecision.objects.filter(organization=self.org, gate__phase=phase).update(
                    decided_at=end - dt.timedelta(days=1)
                )
                GateDecision.objects.filter(organization=self.org, gate__phase=phase, decision="recycle").update(
                    decided_at=end - dt.timedelta(days=12)
                )
                Milestone.objects.filter(organization=self.org, pk=milestone.pk, actual_date=None).update(  # type: ignore[union-attr]
                    actual_date=date, forecast_date=date
                )
                previous_end = end
            elif phase.status == ProjectPhase.Status.ACTIVE:
                ProjectPhase.objects.filter(organization=self.org, pk=phase.pk).update(started_at=previous_end)

    def slip(self, project: Project, phase_order: int, days: int) -> None:
        """Move the forecast of the milestone that ends phase ``phase_order`` (and the later ones) ``days`` later."""
        if project.is_read_only:
            return
        for milestone in Milestone.objects.filter(
            organization=self.org, project=project, phase__order__gte=phase_order, actual_date=None
        ):
            if milestone.forecast_date and milestone.forecast_date == milestone.baseline_date:
                services.milestone_update(
                    organization=self.org,
                    actor=self.manager,
                    milestone=milestone,
                    forecast_date=milestone.forecast_date + dt.timedelta(days=days),
                )

    def rebaseline(self, project: Project) -> None:
        """Baseline v2: the schedule change that accepted part of the slip, with more budget."""
        if Baseline.objects.filter(organization=self.org, project=project, version=2).exists():
            return
        milestones = list(Milestone.objects.filter(organization=self.org, project=project).order_by("order"))
        for milestone in milestones:
            if milestone.actual_date is None and milestone.baseline_date:
                milestone.baseline_date += dt.timedelta(days=14)
        previous = Baseline.objects.filter(organization=self.org, project=project, version=1).first()
        services.baseline_create(
            organization=self.org,
            actor=self.pmo,
            project=project,
            reason=self.t(
                "Supplier lead times for the main chipset grew from 8 to 14 weeks; two weeks accepted.",
                "主控芯片交期由 8 周延长至 14 周，批准顺延两周。",
            ),
            reason_category=Baseline.ReasonCategory.SCHEDULE,
            budget=(previous.budget if previous else project.budget_at_completion) + Decimal(250_000),
            finish_date=(previous.finish_date if previous and previous.finish_date else self.today)
            + dt.timedelta(days=14),
            milestones=milestones,
        )

    def tailor(
        self,
        project: Project,
        *,
        approve: bool,
        phases: Sequence[Text] = (),
        deliverables: Sequence[Text] = (),
    ) -> None:
        if TailoringRequest.objects.filter(organization=self.org, project=project).exists() or project.is_read_only:
            return
        phase_ids = list(
            ProjectPhase.objects.filter(
                organization=self.org, project=project, name__in=[self.t(*n) for n in phases]
            ).values_list("pk", flat=True)
        )
        deliverable_ids = list(
            ProjectDeliverable.objects.filter(
                organization=self.org, project=project, name__in=[self.t(*n) for n in deliverables]
            ).values_list("pk", flat=True)
        )
        request = services.tailoring_propose(
            organization=self.org,
            actor=self.manager,
            project=project,
            justification=self.t(
                "A small, well-understood scope: the sponsor agreed this item adds no value here.",
                "范围小且明确，发起人同意此项在本项目中不产生价值。",
            ),
            phase_ids=phase_ids,
            deliverable_ids=deliverable_ids,
        )
        if approve and request.status == TailoringRequest.Status.PENDING:
            services.tailoring_decide(
                organization=self.org,
                actor=self.pmo,
                tailoring=request,
                approve=True,
                note=self.t("Agreed.", "同意。"),
            )

    def hold(self, project: Project, code: str) -> None:
        gate = GateReview.objects.filter(organization=self.org, project=project, code=code).first()
        if gate is None or gate.decision == GateReview.Decision.HOLD or project.is_read_only:
            return
        self.decide(
            gate,
            "hold",
            note=self.t(
                "On hold until the field-service budget for next year is confirmed.",
                "暂停，待明年云资源预算确认后再评审。",
            ),
        )

    def cancel(self, project: Project) -> None:
        project = self.refresh(project)
        if project.is_read_only:
            return
        services.project_update(organization=self.org, actor=self.pmo, project=project, status="cancelled")

    def close(self, project: Project, *, final_cost: int, finish: int, outcome: str, satisfaction: int) -> None:
        project = self.refresh(project)
        if project.is_read_only:
            return
        last = ProjectPhase.objects.filter(organization=self.org, project=project).exclude(status="skipped").count()
        self.advance_to(project, last)
        project = self.refresh(project)
        report = services.closure_save_draft(
            organization=self.org,
            actor=self.manager,
            project=project,
            outcome=outcome,
            outcome_summary=self.t(
                "The objectives of the charter were delivered; see the performance evaluation for what fell short.",
                "项目章程中的目标已交付，未达预期之处见绩效评价。",
            ),
            final_cost=Decimal(final_cost),
            actual_start=project.planned_start,
            actual_finish=self.today + dt.timedelta(days=finish),
            customer_satisfaction=satisfaction,
            performance_evaluation=self.t(
                "Schedule held within a few weeks; cost ran over because of vendor change windows. The team and "
                "the sponsor worked well together.",
                "进度偏差控制在数周内；因供应商变更窗口导致成本超支。团队与发起人协作良好。",
            ),
            lessons=[
                {
                    "title": self.t(
                        f"{project.code}: agree acceptance criteria before execution starts",
                        f"{project.code}：执行前与客户书面确认验收标准",
                    ),
                    "text": self.t(
                        "Acceptance was argued over for three weeks at the end. Next time, sign the acceptance "
                        "criteria off at the planning gate.",
                        "项目收尾时验收标准争议持续三周。下次应在规划评审时签署验收标准。",
                    ),
                },
                {
                    "title": self.t(
                        f"{project.code}: hold a weekly risk review with vendors",
                        f"{project.code}：与供应商每周召开风险评审会",
                    ),
                    "text": self.t(
                        "Vendor risks surfaced late. A short weekly review with each vendor brings them up early.",
                        "供应商风险暴露较晚。与每家供应商每周简短评审可提早发现风险。",
                    ),
                },
            ],
        )
        report = services.closure_submit(organization=self.org, actor=self.manager, report=report)
        services.closure_approve(
            organization=self.org,
            actor=self.pmo,
            report=report,
            note=self.t("Well documented. Closed.", "材料完整，同意结项。"),
        )
        self.backdate(project)

    def depend(
        self,
        upstream_project: Project,
        up_phase: int,
        downstream_project: Project,
        down_phase: int,
        note: str,
        late: bool = False,
    ) -> None:
        """Link the milestones that end the two phases; ``late``: make sure the upstream forecast comes after the
        downstream one (the conflict the dependency page shows first)."""
        upstream = Milestone.objects.filter(
            organization=self.org, project=upstream_project, phase__order=up_phase
        ).first()
        downstream = Milestone.objects.filter(
            organization=self.org, project=downstream_project, phase__order=down_phase
        ).first()
        if upstream is None or downstream is None:
            return
        need = downstream.forecast_date
        if late and need and upstream.actual_date is None and (upstream.forecast_date or need) <= need:
            services.milestone_update(
                organization=self.org, actor=self.manager, milestone=upstream, forecast_date=need + dt.timedelta(days=9)
            )
        if Dependency.objects.filter(organization=self.org, upstream=upstream, downstream=downstream).exists():
            return
        services.dependency_create(
            organization=self.org,
            actor=self.pmo,
            upstream=upstream,
            downstream=downstream,
            note=note,
        )

    def copied_template(self) -> None:
        """An organisation's own template: a lighter copy of the standard lifecycle."""
        name = self.t("Small project lifecycle", "小型项目生命周期")
        if ProcessTemplate.objects.filter(organization=self.org, name=name).exists():
            return
        standard = self.templates.get("standard")
        if standard is None:
            return
        copy = services.template_copy(organization=self.org, actor=self.pmo, template=standard, name=name)
        services.template_update(
            organization=self.org,
            actor=self.pmo,
            template=copy,
            description=self.t(
                "The standard lifecycle for projects under 500,000: the planning phase may be tailored out and "
                "fewer documents are required.",
                "适用于 50 万以下项目的标准生命周期：规划阶段可裁剪，所需文档更少。",
            ),
        )
        planning = TemplatePhase.objects.filter(organization=self.org, template=copy, key="planning").first()
        if planning is not None:
            services.template_phase_update(organization=self.org, actor=self.pmo, phase=planning, optional=True)
            for deliverable in TemplateDeliverable.objects.filter(organization=self.org, phase=planning):
                services.template_deliverable_update(
                    organization=self.org, actor=self.pmo, deliverable=deliverable, required=False
                )
        execution = TemplatePhase.objects.filter(organization=self.org, template=copy, key="execution").first()
        if execution is not None:
            services.template_deliverable_create(
                organization=self.org,
                actor=self.pmo,
                template=copy,
                phase=execution,
                name=self.t("Sprint review notes", "迭代评审记录"),
                required=False,
            )
