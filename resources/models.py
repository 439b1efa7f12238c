"""People across projects: departments, skills, the organisation's working calendar and time off, allocations,
staffing requirements and weekly timesheets. Weeks are ISO weeks stored as their Monday (organisation time zone)."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.core.fields import hours, money
from pmo.tenancy.models import TenantModel


class Department(TenantModel):
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Skill(TenantModel):
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="skill_unique_name")]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Person(TenantModel):
    """Someone whose time the PMO plans, optionally a user of this organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("department")
    )
    job_role = models.CharField(_("job role"), max_length=120, blank=True)
    cost_rate = money(_("cost rate per hour"), default=0)
    weekly_capacity = hours(
        _("capacity (hours per week)"),
        default=Decimal(40),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(168))],
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["full_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], condition=models.Q(user__isnull=False), name="person_unique_user"
            ),
            models.CheckConstraint(condition=models.Q(cost_rate__gte=0), name="person_cost_rate_not_negative"),
            models.CheckConstraint(
                condition=models.Q(weekly_capacity__gte=0, weekly_capacity__lte=168), name="person_capacity_range"
            ),
        ]
        indexes = [models.Index(fields=["organization", "department"], name="person_org_department_idx")]

    def __str__(self) -> str:
        return self.full_name


class PersonSkill(TenantModel):
    class Level(models.IntegerChoices):
        BASIC = 1, _("Basic")
        WORKING = 2, _("Working")
        PROFICIENT = 3, _("Proficient")
        ADVANCED = 4, _("Advanced")
        EXPERT = 5, _("Expert")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.WORKING)

    class Meta:
        ordering = ["person_id", "skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "person", "skill"], name="person_skill_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="person_skill_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.skill_id}={self.level}"


@pghistory.track()
class CalendarDay(TenantModel):
    """An exception to the organisation's Monday–Friday working week: a public holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKING = "working", _("Make-up working day")

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="calendar_day_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=["holiday", "working"]), name="calendar_day_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


@pghistory.track()
class TimeOff(TenantModel):
    """A person's leave, whole working days from ``start`` to ``end`` inclusive."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["person_id", "start"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="time_off_dates_ordered"),
        ]
        indexes = [models.Index(fields=["organization", "person", "start"], name="time_off_org_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.start}–{self.end}"


@pghistory.track()
class Allocation(TenantModel):
    """Hours per week a person is planned on a project, from the ISO week ``start_week`` to ``end_week`` (both
    Mondays, inclusive). A person has at most one allocation per project and week (the services refuse overlaps),
    so sums never double count."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="allocations")
    role = models.CharField(_("role"), max_length=120, blank=True)
    start_week = models.DateField(_("from week"))
    end_week = models.DateField(_("to week"))
    hours_per_week = hours(_("hours per week"), validators=[MinValueValidator(Decimal("0.5"))])
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["person_id", "start_week"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_week__gte=models.F("start_week")), name="allocation_weeks_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_week__gt=0, hours_per_week__lte=168), name="allocation_hours_range"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "person", "start_week"], name="allocation_org_person_idx"),
            models.Index(fields=["organization", "project", "start_week"], name="allocation_org_project_idx"),
            # The capacity grid's weeks (allocations ending in or after a window, read from the index alone).
            models.Index(
                fields=["organization", "end_week"],
                include=["start_week", "person", "hours_per_week"],
                name="allocation_org_end_week_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.project_id} {self.hours_per_week}h"


@pghistory.track()
class StaffingRequirement(TenantModel):
    """What a project needs: a role and/or a skill, for weeks ``start_week``–``end_week``, hours per week."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="staffing_requirements")
    role = models.CharField(_("role"), max_length=120, blank=True)
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="requirements", verbose_name=_("skill")
    )
    start_week = models.DateField(_("from week"))
    end_week = models.DateField(_("to week"))
    hours_per_week = hours(_("hours per week"), validators=[MinValueValidator(Decimal("0.5"))])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["project_id", "start_week"]
        verbose_name = _("staffing requirement")
        verbose_name_plural = _("staffing requirements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_week__gte=models.F("start_week")), name="requirement_weeks_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_week__gt=0, hours_per_week__lte=10000), name="requirement_hours_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(skill__isnull=False), name="requirement_role_or_skill"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.role or self.skill_id}"


@pghistory.track()
class Timesheet(TenantModel):
    """A person's actual hours of one ISO week, one row per project (``TimesheetEntry``). Draft → submitted →
    approved, or returned and resubmitted; approved hours × the person's cost rate are actual cost."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="timesheets")
    week_start = models.DateField(_("week"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The cost rate when approved, so later rate changes do not rewrite actual cost.
    cost_rate = money(_("cost rate per hour"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["person_id", "-week_start"]
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        constraints = [
            models.UniqueConstraint(fields=["organization", "person", "week_start"], name="timesheet_one_per_week"),
            models.CheckConstraint(
                condition=models.Q(state__in=["draft", "submitted", "approved", "returned"]), name="timesheet_state"
            ),
        ]
        indexes = [models.Index(fields=["organization", "week_start", "state"], name="timesheet_org_week_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.week_start}"


class TimesheetEntry(TenantModel):
    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="timesheet_entries")
    hours = hours(_("hours"), validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(168))])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["timesheet_id", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "timesheet", "project"], name="timesheet_entry_unique"),
            models.CheckConstraint(condition=models.Q(hours__gte=0, hours__lte=168), name="timesheet_entry_hours"),
        ]
        indexes = [models.Index(fields=["organization", "project"], name="ts_entry_org_project_idx")]

    def __str__(self) -> str:
        return f"{self.timesheet_id} {self.project_id} {self.hours}h"
