"""The alert scan of one organisation: evaluate every enabled rule against the metric registry and bring the alerts
in line, with set-based reads and writes (the number of queries does not grow with the number of projects).

1. Read the enabled rules and the open (or acknowledged) alerts; compute each metric the rules need once.
2. A rule breached by a subject with no open alert opens one (one INSERT … ON CONFLICT DO NOTHING: the partial
   unique index ``alert_one_open_per_rule_subject`` lets a concurrent scan win without a duplicate).
3. Open alerts still breached get the new value, threshold and severity where these changed (one UPDATE … FROM
   VALUES); nothing is written when nothing changed, so a re-run is idempotent and the history keeps real changes.
4. Open alerts no longer breached resolve with the recovered value (one UPDATE), including those whose subject left
   (a project closed, a person made inactive) and those of a disabled or narrowed rule.
5. Only the newly opened alerts notify: the rules' roles (one query for all rules) and the subject's owner, in-app
   (and by e-mail per preference) and to webhooks (``alert.opened``); resolved alerts emit ``alert.resolved``. The
   notifications and the webhook deliveries are written in one batch each, whatever the number of alerts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from pmo.tenancy.models import Membership, Organization
from projects.models import Project
from reports.metrics import METRICS, MetricContext, compare
from reports.models import Alert, AlertRule, AlertScan, NotificationKind, SubjectType
from reports.notifications.services import Message, notify_many
from reports.notifications.webhooks import Event, webhook_emit_many

ACTIVE_STATES = (Alert.State.OPEN, Alert.State.ACKNOWLEDGED)
Key = tuple[int, str, int]  # (rule id, subject type, subject id)


@dataclass
class Evaluation:
    """What the rules say now: each breached (rule, subject) with its value, and every computed metric value."""

    breaches: dict[Key, Decimal] = field(default_factory=dict)
    values: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    evaluated: int = 0


def alert_url(organization: Organization, alert_id: int) -> str:
    return reverse("alert-detail", kwargs={"org_slug": organization.slug, "pk": alert_id})


def _portfolio_projects(organization: Organization, rules: list[AlertRule]) -> dict[int, set[int]]:
    portfolio_ids = {rule.portfolio_id for rule in rules if rule.scope == AlertRule.Scope.PORTFOLIO}
    members: dict[int, set[int]] = defaultdict(set)
    if portfolio_ids:
        rows = Project.objects.filter(organization=organization, portfolio_id__in=portfolio_ids).values_list(
            "portfolio_id", "pk"
        )
        for portfolio_id, project_id in rows:
            members[portfolio_id].add(project_id)
    return members


def evaluate(*, organization: Organization, rules: list[AlertRule], now: dt.datetime) -> Evaluation:
    """Compute each metric the ``rules`` need once and compare every subject in each rule's scope."""
    context = MetricContext(organization=organization, now=now)
    result = Evaluation()
    for key in sorted({rule.metric for rule in rules if rule.metric in METRICS}):
        result.values[key] = METRICS[key].compute(context)
    portfolios = _portfolio_projects(organization, rules)
    for rule in rules:
        metric = METRICS.get(rule.metric)
        if metric is None:
            continue
        values = result.values[rule.metric]
        if rule.scope == AlertRule.Scope.PROJECT:
            subjects = {rule.project_id: values[rule.project_id]} if rule.project_id in values else {}
        elif rule.scope == AlertRule.Scope.PORTFOLIO:
            members = portfolios.get(rule.portfolio_id or 0, set())
            subjects = {pk: value for pk, value in values.items() if pk in members}
        else:
            subjects = values
        result.evaluated += len(subjects)
        for subject_id, value in subjects.items():
            if compare(rule.operator, value, rule.threshold):
                result.breaches[(rule.pk, metric.subject, subject_id)] = value
    return result


def _update_from_values(
    sql: str, rows: list[tuple[Any, ...]], casts: tuple[str, ...], *, before: list[Any], after: list[Any]
) -> list[dict[str, Any]]:
    """Run one ``UPDATE … FROM (VALUES {values}) … RETURNING …`` over ``rows`` (each column cast by ``casts``);
    ``before`` and ``after`` are the parameters around the VALUES list. Returns the rows the UPDATE returned."""
    if not rows:
        return []
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(values=", ".join([row_sql] * len(rows))),
            [*before, *(item for row in rows for item in row), *after],
        )
        columns = [column.name for column in cursor.description or []]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


@transaction.atomic
def alert_scan_organization(
    *, organization: Organization, now: dt.datetime | None = None, trigger: str = "beat"
) -> AlertScan:
    """Scan ``organization`` (inside its tenant context) and record an ``AlertScan`` with the counts and duration.
    Idempotent: scanning again with nothing changed writes nothing but the scan record."""
    started = time.monotonic()
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(organization=organization, enabled=True))
    rules_by_id = {rule.pk: rule for rule in rules}
    evaluation = evaluate(organization=organization, rules=rules, now=now)
    current = {
        (row["rule_id"], row["subject_type"], row["subject_id"]): row
        for row in Alert.objects.filter(organization=organization, state__in=ACTIVE_STATES).values(
            "id", "rule_id", "metric", "subject_type", "subject_id", "value", "threshold", "severity"
        )
    }

    opened = _open(organization, evaluation, current, rules_by_id, now)
    _refresh(organization, evaluation, current, rules_by_id, now)
    resolved = _resolve(organization, evaluation, current, now)
    _announce(organization, opened, resolved, rules_by_id)

    still_open = len(current) - len(resolved)
    return AlertScan.objects.create(
        organization=organization,
        started_at=now,
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000),
        rules=len(rules),
        evaluated=evaluation.evaluated,
        opened=len(opened),
        resolved=len(resolved),
        still_open=still_open,
        trigger=trigger,
    )


def _open(
    organization: Organization,
    evaluation: Evaluation,
    current: dict[Key, dict[str, Any]],
    rules: dict[int, AlertRule],
    now: dt.datetime,
) -> list[Alert]:
    """Insert the new alerts; a row a concurrent scan inserted first is skipped by the unique index. Returns the
    alerts this scan opened (read back by their opening time), with what the notifications need."""
    rows = []
    for key, value in evaluation.breaches.items():
        if key in current:
            continue
        rule_id, subject_type, subject_id = key
        rule = rules[rule_id]
        rows.append(
            Alert(
                organization=organization,
                rule_id=rule_id,
                metric=rule.metric,
                subject_type=subject_type,
                subject_id=subject_id,
                project_id=subject_id if subject_type == SubjectType.PROJECT else None,
                person_id=subject_id if subject_type == SubjectType.PERSON else None,
                severity=rule.severity,
                value=value,
                threshold=rule.threshold,
                opened_at=now,
                last_evaluated_at=now,
            )
        )
    if not rows:
        return []
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Alert.objects.filter(
            organization=organization, state=Alert.State.OPEN, opened_at=now, rule_id__in={a.rule_id for a in rows}
        )
        .select_related("project__manager", "person__user")
        .order_by("pk")
    )


def _refresh(
    organization: Organization,
    evaluation: Evaluation,
    current: dict[Key, dict[str, Any]],
    rules: dict[int, AlertRule],
    now: dt.datetime,
) -> int:
    """One UPDATE for the open alerts still breached whose value, threshold or severity changed."""
    changed = []
    for key, value in evaluation.breaches.items():
        row = current.get(key)
        if row is None:
            continue
        rule = rules[key[0]]
        if (row["value"], row["threshold"], row["severity"]) != (value, rule.threshold, rule.severity):
            changed.append((row["id"], value, rule.threshold, rule.severity))
    updated = _update_from_values(
        """
        UPDATE reports_alert AS a
        SET value = v.value, threshold = v.threshold, severity = v.severity, last_evaluated_at = %s
        FROM (VALUES {values}) AS v(id, value, threshold, severity)
        WHERE a.id = v.id AND a.organization_id = %s AND a.state <> 'resolved'
        RETURNING a.id
        """,
        changed,
        ("bigint", "numeric", "numeric", "varchar"),
        before=[now],
        after=[organization.pk],
    )
    return len(updated)


def _resolve(
    organization: Organization, evaluation: Evaluation, current: dict[Key, dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """One UPDATE resolving every open alert no longer breached, with the metric's value now (NULL when the
    subject has none any more or the rule no longer runs). Returns the alerts resolved."""
    recovered = []
    for key, row in current.items():
        if key in evaluation.breaches:
            continue
        values = evaluation.values.get(row["metric"], {})
        recovered.append((row["id"], values.get(key[2])))
    return _update_from_values(
        """
        UPDATE reports_alert AS a
        SET state = 'resolved', resolved_at = %s, resolved_value = v.value, last_evaluated_at = %s
        FROM (VALUES {values}) AS v(id, value)
        WHERE a.id = v.id AND a.organization_id = %s AND a.state <> 'resolved'
        RETURNING a.id, a.rule_id, a.metric, a.subject_type, a.subject_id, a.resolved_value
        """,
        recovered,
        ("bigint", "numeric"),
        before=[now, now],
        after=[organization.pk],
    )


def _owner(alert: Alert) -> Any:
    if alert.project is not None:
        return alert.project.manager
    if alert.person is not None:
        return alert.person.user
    return None


def _subject_name(alert: Alert, organization: Organization) -> str:
    if alert.project is not None:
        return f"{alert.project.code} {alert.project.name}"
    if alert.person is not None:
        return alert.person.full_name
    return organization.name


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _role_recipients(organization: Organization, rules: list[AlertRule]) -> dict[int, list[Any]]:
    """Per rule, the active users holding any of its ``notify_roles`` (``recipients_with_roles``), by user id:
    one query for every rule."""
    users_by_role: dict[str, list[Any]] = defaultdict(list)
    roles = {role for rule in rules for role in rule.notify_roles}
    if roles:
        memberships = Membership.objects.filter(
            organization=organization, role__in=roles, user__is_active=True
        ).select_related("user")
        for membership in memberships:
            users_by_role[membership.role].append(membership.user)
    result: dict[int, list[Any]] = {}
    for rule in rules:
        users = {user.pk: user for role in rule.notify_roles for user in users_by_role.get(role, ())}
        result[rule.pk] = [users[pk] for pk in sorted(users)]
    return result


def _announce(
    organization: Organization, opened: list[Alert], resolved: list[dict[str, Any]], rules: dict[int, AlertRule]
) -> None:
    """Notify the rule's roles and the subject's owner of each new alert; tell webhooks of opened and resolved
    alerts. Role recipients are read in one query for every rule; the notifications and deliveries are written in one
    batch each, so the cost does not grow with the number of alerts or rules."""
    role_recipients = _role_recipients(organization, [rules[rule_id] for rule_id in {a.rule_id for a in opened}])
    messages: list[Message] = []
    events: list[Event] = []
    for alert in opened:
        rule = rules[alert.rule_id]
        recipients = list(role_recipients[rule.pk])
        owner = _owner(alert) if rule.notify_owner else None
        if owner is not None:
            recipients.append(owner)
        params = {
            "metric": alert.metric,
            "value": _text(alert.value),
            "threshold": _text(alert.threshold),
            "operator": rule.operator,
            "severity": alert.severity,
            "rule": rule.name,
            "rule_id": rule.pk,
            "subject_type": alert.subject_type,
            "subject": _subject_name(alert, organization),
            "project_code": alert.project.code if alert.project is not None else None,
            "project_name": alert.project.name if alert.project is not None else None,
            "alert_id": alert.pk,
        }
        url = alert_url(organization, alert.pk)
        messages.append(
            Message(
                kind=NotificationKind.ALERT,
                recipients=tuple(recipients),
                params=params,
                dedup_key=f"alert:{alert.pk}",
                url=url,
                severity=alert.severity,
                alert=alert,
            )
        )
        events.append(
            Event(
                "alert.opened",
                f"alert:{alert.pk}:opened",
                {**params, "url": url, "opened_at": alert.opened_at.isoformat()},
            )
        )
    for row in resolved:
        events.append(
            Event(
                "alert.resolved",
                f"alert:{row['id']}:resolved",
                {
                    "alert_id": row["id"],
                    "rule_id": row["rule_id"],
                    "metric": row["metric"],
                    "subject_type": row["subject_type"],
                    "subject_id": row["subject_id"],
                    "resolved_value": _text(row["resolved_value"]),
                    "url": alert_url(organization, row["id"]),
                },
            )
        )
    notify_many(organization=organization, messages=messages)
    webhook_emit_many(organization=organization, kind=NotificationKind.ALERT, events=events)
