"""Reads of alerts and alert rules, always for an actor in an organisation; rows come joined and counted in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from projects import permissions as project_permissions
from projects.models import Project, ProjectUserObjectPermission
from projects.selectors import projects_visible_to
from reports.alerts import permissions
from reports.metrics import METRICS, Metric, MetricContext, metric_get
from reports.models import Alert, AlertRule, AlertScan, Notification, Severity, SubjectType
from resources.models import Person

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
# Filter value of the alerts that still need attention (open or acknowledged).
ACTIVE = "active"
STATE_FILTERS = (ACTIVE, Alert.State.OPEN, Alert.State.ACKNOWLEDGED, Alert.State.RESOLVED)
# The sorts of the alert list (``key`` or ``-key``; the page offers "severity", "-opened", "opened", "-resolved"
# and "metric").
ALERT_SORTS: dict[str, SortKey] = {
    "severity": SortKey(gettext_lazy("Severity"), ("severity_rank", "-opened_at")),
    "opened": SortKey(gettext_lazy("Opened"), ("opened_at",)),
    "resolved": SortKey(gettext_lazy("Resolved"), ("resolved_at",)),
    "metric": SortKey(gettext_lazy("Metric"), ("metric", "severity_rank", "-opened_at")),
}


def severity_rank() -> Case:
    return Case(
        *[When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )


def alerts_visible_to(*, access: OrgAccess, queryset: QuerySet[Alert] | None = None) -> QuerySet[Alert]:
    """The alerts ``access`` may read: all for leadership; for a manager, those of the projects they may read and
    the person alerts; for anyone else only the alerts about themselves (as the person). Joined with their rule,
    project and person; ``severity_rank`` set.
    ``queryset`` narrows further."""
    alerts = (Alert.objects.all() if queryset is None else queryset).filter(organization=access.organization)
    if not access.can(permissions.VIEW):
        # The owner of a person alert (over-allocation, missing timesheets) is told of it, so may open it.
        alerts = alerts.filter(subject_type=SubjectType.PERSON, person__user_id=access.membership.user_id)
    elif not permissions.sees_all(access):
        visible = Q(subject_type=SubjectType.PROJECT, project__in=projects_visible_to(access=access).values("pk"))
        if access.can(permissions.PERSON_ALERTS):
            visible |= Q(subject_type=SubjectType.PERSON)
        alerts = alerts.filter(visible)
    return alerts.select_related("rule", "project", "person", "acknowledged_by").annotate(severity_rank=severity_rank())


@dataclass(frozen=True)
class AlertFilters:
    state: str = ""
    severity: str = ""
    metric: str = ""
    project: int | None = None
    rule: int | None = None
    ordering: str = "severity"


def alert_list(*, access: OrgAccess, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    """Visible alerts, filtered and ordered (default: most severe first, then newest)."""
    filters = filters or AlertFilters()
    alerts = alerts_in_state(alerts_visible_to(access=access), filters.state)
    if filters.severity:
        alerts = alerts.filter(severity=filters.severity)
    if filters.metric:
        alerts = alerts.filter(metric=filters.metric)
    if filters.project is not None:
        alerts = alerts.filter(project_id=filters.project)
    if filters.rule is not None:
        alerts = alerts.filter(rule_id=filters.rule)
    return alerts.order_by(*sort_ordering(filters.ordering, ALERT_SORTS, default="severity"))


def alerts_in_state(alerts: QuerySet[Alert], state: str) -> QuerySet[Alert]:
    """``alerts`` in ``state`` (one of ``STATE_FILTERS``: ``active`` is open or acknowledged); all for ``""``."""
    if state == ACTIVE:
        return alerts.exclude(state=Alert.State.RESOLVED)
    return alerts.filter(state=state) if state else alerts


def alert_get(*, access: OrgAccess, pk: Any) -> Alert:
    """One alert the actor may read; ``Http404`` alike when missing, elsewhere or not visible."""
    alert = alerts_visible_to(access=access).filter(pk=pk).first() if str(pk).isdigit() else None
    if alert is None:
        raise Http404
    return alert


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # opened | value | acknowledged | resolved
    value: Decimal | None = None
    by: str = ""
    note: str = ""


def alert_timeline(*, alert: Alert) -> list[TimelineEntry]:
    """What happened to the alert, oldest first, from its history rows (one query): opened, each value change,
    acknowledged (by whom, with the note), resolved (with the recovered value)."""
    event_model: Any = Alert.pgh_event_model  # type: ignore[attr-defined]
    rows = (
        event_model.objects.filter(organization_id=alert.organization_id, pgh_obj_id=alert.pk)
        .select_related("acknowledged_by")
        .order_by("pgh_created_at", "pgh_id")
    )
    entries: list[TimelineEntry] = []
    previous: Any = None
    for row in rows:
        if previous is None:
            entries.append(TimelineEntry(row.opened_at, "opened", row.value))
        elif row.state != previous.state and row.state == Alert.State.ACKNOWLEDGED:
            by = row.acknowledged_by.get_full_name() if row.acknowledged_by else ""
            entries.append(TimelineEntry(row.acknowledged_at, "acknowledged", None, by, row.acknowledgement_note))
        elif row.state != previous.state and row.state == Alert.State.RESOLVED:
            entries.append(TimelineEntry(row.resolved_at, "resolved", row.resolved_value))
        elif row.value != previous.value:
            entries.append(TimelineEntry(row.last_evaluated_at, "value", row.value))
        previous = row
    return entries


def alert_notifications(*, alert: Alert) -> QuerySet[Notification]:
    """Who was told of the alert (one row per recipient), with the recipient joined."""
    return (
        Notification.objects.filter(organization_id=alert.organization_id, alert=alert)
        .select_related("recipient")
        .order_by("recipient__full_name", "pk")
    )


def last_scan(*, organization: Organization) -> AlertScan | None:
    return AlertScan.objects.filter(organization=organization).order_by("-started_at", "-pk").first()


def alert_counts(*, access: OrgAccess) -> dict[str, int]:
    """Open (or acknowledged) visible alerts per severity, plus ``total`` (one query)."""
    counts = alerts_visible_to(access=access).aggregate(
        total=Count("pk", filter=~Q(state=Alert.State.RESOLVED)),
        **{
            severity: Count("pk", filter=~Q(state=Alert.State.RESOLVED) & Q(severity=severity))
            for severity in Severity.values
        },
    )
    return {key: int(value or 0) for key, value in counts.items()}


# --- Rules ---------------------------------------------------------------------------------------------------------


def rule_list(*, organization: Organization, queryset: QuerySet[AlertRule] | None = None) -> QuerySet[AlertRule]:
    """Every rule with ``breaching``: how many subjects breach it now (its alerts still open), counted in SQL."""
    return (
        (AlertRule.objects.all() if queryset is None else queryset)
        .filter(organization=organization)
        .select_related("portfolio", "project")
        .annotate(breaching=Count("alerts", filter=~Q(alerts__state=Alert.State.RESOLVED)))
        .order_by("metric", "severity", "name", "pk")
    )


def rule_get(*, organization: Organization, pk: Any) -> AlertRule:
    rule = rule_list(organization=organization).filter(pk=pk).first() if str(pk).isdigit() else None
    if rule is None:
        raise Http404
    return rule


# --- Metric values -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectValue:
    subject_type: str
    subject_id: int
    name: str
    code: str
    value: Decimal


def metric_subject_values(*, access: OrgAccess, key: str, now: dt.datetime | None = None) -> list[SubjectValue]:
    """The current value of metric ``key`` for every subject, each named (one query for the values, one for the
    names). Leadership only (the callers check ``permissions.sees_all``)."""
    metric: Metric = metric_get(key)
    organization = access.organization
    values = metric.compute(MetricContext(organization=organization, now=now or timezone.now()))
    names: dict[int, tuple[str, str]] = {}
    if metric.subject == SubjectType.PROJECT:
        names = {
            pk: (name, code)
            for pk, name, code in Project.objects.filter(organization=organization, pk__in=list(values)).values_list(
                "pk", "name", "code"
            )
        }
    elif metric.subject == SubjectType.PERSON:
        names = {
            pk: (name, "")
            for pk, name in Person.objects.filter(organization=organization, pk__in=list(values)).values_list(
                "pk", "full_name"
            )
        }
    else:
        names = {organization.pk: (organization.name, organization.slug)}
    rows = [
        SubjectValue(metric.subject, pk, names.get(pk, ("", ""))[0], names.get(pk, ("", ""))[1], value)
        for pk, value in values.items()
    ]
    return sorted(rows, key=lambda row: (row.code, row.name, row.subject_id))


def metrics() -> list[Metric]:
    return list(METRICS.values())


# --- Display -------------------------------------------------------------------------------------------------------

OPERATOR_SYMBOLS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def value_text(metric_key: str, value: Decimal | None) -> str:
    """A metric value for readers, in its unit: "0.85", "12 days", "125.5 %", "18 points"."""
    if value is None:
        return "—"
    number = (
        format(value.normalize(), "f")
        if value == value.to_integral_value()
        else format(value.quantize(Decimal("0.01")).normalize(), "f")
    )
    metric = METRICS.get(metric_key)
    unit = metric.unit if metric is not None else ""
    if unit == "days":
        return ngettext("%(value)s day", "%(value)s days", 1 if value == 1 else 2) % {"value": number}
    if unit == "percent":
        return gettext("%(value)s %%") % {"value": number}
    if unit == "points":
        return gettext("%(value)s points") % {"value": number}
    return number


def metric_label(metric_key: str) -> str:
    metric = METRICS.get(metric_key)
    return str(metric.label) if metric is not None else metric_key


def rule_summary(*, metric: str, operator: str, threshold: Decimal) -> str:
    """ "Schedule performance index (SPI) < 0.9" in the active language."""
    return f"{metric_label(metric)} {OPERATOR_SYMBOLS.get(operator, operator)} {value_text(metric, threshold)}"


def acknowledgeable(*, access: OrgAccess, alerts: list[Alert]) -> set[int]:
    """The ids of ``alerts`` (open ones) the actor may acknowledge, with at most one query for the projects a
    manager may change (instead of one permission check per row)."""
    if not access.can(permissions.ACKNOWLEDGE):
        return set()
    candidates = [alert for alert in alerts if alert.state == Alert.State.OPEN]
    if access.can(permissions.ACKNOWLEDGE_ALL):
        return {alert.pk for alert in candidates}
    project_ids = {alert.project_id for alert in candidates if alert.subject_type == SubjectType.PROJECT}
    if not project_ids:
        return set()
    changeable = set(
        ProjectUserObjectPermission.objects.filter(
            organization=access.organization,
            content_object_id__in=project_ids,
            user_id=access.membership.user_id,
            permission__codename=project_permissions.CHANGE_CODENAME,
        ).values_list("content_object_id", flat=True)
    )
    return {alert.pk for alert in candidates if alert.project_id in changeable}
