"""Portfolio management and intake: portfolios, programmes, strategic objectives, the scoring model, project
requests (立项申请) with their scores, and saved what-if selection scenarios."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.core.fields import money
from pmo.tenancy.models import TenantModel
from pmo.tenancy.permissions import TenantUserObjectPermission


@pghistory.track()
class Portfolio(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolios")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="portfolio_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name


class PortfolioUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Portfolio, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False


@pghistory.track()
class Programme(TenantModel):
    """A programme (项目集): related projects managed together, inside one portfolio."""

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("portfolio")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme manager"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="programme_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class StrategicObjective(TenantModel):
    """An organisational objective that requests and projects serve; its weight feeds strategic alignment."""

    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("strategic objective")
        verbose_name_plural = _("strategic objectives")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="objective_unique_code_per_org"),
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=100), name="objective_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@pghistory.track()
class ScoringCriterion(TenantModel):
    """One criterion of the organisation's intake scoring model, scored 1–5.

    ``higher_is_better=False`` marks criteria such as risk or cost, where a raw 5 is the worst: the weighted score
    uses ``6 - value`` for them, so that a higher total is always a better request.
    """

    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="criterion_unique_key_per_org"),
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=100), name="criterion_weight_range"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class ProjectRequest(TenantModel):
    """A request to start a project (立项申请): drafted by a sponsor, reviewed and scored by the PMO, decided."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DEFERRED = "deferred", _("Deferred")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.PositiveIntegerField(_("number"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    business_case = models.TextField(_("business case"), blank=True)
    objectives_text = models.TextField(_("project objectives"), blank=True)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sponsor")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("portfolio")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="requests", verbose_name=_("programme")
    )
    template = models.ForeignKey(
        "projects.ProcessTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("process template"),
    )
    proposed_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed manager"),
    )
    estimated_cost = money(_("estimated cost"), default=0)
    estimated_benefit = money(_("estimated benefit"), default=0)
    estimated_effort_hours = models.PositiveIntegerField(_("estimated effort (hours)"), default=0)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Weighted score 0–100 from the PMO's review, kept on the row so the pipeline ranks in SQL.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    feasibility_note = models.TextField(_("feasibility review"), blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("project"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("project request")
        verbose_name_plural = _("project requests")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="request_unique_number_per_org"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["draft", "submitted", "in_review", "approved", "rejected", "deferred", "withdrawn"]
                ),
                name="request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_cost__gte=0) & models.Q(estimated_benefit__gte=0),
                name="request_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="request_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "-score"], name="request_org_status_score_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"REQ-{self.number:04d}"


class RequestTransition(TenantModel):
    """One step of a request's workflow (submitted, scored, approved, deferred, withdrawn …): who moved it from which
    status to which, and why. Written by the intake services only, never updated: the request's decision history."""

    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=20, choices=ProjectRequest.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ProjectRequest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request history entry")
        verbose_name_plural = _("request history")
        indexes = [models.Index(fields=["organization", "request", "created_at"], name="request_transition_idx")]


class RequestObjective(TenantModel):
    """Which strategic objectives a request serves (an explicit table, so it carries ``organization_id``)."""

    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey(StrategicObjective, on_delete=models.CASCADE, related_name="request_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "request", "objective"], name="request_objective_unique")
        ]


@pghistory.track()
class RequestScore(TenantModel):
    """The PMO's 1–5 score of one request on one criterion."""

    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    note = models.CharField(_("note"), max_length=500, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "request", "criterion"], name="request_score_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5), name="request_score_range"),
        ]


class Scenario(TenantModel):
    """A saved what-if portfolio selection under a budget cap (and optionally an effort cap).

    The selection is computed once, when the scenario is saved, and stored in ``ScenarioItem`` rows, so that two
    scenarios can be compared later even after requests change.
    """

    class Method(models.TextChoices):
        EXACT = "exact", _("Exact optimum")
        ROUNDED = "rounded", _("Optimum over rounded costs")
        GREEDY = "greedy", _("Greedy by value per cost")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    budget_cap = money(_("budget cap"))
    capacity_cap_hours = models.PositiveIntegerField(_("capacity cap (hours)"), null=True, blank=True)
    include_active_projects = models.BooleanField(_("include active projects"), default=True)
    # How the selection was computed (portfolio.selection): an exact optimum, a dynamic programme over costs rounded
    # up to ``cost_unit``, or the greedy fallback for very large inputs.
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.EXACT, editable=False)
    cost_unit = money(_("cost unit"), default=0, editable=False)
    selected_cost = money(_("selected cost"), default=0, editable=False)
    selected_value = models.DecimalField(
        _("selected value"), max_digits=10, decimal_places=2, default=0, editable=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="scenario_unique_name_per_org"),
            models.CheckConstraint(condition=models.Q(budget_cap__gte=0), name="scenario_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ScenarioItem(TenantModel):
    """One candidate (a request or an active project) of a scenario: in or out, and why."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="items")
    request = models.ForeignKey(ProjectRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=250)
    cost = money()
    effort_hours = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    selected = models.BooleanField()
    # Why it is in or out: a code from portfolio.selection.Reason and the amount it refers to (money or hours), so
    # that the explanation renders in the reader's language; ``reason`` keeps the text in the organisation's language.
    reason_code = models.CharField(max_length=30, blank=True)
    reason_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=False) ^ models.Q(project__isnull=False),
                name="scenario_item_request_xor_project",
            ),
        ]
        indexes = [models.Index(fields=["organization", "scenario", "rank"], name="scenario_item_rank_idx")]
