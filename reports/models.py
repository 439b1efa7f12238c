"""Watching and telling: alert rules over the metric registry and the alerts they open, notifications (in-app inbox,
e-mail, webhooks), reminder policy, and the PDF report packs with their schedules and subscriptions.

Every table is a tenant table (``organization_id`` + RLS). Database constraints carry the invariants that background
work relies on: one open alert per rule and subject, one notification per recipient and de-duplication key, one
webhook delivery per webhook and event, one stored report per (organisation, kind, period, project).
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.models import TenantModel

# --- Alerts -------------------------------------------------------------------------------------------------------


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"


class SubjectType(models.TextChoices):
    PROJECT = "project", _("Project")
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organisation")


@pghistory.track()
class AlertRule(TenantModel):
    """A threshold on one metric of the registry (``reports.metrics``): alert when ``value <operator> threshold``.

    Scope narrows the subjects to one portfolio's or one project's (project metrics only). ``notify_roles`` names the
    organisation roles told when an alert opens; ``notify_owner`` adds the subject's own person (the project's
    manager, or the person whose metric it is). Rules installed with the organisation carry a ``default_key``.
    """

    class Scope(models.TextChoices):
        ALL = "all", _("Whole organisation")
        PORTFOLIO = "portfolio", _("One portfolio")
        PROJECT = "project", _("One project")

    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=40)
    operator = models.CharField(_("operator"), max_length=3, choices=Operator.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    scope = models.CharField(
        pgettext_lazy("alert rule", "scope"), max_length=10, choices=Scope.choices, default=Scope.ALL
    )
    portfolio = models.ForeignKey(
        "portfolio.Portfolio", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    notify_roles = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("notify roles"))
    notify_owner = models.BooleanField(_("notify the subject's owner"), default=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    default_key = models.CharField(max_length=40, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["metric", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="all", portfolio__isnull=True, project__isnull=True)
                    | models.Q(scope="portfolio", portfolio__isnull=False, project__isnull=True)
                    | models.Q(scope="project", portfolio__isnull=True, project__isnull=False)
                ),
                name="alert_rule_scope_matches_target",
            ),
            models.UniqueConstraint(
                fields=["organization", "default_key"],
                condition=~models.Q(default_key=""),
                name="alert_rule_default_once",
            ),
        ]
        indexes = [models.Index(fields=["organization", "enabled", "metric"], name="alert_rule_org_enabled")]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Alert(TenantModel):
    """One rule breached by one subject. Open (or acknowledged) alerts are unique per rule and subject, enforced by
    a partial unique index; a recovered metric resolves the alert, which then stays as history."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("alert", "Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    metric = models.CharField(_("metric"), max_length=40)
    subject_type = models.CharField(_("subject"), max_length=12, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    person = models.ForeignKey("resources.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    last_evaluated_at = models.DateTimeField(_("last checked"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledgement_note = models.TextField(_("note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_value = models.DecimalField(
        _("value when resolved"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "subject_type", "subject_id"],
                condition=~models.Q(state="resolved"),
                name="alert_one_open_per_rule_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(state="resolved", resolved_at__isnull=False)
                | models.Q(~models.Q(state="resolved"), resolved_at__isnull=True),
                name="alert_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "state", "-opened_at"], name="alert_org_state_opened"),
            models.Index(fields=["organization", "project", "state"], name="alert_org_project_state"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.subject_type}:{self.subject_id}"


class AlertScan(TenantModel):
    """One run of the alert scan over an organisation: when, how long, and what it changed."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    rules = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    still_open = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=10, default="beat")  # beat | manual
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organization", "-started_at"], name="alert_scan_org_started")]


# --- Notifications ------------------------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    ALERT = "alert", _("Alerts")
    STATUS_REMINDER = "status_reminder", _("Status report reminders")
    STATUS_OVERDUE = "status_overdue", _("Overdue status reports")
    TIMESHEET_REMINDER = "timesheet_reminder", _("Timesheet reminders")
    TIMESHEET_OVERDUE = "timesheet_overdue", _("Overdue timesheets")
    REPORT_READY = "report_ready", _("Report packs")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("Off")


class Notification(TenantModel):
    """One message to one user. ``params`` holds what the message is about (names, values, links) so its text is
    rendered in the reader's language; ``dedup_key`` makes creating it idempotent. The e-mail side follows the
    recipient's preference for the kind: sent at once, held for the daily digest, or skipped."""

    class EmailState(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DIGEST = "digest", _("Waiting for the digest")
        SKIPPED = "skipped", _("Not e-mailed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    report = models.ForeignKey(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    dedup_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "recipient", "dedup_key"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "read_at", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["organization", "email_state"],
                condition=models.Q(email_state__in=["pending", "digest"]),
                name="notification_email_due",
            ),
        ]


@pghistory.track()
class NotificationPreference(TenantModel):
    """How a user wants one kind of notification by e-mail (the in-app inbox always has it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "kind"], name="notification_preference_once"),
        ]


# Delivery bookkeeping (last success or failure) changes with every send: the history keeps configuration only.
@pghistory.track(exclude=["secret", "last_success_at", "last_failure_at", "consecutive_failures"])
class Webhook(TenantModel):
    """An outgoing webhook: events of the chosen kinds are POSTed as JSON in the chosen format, signed with
    HMAC-SHA256 over the body with ``secret`` (header ``X-PMO-Signature: sha256=<hex>``)."""

    class Format(models.TextChoices):
        GENERIC = "generic", _("Generic JSON")
        DINGTALK = "dingtalk", _("DingTalk robot")
        WECOM = "wecom", _("WeCom robot")
        SLACK = "slack", _("Slack incoming webhook")

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.GENERIC)
    secret = models.CharField(max_length=64, editable=False)
    kinds = ArrayField(
        models.CharField(max_length=30, choices=NotificationKind.choices),
        default=list,
        blank=True,
        verbose_name=_("kinds (empty: all)"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(TenantModel):
    """One event sent to one webhook, with every attempt's outcome; unique per webhook and event id."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "webhook", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["organization", "webhook", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["organization", "state", "next_attempt_at"],
                condition=models.Q(state__in=["pending", "retrying"]),
                name="webhook_delivery_due",
            ),
        ]


@pghistory.track()
class ReminderPolicy(TenantModel):
    """One row per organisation: when managers are reminded of a missing status report (hours before the due time of
    ``projects.ControlPolicy``) and when an overdue one escalates to the PMO; the same for weekly timesheets; and the
    local hour at which daily digests go out."""

    enabled = models.BooleanField(_("reminders enabled"), default=True)
    status_lead_hours = models.PositiveSmallIntegerField(_("status reminder (hours before due)"), default=24)
    status_escalate_hours = models.PositiveSmallIntegerField(_("escalate overdue status after (hours)"), default=24)
    timesheet_due_weekday = models.PositiveSmallIntegerField(
        _("timesheets due on"), default=4, help_text=_("0 = Monday … 6 = Sunday")
    )
    timesheet_due_time = models.TimeField(_("timesheets due at"), default=dt.time(18, 0))
    timesheet_lead_hours = models.PositiveSmallIntegerField(_("timesheet reminder (hours before due)"), default=24)
    timesheet_escalate_hours = models.PositiveSmallIntegerField(
        _("escalate missing timesheets after (hours)"), default=72
    )
    digest_hour = models.PositiveSmallIntegerField(_("daily digest at (hour)"), default=8)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("reminder policy")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="reminder_policy_one_per_org"),
            models.CheckConstraint(condition=models.Q(timesheet_due_weekday__lte=6), name="reminder_weekday"),
            models.CheckConstraint(condition=models.Q(digest_hour__lte=23), name="reminder_digest_hour"),
        ]


# --- Report packs -------------------------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    WEEKLY_PACK = "weekly_pack", _("Weekly integrated meeting pack")
    MONTHLY_REVIEW = "monthly_review", _("Monthly management review")
    PROJECT_ONEPAGER = "project_onepager", _("Project one-pager")
    CLOSURE = "closure", _("Closure report")


# Kinds that cover the whole organisation for a period (scheduled, subscribable); the others are per project.
ORGANIZATION_REPORT_KINDS = (ReportKind.WEEKLY_PACK, ReportKind.MONTHLY_REVIEW)


class Report(TenantModel):
    """One stored PDF per (organisation, kind, period, project), enforced by the database (NULL project counts as
    one value). Regeneration bumps ``generation`` and re-renders; the finished PDF replaces the old one in a single
    UPDATE that only applies to the generation it was rendered for, so a late, stale render cannot win."""

    class State(models.TextChoices):
        PENDING = "pending", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", pgettext_lazy("report trigger", "Schedule")
        MANUAL = "manual", _("On demand")

    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    # "2026-W47" (weekly pack, project one-pager), "2026-11" (monthly review), "" (closure report).
    period = models.CharField(_("period"), max_length=10, blank=True)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    generation = models.PositiveIntegerField(default=1, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size_bytes = models.PositiveIntegerField(_("size"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(_("render time (ms)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    subscribers_notified_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "period", "project"],
                nulls_distinct=False,
                name="report_one_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["weekly_pack", "monthly_review"], project__isnull=True)
                | models.Q(kind__in=["project_onepager", "closure"], project__isnull=False),
                name="report_project_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["organization", "kind", "-requested_at"], name="report_org_kind")]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.period}"


@pghistory.track()
class ReportSchedule(TenantModel):
    """When an organisation's periodic pack is produced, in its time zone: the weekly pack on ``weekday`` at
    ``time`` (for the week that just ended), the monthly review on ``day_of_month`` at ``time`` (for the month
    that just ended). ``last_period`` is the last period dispatched."""

    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), default=0, help_text=_("0 = Monday … 6 = Sunday"))
    day_of_month = models.PositiveSmallIntegerField(_("day of month"), default=1)
    time = models.TimeField(_("time"), default=dt.time(8, 0))
    last_period = models.CharField(max_length=10, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("report schedule")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="report_schedule_once"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["weekly_pack", "monthly_review"]), name="report_schedule_kind"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="report_schedule_weekday"),
            models.CheckConstraint(
                condition=models.Q(day_of_month__gte=1, day_of_month__lte=28), name="report_schedule_day"
            ),
        ]


@pghistory.track()
class ReportSubscription(TenantModel):
    """A user who receives each new pack of a kind by e-mail (the PDF attached, and a link to the Reports page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("report subscription")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "kind"], name="report_subscription_once"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["weekly_pack", "monthly_review"]), name="report_subscription_kind"
            ),
        ]
