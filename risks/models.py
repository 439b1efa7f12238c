"""The risk register and the issue log (RAID): risks scored on the organisation's probability × impact scale with
actions and escalation, issues (realised risks or new problems), assumptions, and the organisation's risk
settings (scale, level thresholds, review period)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.models import TenantModel


class EscalationLevel(models.TextChoices):
    """Who owns a risk or issue: the project, the PMO, or the executives."""

    PROJECT = "project", _("Project")
    PMO = "pmo", _("PMO")
    EXECUTIVE = "executive", _("Executive")


ESCALATION_ORDER = [EscalationLevel.PROJECT, EscalationLevel.PMO, EscalationLevel.EXECUTIVE]


@pghistory.track()
class RiskSettings(TenantModel):
    """One row per organisation (created on first use): the probability and impact scale (1–``scale``), the score
    from which a risk is medium or high, and how often a risk must be reviewed before it counts as stale."""

    scale = models.PositiveSmallIntegerField(_("scale (levels of probability and impact)"), default=5)
    medium_from = models.PositiveSmallIntegerField(_("medium from score"), default=5)
    high_from = models.PositiveSmallIntegerField(_("high from score"), default=12)
    review_period_days = models.PositiveSmallIntegerField(_("review period (days)"), default=30)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("risk settings")
        verbose_name_plural = _("risk settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="risk_settings_one_per_org"),
            models.CheckConstraint(condition=models.Q(scale__gte=3, scale__lte=5), name="risk_settings_scale"),
            models.CheckConstraint(
                condition=models.Q(medium_from__gte=1)
                & models.Q(high_from__gt=models.F("medium_from"))
                & models.Q(high_from__lte=models.F("scale") * models.F("scale")),
                name="risk_settings_thresholds",
            ),
            models.CheckConstraint(condition=models.Q(review_period_days__gte=1), name="risk_settings_review"),
        ]

    def __str__(self) -> str:
        return f"risk settings {self.organization_id}"


# The generated score is left out of the history: PostgreSQL computes it, an INSERT may not set it.
@pghistory.track(exclude=["score"])
class Risk(TenantModel):
    """A risk (风险), of a project or — without a project — of a portfolio. Numbered per organisation (R-001 …).
    Score = probability × impact (a generated column)."""

    class Category(models.TextChoices):
        TECHNICAL = "technical", _("Technical")
        SCHEDULE = "schedule", _("Schedule")
        COST = "cost", _("Cost")
        RESOURCE = "resource", _("Resource")
        SCOPE = "scope", _("Scope")
        QUALITY = "quality", _("Quality")
        EXTERNAL = "external", _("External")
        ORGANISATIONAL = "organisational", _("Organisational")
        COMPLIANCE = "compliance", pgettext_lazy("risk category", "Compliance")

    class Strategy(models.TextChoices):
        AVOID = "avoid", _("Avoid")
        MITIGATE = "mitigate", _("Mitigate")
        TRANSFER = "transfer", _("Transfer")
        ACCEPT = "accept", _("Accept")
        ESCALATE = "escalate", _("Escalate")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("risk", "Open")
        CLOSED = "closed", pgettext_lazy("risk", "Closed")
        OCCURRED = "occurred", _("Occurred (became an issue)")

    number = models.PositiveIntegerField(_("number"), editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="risks"
    )
    portfolio = models.ForeignKey(
        "portfolio.Portfolio", on_delete=models.CASCADE, null=True, blank=True, related_name="risks"
    )
    title = models.CharField(_("title"), max_length=200)
    cause = models.TextField(_("cause"), blank=True)
    event = models.TextField(_("event"), blank=True)
    effect = models.TextField(_("effect"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    probability = models.PositiveSmallIntegerField(_("probability"))
    impact = models.PositiveSmallIntegerField(_("impact"))
    score = models.GeneratedField(
        expression=models.F("probability") * models.F("impact"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("score"),
    )
    proximity = models.DateField(_("proximity"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    strategy = models.CharField(_("response strategy"), max_length=10, choices=Strategy.choices)
    response_plan = models.TextField(_("response plan"), blank=True)
    contingency = models.TextField(_("contingency"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    escalation_level = models.CharField(
        _("escalation level"), max_length=10, choices=EscalationLevel.choices, default=EscalationLevel.PROJECT
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_note = models.TextField(_("escalation note"), blank=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-score", "number"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="risk_number_per_org"),
            models.CheckConstraint(
                condition=models.Q(probability__gte=1, probability__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scale_range",
            ),
            models.CheckConstraint(
                condition=models.Q(project__isnull=False) | models.Q(portfolio__isnull=False),
                name="risk_has_project_or_portfolio",
            ),
            models.CheckConstraint(condition=models.Q(status__in=["open", "closed", "occurred"]), name="risk_status"),
            models.CheckConstraint(
                condition=models.Q(escalation_level__in=["project", "pmo", "executive"]), name="risk_escalation"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="risk_org_project_idx"),
            models.Index(fields=["organization", "portfolio", "status"], name="risk_org_portfolio_idx"),
            models.Index(fields=["organization", "escalation_level", "status"], name="risk_org_escalation_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"R-{self.number:03d}"


@pghistory.track()
class RiskAction(TenantModel):
    """A step of a risk's response, with an owner and a due date."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["risk_id", "due_date", "pk"]
        verbose_name = _("risk action")
        verbose_name_plural = _("risk actions")
        indexes = [models.Index(fields=["organization", "due_date"], name="risk_action_org_due_idx")]

    def __str__(self) -> str:
        return self.title


@pghistory.track()
class Issue(TenantModel):
    """An issue (问题): a realised risk (``risk`` keeps the link) or a new problem. Numbered per organisation
    (I-001 …)."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("risk", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", pgettext_lazy("risk", "Closed")

    number = models.PositiveIntegerField(_("number"), editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="issues"
    )
    portfolio = models.ForeignKey(
        "portfolio.Portfolio", on_delete=models.CASCADE, null=True, blank=True, related_name="issues"
    )
    risk = models.OneToOneField(
        Risk, on_delete=models.SET_NULL, null=True, blank=True, related_name="issue", verbose_name=_("from risk")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    escalation_level = models.CharField(
        _("escalation level"), max_length=10, choices=EscalationLevel.choices, default=EscalationLevel.PROJECT
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_note = models.TextField(_("escalation note"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="issue_number_per_org"),
            models.CheckConstraint(
                condition=models.Q(project__isnull=False) | models.Q(portfolio__isnull=False),
                name="issue_has_project_or_portfolio",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=["low", "medium", "high", "critical"]), name="issue_severity"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "in_progress", "resolved", "closed"]), name="issue_status"
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__in=["project", "pmo", "executive"]), name="issue_escalation"
            ),
        ]
        indexes = [models.Index(fields=["organization", "project", "status"], name="issue_org_project_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"I-{self.number:03d}"


@pghistory.track()
class Assumption(TenantModel):
    """An assumption a project's plan rests on (the A of RAID), to be validated by a date."""

    class Status(models.TextChoices):
        OPEN = "open", _("To validate")
        VALID = "valid", _("Confirmed")
        INVALID = "invalid", _("Proved wrong")

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assumptions")
    title = models.CharField(_("assumption"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    validate_by = models.DateField(_("validate by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["project_id", "validate_by", "pk"]
        verbose_name = _("assumption")
        verbose_name_plural = _("assumptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "valid", "invalid"]), name="assumption_status"
            ),
        ]

    def __str__(self) -> str:
        return self.title
