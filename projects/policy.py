"""The organisation's control policy (status due time, RAG thresholds, change-approval thresholds) and the ISO-week
arithmetic that weekly status and the weekly meeting share. Weeks are ISO weeks in the organisation's time zone and
are stored as their Monday; the API writes them as ``"2026-W47"``."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.models import ControlPolicy
from projects.services import StaleVersion

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

POLICY_FIELDS = (
    "status_due_weekday",
    "status_due_time",
    "spi_amber_below",
    "spi_red_below",
    "cpi_amber_below",
    "cpi_red_below",
    "slip_amber_days",
    "slip_red_days",
    "escalations_amber",
    "escalations_red",
    "cr_executive_cost_share",
    "cr_executive_finish_days",
)


class PolicyStale(StaleVersion):
    """Someone else saved the policy since it was read (the API answers 409)."""

    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed the control policy in the meantime. Reload it and try again.")
        )


def control_policy_get(*, organization: Organization) -> ControlPolicy:
    """The organisation's policy, created with the defaults on first use (concurrent first uses are safe)."""
    policy = ControlPolicy.objects.filter(organization=organization).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return ControlPolicy.objects.create(organization=organization)
    except IntegrityError:
        return ControlPolicy.objects.get(organization=organization)


def control_policy_install_default(*, organization: Organization) -> ControlPolicy:
    """Setup hook of a new organisation (``ORGANIZATION_SETUP_HOOKS``)."""
    return control_policy_get(organization=organization)


@transaction.atomic
def control_policy_update(
    *, organization: Organization, actor: Any, version: int | None = None, **fields: Any
) -> ControlPolicy:
    """Change the policy. ``version`` (when given) must match the stored one, else ``PolicyStale`` (409).
    Thresholds must be ordered (red no better than amber): ``ValidationError`` otherwise, nothing saved."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    policy = control_policy_get(organization=organization)
    policy = ControlPolicy.objects.select_for_update().get(pk=policy.pk, organization=organization)
    if version is not None and version != policy.version:
        raise PolicyStale()
    for name, value in fields.items():
        setattr(policy, name, value)
    errors: dict[str, list[str]] = {}
    if policy.spi_red_below > policy.spi_amber_below:
        errors["spi_red_below"] = [_("The red threshold must not be above the amber one.")]
    if policy.cpi_red_below > policy.cpi_amber_below:
        errors["cpi_red_below"] = [_("The red threshold must not be above the amber one.")]
    if policy.slip_red_days < policy.slip_amber_days:
        errors["slip_red_days"] = [_("The red threshold must not be below the amber one.")]
    if policy.escalations_red < policy.escalations_amber:
        errors["escalations_red"] = [_("The red threshold must not be below the amber one.")]
    if errors:
        raise ValidationError(errors)
    policy.version = F("version") + 1
    policy.updated_at = timezone.now()
    policy.save(update_fields=[*fields, "version", "updated_at"])
    policy.refresh_from_db()
    return policy


# --- ISO weeks ----------------------------------------------------------------------------------------------------


def organization_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organization.time_zone)


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def current_week_start(*, organization: Organization, now: dt.datetime | None = None) -> dt.date:
    """Monday of the current ISO week in the organisation's time zone."""
    local = (now or timezone.now()).astimezone(organization_zone(organization))
    return week_start_of(local.date())


def week_label(week_start: dt.date) -> str:
    iso = week_start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_week(value: Any) -> dt.date:
    """``"2026-W47"`` → the Monday of that ISO week; ``ValidationError`` for anything else."""
    match = _ISO_WEEK.match(str(value or "").strip())
    if match:
        try:
            return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            pass
    raise ValidationError(_("Give the week as an ISO week, e.g. 2026-W47."), code="invalid_week")


def status_date(*, policy: ControlPolicy, week_start: dt.date) -> dt.date:
    """The day a week's status describes: its due day. Planned value is computed as of this date."""
    return week_start + dt.timedelta(days=policy.status_due_weekday)


def status_due_at(*, organization: Organization, policy: ControlPolicy, week_start: dt.date) -> dt.datetime:
    """When the status of the week starting ``week_start`` is due (organisation time zone, stored as UTC)."""
    day = status_date(policy=policy, week_start=week_start)
    local = dt.datetime.combine(day, policy.status_due_time, tzinfo=organization_zone(organization))
    return local.astimezone(dt.UTC)
