"""Report schedules per organisation: the weekly pack and the monthly review, each produced once per period at a
local time of the organisation's time zone.

A schedule is due when the moment it names has passed in the current week (weekly pack: ``weekday`` at ``time``)
or month (monthly review: ``day_of_month`` at ``time``); it then produces the period that has just ended
(``periods.previous_period``) unless ``last_period`` says it already did. The dispatcher locks the schedule row,
requests the report and records ``last_period`` in one transaction, so two beats (or two workers) dispatching at
once produce one report and one render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability
from projects.changes.services import actor_access
from projects.policy import organization_zone, week_start_of
from reports import periods
from reports.models import Report, ReportKind, ReportSchedule
from reports.packs.services import ReportScheduleStale, report_request

DEFAULT_SCHEDULES: dict[str, dict[str, Any]] = {
    ReportKind.WEEKLY_PACK: {"weekday": 0, "time": dt.time(8, 0)},
    ReportKind.MONTHLY_REVIEW: {"day_of_month": 1, "time": dt.time(8, 0)},
}
SCHEDULE_FIELDS = ("enabled", "weekday", "day_of_month", "time")


def report_schedules_install_defaults(*, organization: Organization) -> None:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``): the weekly pack on Monday at 08:00 and the
    monthly review on the 1st at 08:00, enabled. Idempotent: existing schedules are left as they are."""
    for kind, defaults in DEFAULT_SCHEDULES.items():
        ReportSchedule.objects.get_or_create(organization=organization, kind=kind, defaults=defaults)


def schedule_due_at(schedule: ReportSchedule, *, organization: Organization, now: dt.datetime) -> dt.datetime:
    """The moment (aware, in the organisation's zone) at which ``schedule`` produces the period that ended last."""
    zone = organization_zone(organization)
    today = now.astimezone(zone).date()
    if schedule.kind == ReportKind.MONTHLY_REVIEW:
        day = today.replace(day=schedule.day_of_month)
    else:
        day = week_start_of(today) + dt.timedelta(days=schedule.weekday)
    return dt.datetime.combine(day, schedule.time, tzinfo=zone)


def schedule_period_due(schedule: ReportSchedule, *, organization: Organization, now: dt.datetime) -> str | None:
    """The period ``schedule`` must produce at ``now``, or ``None`` (disabled, not yet time, or already done)."""
    if not schedule.enabled or now < schedule_due_at(schedule, organization=organization, now=now):
        return None
    period = periods.previous_period(schedule.kind, organization=organization, now=now)
    return None if schedule.last_period == period else period


def report_schedules_dispatch(*, organization: Organization, now: dt.datetime | None = None) -> list[Report]:
    """Produce every due scheduled pack of the organisation (trigger ``schedule``). Each schedule is handled in a
    transaction of its own that locks its row first: a concurrent dispatcher waits, then finds ``last_period``
    set and produces nothing. Returns the reports requested."""
    moment = now or timezone.now()
    requested = []
    for schedule_id in ReportSchedule.objects.filter(organization=organization, enabled=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            schedule = ReportSchedule.objects.select_for_update().get(organization=organization, pk=schedule_id)
            period = schedule_period_due(schedule, organization=organization, now=moment)
            if period is None:
                continue
            report = report_request(
                organization=organization,
                actor=None,
                kind=schedule.kind,
                period=period,
                trigger=Report.Trigger.SCHEDULE,
            )
            schedule.last_period = period
            schedule.save(update_fields=["last_period"])
            requested.append(report)
    return requested


@transaction.atomic
def report_schedule_update(
    *, organization: Organization, actor: Any, schedule: ReportSchedule, version: int | None = None, **values: Any
) -> ReportSchedule:
    """Change when a pack is produced (``enabled``, ``weekday``, ``day_of_month``, ``time``); ``REPORTS_SCHEDULE``.

    ``version`` (the one the actor read) makes a concurrent edit a 409 instead of a silent overwrite.
    """
    if not actor_access(organization=organization, actor=actor).can(Capability.REPORTS_SCHEDULE):
        raise PermissionDenied(_("Only the PMO changes when report packs are produced."))
    unknown = set(values) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = ReportSchedule.objects.select_for_update().get(organization=organization, pk=schedule.pk)
    if version is not None and version != locked.version:
        raise ReportScheduleStale()
    errors: dict[str, list[str]] = {}
    weekday = values.get("weekday", locked.weekday)
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = [_("Choose a day of the week (0 = Monday … 6 = Sunday).")]
    day = values.get("day_of_month", locked.day_of_month)
    if not isinstance(day, int) or not 1 <= day <= 28:
        errors["day_of_month"] = [_("Choose a day between 1 and 28 (every month has it).")]
    if "time" in values and not isinstance(values["time"], dt.time):
        errors["time"] = [_("Give the time as HH:MM.")]
    if errors:
        raise ValidationError(errors)
    changed = [name for name in SCHEDULE_FIELDS if name in values and getattr(locked, name) != values[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.version = F("version") + 1
    locked.save(update_fields=[*changed, "version"])
    locked.refresh_from_db(fields=["version"])
    return locked
