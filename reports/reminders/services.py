"""Reminder policy and reminders: the organisation's policy (one row, versioned) and the two reminder runs that the
beat starts every few minutes — weekly status (managers before the due time, the PMO and managers after the
escalation delay) and weekly timesheets (people before, people and their approvers after).

The runs send what ``reports.reminders.selectors`` plans for the moment given; every message carries a
de-duplication key (``status-reminder:<project>:<week>``, ``status-overdue:<project>:<week>`` to the manager,
``status-overdue:<week>`` to each PMO user listing every overdue project, ``timesheet-reminder:<person>:<week>``,
``timesheet-overdue:<person>:<week>``, ``timesheet-overdue:team:<week>`` to each approver listing their people), so
running them every 15 minutes sends each message once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.services import StaleVersion
from reports.models import NotificationKind, ReminderPolicy
from reports.notifications.services import notify
from reports.notifications.webhooks import webhook_emit
from reports.reminders import selectors

POLICY_FIELDS = (
    "enabled",
    "status_lead_hours",
    "status_escalate_hours",
    "timesheet_due_weekday",
    "timesheet_due_time",
    "timesheet_lead_hours",
    "timesheet_escalate_hours",
    "digest_hour",
)
# Inclusive ranges of the whole-number fields. A lead of 0 sends no advance reminder; leads stay within a week and
# escalations within two weeks, so each moment has at most one week to remind and one to escalate.
RANGES: dict[str, tuple[int, int]] = {
    "status_lead_hours": (0, 168),
    "status_escalate_hours": (0, 336),
    "timesheet_due_weekday": (0, 6),
    "timesheet_lead_hours": (0, 168),
    "timesheet_escalate_hours": (0, 336),
    "digest_hour": (0, 23),
}


class ReminderPolicyStale(StaleVersion):
    """Someone else saved the reminder policy since it was read (409)."""

    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed the reminder policy in the meantime. Reload it and try again.")
        )


def reminder_policy_get(*, organization: Organization) -> ReminderPolicy:
    """The organisation's policy, created with the defaults on first use (concurrent first uses are safe)."""
    policy = ReminderPolicy.objects.filter(organization=organization).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return ReminderPolicy.objects.create(organization=organization)
    except IntegrityError:
        return ReminderPolicy.objects.get(organization=organization)


def reminder_policy_install_default(*, organization: Organization) -> ReminderPolicy:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``); idempotent."""
    return reminder_policy_get(organization=organization)


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "enabled":
            if not isinstance(value, bool):
                errors[name] = [_("Give true or false.")]
            values[name] = value
        elif name == "timesheet_due_time":
            if not isinstance(value, dt.time):
                errors[name] = [_("Give a time of day, e.g. 18:00.")]
            values[name] = value
        else:
            low, high = RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int):
                errors[name] = [_("Give a whole number.")]
            elif not low <= value <= high:
                errors[name] = [
                    _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                ]
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def reminder_policy_update(
    *, organization: Organization, actor: Any, version: int | None = None, **fields: Any
) -> ReminderPolicy:
    """Change the policy (the caller checks ``CONTROL_POLICY_MANAGE``). ``version``, when given, must match the
    stored one, else ``ReminderPolicyStale`` (409). Hours outside their range (leads 0–168, escalations 0–336), a
    weekday outside 0–6 or a digest hour outside 0–23: ``ValidationError`` per field (400), nothing saved. The
    change is recorded in the policy's history (pghistory)."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    values = _validated(fields)
    policy = reminder_policy_get(organization=organization)
    policy = ReminderPolicy.objects.select_for_update().get(pk=policy.pk, organization=organization)
    if version is not None and version != policy.version:
        raise ReminderPolicyStale()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.version = F("version") + 1
    policy.save(update_fields=[*values, "version"])
    policy.refresh_from_db()
    return policy


# --- The runs -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What one run sent: the notifications created and the messages planned (already-sent ones included)."""

    notifications: int
    planned: int


def _send(*, organization: Organization, planned: list[selectors.Planned]) -> int:
    selectors.mark_sent(organization=organization, planned=planned)
    created = 0
    for item in planned:
        pending = item.pending
        if pending:
            created += len(
                notify(
                    organization=organization,
                    kind=item.kind,
                    recipients=pending,
                    params=item.params,
                    dedup_key=item.dedup_key,
                    url=item.url,
                    severity=item.severity,
                )
            )
    return created


@transaction.atomic
def status_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> RunResult:
    """Send the status reminders and escalations due at ``now`` (default: now); see the module's keys. Reads are a
    constant number of queries; messages already sent are skipped before any write, so a repeated run writes
    nothing. When a week escalates with overdue projects, the ``status.overdue`` webhook event goes out once per
    week (event id ``status-overdue:<week>``). E-mail and webhook deliveries are queued on commit."""
    policy = reminder_policy_get(organization=organization)
    schedule = selectors.reminder_schedule(organization=organization, policy=policy, now=now)
    planned, escalation = selectors.status_plan(organization=organization, policy=policy, schedule=schedule)
    created = _send(organization=organization, planned=planned)
    summary = next((item for item in planned if item.audience == "pmo"), None)
    if escalation is not None and summary is not None:
        webhook_emit(
            organization=organization,
            kind=NotificationKind.STATUS_OVERDUE,
            event="status.overdue",
            event_id=f"status-overdue:{escalation.week}",
            payload={**summary.params, "organization": organization.slug, "url": summary.url},
        )
    return RunResult(notifications=created, planned=len(planned))


@transaction.atomic
def timesheet_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> RunResult:
    """Send the timesheet reminders and escalations due at ``now`` (default: now); idempotent like the status run.
    Reads are a constant number of queries."""
    policy = reminder_policy_get(organization=organization)
    schedule = selectors.reminder_schedule(organization=organization, policy=policy, now=now or timezone.now())
    planned = selectors.timesheet_plan(organization=organization, policy=policy, schedule=schedule)
    return RunResult(notifications=_send(organization=organization, planned=planned), planned=len(planned))
