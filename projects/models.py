"""Projects and their lifecycle: process templates (standard and IPD with TR/DCP gates), phases, deliverables,
gate reviews, tailoring, milestones, immutable baselines, cross-project dependencies and closure."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.core.fields import money
from pmo.tenancy.models import TenantModel
from pmo.tenancy.permissions import TenantUserObjectPermission


class GateKind(models.TextChoices):
    GATE = "gate", _("Gate review")
    TR = "tr", _("Technical review (TR)")
    DCP = "dcp", _("Decision checkpoint (DCP)")


class DeciderRole(models.TextChoices):
    """Who decides a gate: the PMO (generic gates, TRs with technical reviewers) or executives (DCPs)."""

    PMO = "pmo", _("PMO")
    EXECUTIVE = "executive", _("Executives")
    TECHNICAL = "technical", _("Technical reviewers")


# --- Process templates -----------------------------------------------------------------------------------------


@pghistory.track()
class ProcessTemplate(TenantModel):
    """A lifecycle: ordered phases, each with deliverables and gates. Each organisation gets the built-in standard
    and IPD templates (``is_builtin``) and may copy and edit them."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard lifecycle")
        IPD = "ipd", _("IPD (integrated product development)")
        CUSTOM = "custom", _("Custom")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(_("description"), blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-is_builtin", "name"]
        verbose_name = _("process template")
        verbose_name_plural = _("process templates")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="template_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name


class TemplatePhase(TenantModel):
    template = models.ForeignKey(ProcessTemplate, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    optional = models.BooleanField(_("optional"), default=False)

    class Meta:
        ordering = ["template_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "template", "order"], name="template_phase_unique_order"),
            models.UniqueConstraint(fields=["organization", "template", "key"], name="template_phase_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateDeliverable(TenantModel):
    phase = models.ForeignKey(TemplatePhase, on_delete=models.CASCADE, related_name="deliverables")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["phase_id", "order"]

    def __str__(self) -> str:
        return self.name


class TemplateGate(TenantModel):
    """A gate at the end of a phase (a phase may end in several, e.g. IPD's TR2, TR3 and PDCP)."""

    phase = models.ForeignKey(TemplatePhase, on_delete=models.CASCADE, related_name="gates")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=GateKind.choices, default=GateKind.GATE)
    decider = models.CharField(_("decided by"), max_length=20, choices=DeciderRole.choices, default=DeciderRole.PMO)

    class Meta:
        ordering = ["phase_id", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- Projects --------------------------------------------------------------------------------------------------


@pghistory.track()
class Project(TenantModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")
        CRITICAL = 4, _("Critical")

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    portfolio = models.ForeignKey(
        "portfolio.Portfolio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("portfolio"),
    )
    programme = models.ForeignKey(
        "portfolio.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("programme"),
    )
    template = models.ForeignKey(
        ProcessTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("process template"),
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sponsor"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    current_phase = models.ForeignKey(
        "projects.ProjectPhase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current phase"),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    budget_at_completion = money(_("budget at completion"), default=0)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("tags"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="project_unique_code_per_org"),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "planning", "active", "on_hold", "closed", "cancelled"]),
                name="project_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(budget_at_completion__gte=0), name="project_bac_not_negative"),
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="project_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="project_org_status_idx"),
            models.Index(fields=["organization", "portfolio"], name="project_org_portfolio_idx"),
            models.Index(fields=["organization", "manager"], name="project_org_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_read_only(self) -> bool:
        """A closed or cancelled project is archived: nothing of it may change any more."""
        return self.status in (self.Status.CLOSED, self.Status.CANCELLED)


class ProjectUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False


class ProjectObjective(TenantModel):
    """Which strategic objectives a project serves (explicit table, so it carries ``organization_id``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey("portfolio.StrategicObjective", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "objective"], name="project_objective_unique")
        ]


@pghistory.track()
class ProjectPhase(TenantModel):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        SKIPPED = "skipped", _("Skipped (tailored out)")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    optional = models.BooleanField(_("optional"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What was still open when the phase was passed (only a supportive PMO lets that happen), as
    # [{"kind": "gate", "code": …, "name": …, "state": …} | {"kind": "deliverable", "name": …, "state": …}].
    exit_warnings = models.JSONField(_("open items when passed"), default=list, blank=True)

    class Meta:
        ordering = ["project_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "order"], name="project_phase_unique_order"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class ProjectDeliverable(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        WAIVED = "waived", _("Waived")
        TAILORED_OUT = "tailored_out", _("Tailored out")

    phase = models.ForeignKey(ProjectPhase, on_delete=models.CASCADE, related_name="deliverables")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("note or waiver reason"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["phase_id", "order"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="waived") | ~models.Q(note=""), name="deliverable_waiver_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class GateReview(TenantModel):
    """A gate of a project's phase and its decision (go / no-go / recycle / hold), with the checklist as it was
    when decided."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        GO = "go", _("Go")
        NO_GO = "no_go", _("No-go")
        RECYCLE = "recycle", _("Recycle")
        HOLD = "hold", _("Hold")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gates")
    phase = models.ForeignKey(ProjectPhase, on_delete=models.CASCADE, related_name="gates")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=GateKind.choices, default=GateKind.GATE)
    decider = models.CharField(_("decided by"), max_length=20, choices=DeciderRole.choices, default=DeciderRole.PMO)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    conditions = models.TextField(_("conditions"), blank=True)
    note = models.TextField(_("note"), blank=True)
    checklist = models.JSONField(_("checklist at decision"), default=list, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "phase__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "code"], name="gate_unique_code_per_project"),
        ]
        indexes = [models.Index(fields=["organization", "decision", "planned_date"], name="gate_org_decision_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GateDecision(TenantModel):
    """Every decision taken at a gate, oldest first. The gate row holds the decision in force; a recycle sends the
    gate back to pending, and this log keeps it (who, when, why, and the checklist as it was)."""

    gate = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="decisions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=GateReview.Decision.choices)
    conditions = models.TextField(_("conditions"), blank=True)
    note = models.TextField(_("note"), blank=True)
    checklist = models.JSONField(_("checklist at decision"), default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["gate_id", "decided_at", "id"]
        indexes = [models.Index(fields=["organization", "project", "gate"], name="gate_decision_org_gate_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=["go", "no_go", "recycle", "hold"]), name="gate_decision_valid"
            ),
        ]


@pghistory.track()
class TailoringRequest(TenantModel):
    """A manager's proposal to drop optional deliverables or phases, with a justification. In a controlling or
    directive organisation the PMO approves it; in a supportive one it is recorded and applied at once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending PMO approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RECORDED = "recorded", _("Recorded")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tailoring_requests")
    justification = models.TextField(_("justification"))
    phases = ArrayField(models.BigIntegerField(), default=list, blank=True)
    deliverables = ArrayField(models.BigIntegerField(), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-proposed_at"]


@pghistory.track()
class Milestone(TenantModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    phase = models.ForeignKey(ProjectPhase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    forecast_date = models.DateField(_("forecast date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        ordering = ["project_id", "order", "baseline_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "name"], name="milestone_unique_name"),
        ]
        indexes = [models.Index(fields=["organization", "forecast_date"], name="milestone_org_forecast_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def slip_days(self) -> int:
        """Days the forecast (or actual) date lies after the baseline date; 0 when on time or unknown."""
        reference = self.actual_date or self.forecast_date
        if not reference or not self.baseline_date:
            return 0
        return max(0, (reference - self.baseline_date).days)


@pgtrigger.register(
    pgtrigger.Protect(name="baseline_immutable", operation=pgtrigger.Update),
)
class Baseline(TenantModel):
    """An immutable version of a project's plan: budget, dates, milestone dates, scope and quality targets, why it
    was set and who approved it. v1 is set at approval; change requests add v2, v3 … Never updated in place (a
    database trigger refuses UPDATE)."""

    class ReasonCategory(models.TextChoices):
        INITIAL = "initial", _("Initial baseline")
        SCOPE = "scope", _("Scope change")
        SCHEDULE = "schedule", _("Schedule change")
        COST = "cost", _("Cost change")
        QUALITY = "quality", _("Quality change")
        RESOURCE = "resource", _("Resource change")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    version = models.PositiveIntegerField(_("version"))
    budget = money(_("budget"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    finish_date = models.DateField(_("finish"), null=True, blank=True)
    # [{"milestone": id, "name": str, "date": "YYYY-MM-DD"}], as approved.
    milestone_dates = models.JSONField(_("milestone dates"), default=list, blank=True)
    scope_statement = models.TextField(_("scope statement"), blank=True)
    quality_targets = models.TextField(_("quality targets"), blank=True)
    reason = models.TextField(_("reason"))
    reason_category = models.CharField(
        _("reason category"), max_length=20, choices=ReasonCategory.choices, default=ReasonCategory.INITIAL
    )
    # Set by change control (next issue); a plain id keeps this table free of a dependency on it.
    change_request_id = models.BigIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "version"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "version"], name="baseline_unique_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="baseline_version_positive"),
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="baseline_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


@pghistory.track()
class Dependency(TenantModel):
    """A milestone of one project needs a milestone of another (finish-to-start). When the upstream forecast is
    later than the downstream need date, both projects show the conflict."""

    upstream = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="dependents")
    downstream = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="dependencies")
    upstream_project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", editable=False)
    downstream_project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "upstream", "downstream"], name="dependency_unique"),
            models.CheckConstraint(
                condition=~models.Q(upstream_project=models.F("downstream_project")),
                name="dependency_across_projects",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "upstream_project"], name="dependency_org_up_idx"),
            models.Index(fields=["organization", "downstream_project"], name="dependency_org_down_idx"),
        ]


@pghistory.track()
class ClosureReport(TenantModel):
    """How the project ended, against what it set out to do; approved by the PMO, after which the project is closed
    and read-only."""

    class Outcome(models.TextChoices):
        MET = "met", _("Objectives met")
        PARTLY = "partly", _("Objectives partly met")
        NOT_MET = "not_met", _("Objectives not met")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="closure_reports")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    outcome_summary = models.TextField(_("outcome against objectives"))
    final_cost = money(_("final cost"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"))
    customer_satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    performance_evaluation = models.TextField(_("performance evaluation"), blank=True)
    # [{"title": …, "text": …}]: each becomes a knowledge-base article (kind "lesson") when the PMO approves.
    lessons = models.JSONField(_("lessons learned"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("closure report")
        verbose_name_plural = _("closure reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "project"], name="closure_one_per_project"),
            models.CheckConstraint(
                condition=models.Q(customer_satisfaction__gte=1, customer_satisfaction__lte=5),
                name="closure_satisfaction_range",
            ),
            models.CheckConstraint(condition=models.Q(final_cost__gte=0), name="closure_cost_not_negative"),
        ]
