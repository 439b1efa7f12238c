"""Projects and their lifecycle: process templates (standard and IPD with TR/DCP gates), phases, deliverables,
gate reviews, tailoring, milestones, immutable baselines, cross-project dependencies and closure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    # Set only by baselines (``baseline_create`` with ``phases``), like a milestone's baseline date.
    baseline_start = models.DateField(_("baseline start"), null=True, blank=True)
    baseline_finish = models.DateField(_("baseline finish"), null=True, blank=True)
    # Where the phase came from in an imported plan (e.g. a Microsoft Project task, see projects.msproject).
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    class Meta:
        ordering = ["project_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "order"], name="project_phase_unique_order"),
            models.UniqueConstraint(
                fields=["organization", "project", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="project_phase_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="project_phase_dates_ordered",
            ),
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
    # Where the milestone came from in an imported plan (e.g. a Microsoft Project task, see projects.msproject).
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    class Meta:
        ordering = ["project_id", "order", "baseline_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "name"], name="milestone_unique_name"),
            models.UniqueConstraint(
                fields=["organization", "project", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="milestone_unique_external_ref",
            ),
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
    # [{"phase": id, "name": str, "start": "YYYY-MM-DD", "finish": "YYYY-MM-DD"}], as approved (empty when the
    # plan had no phase dates).
    phase_dates = models.JSONField(_("phase dates"), default=list, blank=True)
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


# --- Monitoring and change control: weekly status, earned value, change requests ---------------------------------


class Rag(models.TextChoices):
    """Red / amber / green, best first; ``RAG_RANK`` orders them."""

    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


RAG_RANK = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
RAG_VALUES = [value for value, _label in Rag.choices]


@pghistory.track()
class ControlPolicy(TenantModel):
    """The organisation's rules of monitoring and change control, one row per organisation (created on first use):
    when weekly status is due, the thresholds of the computed (suggested) RAG, and when a change request needs an
    executive's approval besides the PMO's."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    status_due_weekday = models.PositiveSmallIntegerField(
        _("status due on"), choices=Weekday.choices, default=Weekday.FRIDAY
    )
    status_due_time = models.TimeField(_("status due at"), default=dt.time(18, 0))
    spi_amber_below = models.DecimalField(_("SPI amber below"), max_digits=4, decimal_places=2, default=Decimal("0.95"))
    spi_red_below = models.DecimalField(_("SPI red below"), max_digits=4, decimal_places=2, default=Decimal("0.85"))
    cpi_amber_below = models.DecimalField(_("CPI amber below"), max_digits=4, decimal_places=2, default=Decimal("0.95"))
    cpi_red_below = models.DecimalField(_("CPI red below"), max_digits=4, decimal_places=2, default=Decimal("0.85"))
    slip_amber_days = models.PositiveSmallIntegerField(_("milestone slip amber from (days)"), default=5)
    slip_red_days = models.PositiveSmallIntegerField(_("milestone slip red from (days)"), default=20)
    escalations_amber = models.PositiveSmallIntegerField(_("open escalations amber from"), default=1)
    escalations_red = models.PositiveSmallIntegerField(_("open escalations red from"), default=3)
    # A change request whose cost delta exceeds this share of the BAC, or whose finish delta exceeds these days,
    # needs an executive's approval (see projects.changes.services.approvals_required).
    cr_executive_cost_share = models.DecimalField(
        _("executive approval above this share of BAC"), max_digits=5, decimal_places=4, default=Decimal("0.1000")
    )
    cr_executive_finish_days = models.PositiveSmallIntegerField(
        _("executive approval above this finish delay (days)"), default=30
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("control policy")
        verbose_name_plural = _("control policies")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="control_policy_one_per_org"),
            models.CheckConstraint(condition=models.Q(status_due_weekday__lte=6), name="control_policy_weekday"),
            models.CheckConstraint(
                condition=models.Q(spi_red_below__lte=models.F("spi_amber_below"))
                & models.Q(cpi_red_below__lte=models.F("cpi_amber_below"))
                & models.Q(slip_red_days__gte=models.F("slip_amber_days"))
                & models.Q(escalations_red__gte=models.F("escalations_amber")),
                name="control_policy_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(cr_executive_cost_share__gte=0), name="control_policy_share_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"control policy {self.organization_id}"


class StatusContent(models.Model):
    """The fields a manager reports each week; shared by the working copy (``StatusReport``) and each frozen,
    submitted revision (``StatusRevision``)."""

    rag_overall = models.CharField(_("overall"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_schedule = models.CharField(_("schedule"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_cost = models.CharField(_("cost"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_scope = models.CharField(_("scope"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_quality = models.CharField(_("quality"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_resources = models.CharField(_("resources"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    rag_risk = models.CharField(_("risk"), max_length=5, choices=Rag.choices, default=Rag.GREEN)
    # Why the manager's overall RAG is better than the suggested one (required then).
    rag_justification = models.TextField(_("why better than suggested"), blank=True)
    percent_complete = models.DecimalField(
        _("percent complete"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    actual_cost = money(_("actual cost to date"), default=0)
    forecast_finish = models.DateField(_("forecast finish"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    accomplishments = models.TextField(_("accomplishments"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # [{"title": str, "detail": str, "decision_needed": bool, "decision_from": str, "resolved": bool}]
    escalations = models.JSONField(_("escalations"), default=list, blank=True)

    class Meta:
        abstract = True


class EvmFigures(models.Model):
    """Earned-value figures frozen when a report is submitted (see projects.evm for the rules), so trends do not
    move when the baseline later changes. Ratios are NULL where undefined (division by zero)."""

    baseline_version = models.PositiveIntegerField(_("baseline version"), null=True, blank=True)
    bac = money(_("BAC"), null=True, blank=True)
    pv = money(_("PV"), null=True, blank=True)
    ev = money(_("EV"), null=True, blank=True)
    ac = money(_("AC"), null=True, blank=True)
    sv = money(_("SV"), null=True, blank=True)
    cv = money(_("CV"), null=True, blank=True)
    spi = models.DecimalField(_("SPI"), max_digits=8, decimal_places=4, null=True, blank=True)
    cpi = models.DecimalField(_("CPI"), max_digits=8, decimal_places=4, null=True, blank=True)
    eac = money(_("EAC"), null=True, blank=True)
    etc = money(_("ETC"), null=True, blank=True)
    vac = money(_("VAC"), null=True, blank=True)
    tcpi = models.DecimalField(_("TCPI"), max_digits=8, decimal_places=4, null=True, blank=True)
    suggested_rag = models.CharField(_("suggested RAG"), max_length=5, choices=Rag.choices, blank=True)
    # [{"factor": "spi"|"cpi"|"slip"|"escalations", "value": …, "rag": …}]: why the suggestion is what it is.
    suggested_reasons = models.JSONField(_("reasons of the suggestion"), default=list, blank=True)

    class Meta:
        abstract = True


# Field names of the two abstract parts: what a submission copies into its revision.
STATUS_CONTENT_FIELDS: tuple[str, ...] = tuple(f.name for f in StatusContent._meta.local_fields)
EVM_FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in EvmFigures._meta.local_fields)


@pghistory.track()
class StatusReport(TenantModel, StatusContent, EvmFigures):
    """A project's weekly status (周报) for one ISO week, unique per project and week. Editable only as a draft or
    after the PMO returned it; each submission freezes an immutable ``StatusRevision`` (amendments add revisions,
    the history stays). The EVM and suggested-RAG fields hold the figures of the latest submission."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    # Monday of the ISO week (organisation time zone); the API shows it as "2026-W47".
    week_start = models.DateField(_("week"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    due_at = models.DateTimeField(_("due at"))
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["project_id", "-week_start"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "week_start"], name="status_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(state__in=["draft", "submitted", "returned", "accepted"]),
                name="status_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(percent_complete__gte=0, percent_complete__lte=100),
                name="status_percent_range",
            ),
            models.CheckConstraint(condition=models.Q(actual_cost__gte=0), name="status_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(revision__gte=1), name="status_submitted_has_revision"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "week_start", "state"], name="status_org_week_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.week_label}"

    @property
    def week_label(self) -> str:
        iso = self.week_start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    @property
    def is_late(self) -> bool:
        """First submitted after the due time, or not submitted and already past it."""
        reference = self.first_submitted_at or timezone.now()
        return reference > self.due_at


@pgtrigger.register(
    pgtrigger.Protect(name="status_revision_immutable", operation=pgtrigger.Update),
)
class StatusRevision(TenantModel, StatusContent, EvmFigures):
    """One submission of a status report, frozen (a database trigger refuses UPDATE)."""

    report = models.ForeignKey(StatusReport, on_delete=models.CASCADE, related_name="revisions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(_("revision"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        ordering = ["report_id", "number"]
        verbose_name = _("status revision")
        verbose_name_plural = _("status revisions")
        constraints = [
            models.UniqueConstraint(fields=["organization", "report", "number"], name="status_revision_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="status_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} r{self.number}"


class ChangeType(models.TextChoices):
    SCOPE = "scope", _("Scope")
    SCHEDULE = "schedule", _("Schedule")
    COST = "cost", _("Cost")
    QUALITY = "quality", _("Quality")
    RESOURCE = "resource", _("Resource")


class ApproverRole(models.TextChoices):
    """A step of a change request's approval: the PMO's, then (where the policy asks for it) an executive's."""

    PMO = "pmo", _("PMO")
    EXECUTIVE = "executive", _("Executive")


@pghistory.track()
class ChangeRequest(TenantModel):
    """A change request (变更申请), numbered per project (CR-001 …). Draft → submitted → assessed by the PMO →
    approved / rejected, or withdrawn before a decision. Approval, once every required approver has signed,
    creates the project's next baseline version in the same transaction."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ASSESSED = "assessed", _("Assessed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    number = models.PositiveIntegerField(_("number"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    change_type = models.CharField(_("type"), max_length=10, choices=ChangeType.choices)
    description = models.TextField(_("description"))
    justification = models.TextField(_("justification"))
    cost_delta = money(_("cost delta"), default=0)
    finish_delta_days = models.IntegerField(_("finish-date delta (days)"), default=0)
    scope_impact = models.TextField(_("scope impact"), blank=True)
    risk_impact = models.TextField(_("risk impact"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    # Who must approve, fixed at assessment from the PMO type and thresholds, in order: ["pmo"] or
    # ["pmo", "executive"]; each signature is a ChangeApproval row.
    approvals_required = ArrayField(
        models.CharField(max_length=10, choices=ApproverRole.choices), default=list, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    baseline = models.OneToOneField(
        Baseline, on_delete=models.PROTECT, null=True, blank=True, related_name="change_request", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["project_id", "number"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "number"], name="change_request_number"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted", "assessed", "approved", "rejected", "withdrawn"]),
                name="change_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(change_type__in=["scope", "schedule", "cost", "quality", "resource"]),
                name="change_request_type_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(baseline__isnull=False),
                name="change_request_approved_has_baseline",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="change_request_org_status_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"CR-{self.number:03d}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SUBMITTED, self.Status.ASSESSED)


class ChangeApproval(TenantModel):
    """One approver's signature (or refusal) on a change request, for one required step."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(_("step"), max_length=10, choices=ApproverRole.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["change_request_id", "decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "change_request", "step"], name="change_approval_step"),
        ]

    def __str__(self) -> str:
        return f"{self.change_request_id} {self.step} {self.decision}"


class PlanImport(TenantModel):
    """A project plan uploaded from Microsoft Project (see ``projects.msproject``), kept between its preview and
    its confirmation: the parsed file, not the upload, and once imported who imported it and what changed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Imported")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plan_imports")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    # projects.msproject.parser.MspProject.to_json()
    plan = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    # What the import did: {"phases_created": n, "phases_updated": n, "milestones_created": n, …}.
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("plan import")
        verbose_name_plural = _("plan imports")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["previewed", "applied"]), name="plan_import_status"),
            models.CheckConstraint(
                condition=models.Q(status="previewed") | models.Q(applied_at__isnull=False),
                name="plan_import_applied_has_time",
            ),
        ]
        indexes = [models.Index(fields=["organization", "project", "created_at"], name="plan_import_org_project_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.file_name}"
