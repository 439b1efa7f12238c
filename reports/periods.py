"""Report periods as text: ISO weeks ``"2026-W47"`` (weekly pack, project one-pager), months ``"2026-11"`` (monthly
review), and ``""`` for the closure report (one per project). The period a scheduled pack covers is the one that
has just ended in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects.policy import organization_zone, parse_week, week_label, week_start_of
from reports.models import ReportKind

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

WEEKLY_KINDS = (ReportKind.WEEKLY_PACK, ReportKind.PROJECT_ONEPAGER)


def parse_month(value: object) -> dt.date:
    """``"2026-11"`` → 2026-11-01; ``ValidationError`` for anything else."""
    match = _MONTH.match(str(value or "").strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."), code="invalid_month")


def month_label(first_day: dt.date) -> str:
    return f"{first_day.year}-{first_day.month:02d}"


def period_start(kind: str, period: str) -> dt.date | None:
    """The first day of the period named by ``period`` for ``kind`` (``None`` for the closure report)."""
    if kind in WEEKLY_KINDS:
        return parse_week(period)
    if kind == ReportKind.MONTHLY_REVIEW:
        return parse_month(period)
    return None


def period_normalise(kind: str, period: object) -> str:
    """The canonical text of a period given by a user (``"2026-w7"`` → ``"2026-W07"``); validates it."""
    if kind == ReportKind.CLOSURE:
        return ""
    start = period_start(kind, str(period or ""))
    assert start is not None
    return month_label(start) if kind == ReportKind.MONTHLY_REVIEW else week_label(start)


def previous_period(kind: str, *, organization: Organization, now: dt.datetime | None = None) -> str:
    """The last complete period before ``now`` in the organisation's time zone: last ISO week, or last month."""
    today = (now or timezone.now()).astimezone(organization_zone(organization)).date()
    if kind == ReportKind.MONTHLY_REVIEW:
        last_month_end = today.replace(day=1) - dt.timedelta(days=1)
        return month_label(last_month_end.replace(day=1))
    return week_label(week_start_of(today) - dt.timedelta(days=7))


def current_period(kind: str, *, organization: Organization, now: dt.datetime | None = None) -> str:
    """The period ``now`` falls in (the default for on-demand one-pagers: this week)."""
    today = (now or timezone.now()).astimezone(organization_zone(organization)).date()
    if kind == ReportKind.MONTHLY_REVIEW:
        return month_label(today.replace(day=1))
    if kind == ReportKind.CLOSURE:
        return ""
    return week_label(week_start_of(today))


def period_display(kind: str, period: str) -> str:
    """A reader's label: "2026-W47 (Nov. 16, 2026 – Nov. 22, 2026)" or "November 2026" in the active language."""
    start = period_start(kind, period) if period else None
    if start is None:
        return ""
    if kind == ReportKind.MONTHLY_REVIEW:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    end = start + dt.timedelta(days=6)
    first, last = (formats.date_format(day, "DATE_FORMAT") for day in (start, end))
    return f"{period} ({first} – {last})"
