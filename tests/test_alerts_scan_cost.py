"""What keeps the alert scan of a large organisation cheap: the three figures of the latest reports (SPI, CPI,
budget consumed) come from one query per scan, and the allocation metrics number their weeks with a series whose
length PostgreSQL knows (a series of dates is planned as 1,000 rows: the query was priced above the JIT threshold
and spent 200-400 ms compiling in a 400-project organisation); the rules' notified roles are read once, however
many rules open alerts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.policy import control_policy_get
from reports import metrics
from reports.alerts.scan import alert_scan_organization
from reports.models import Alert, AlertRule, Notification
from tests.conftest import OrgWorld
from tests.factories_alerts import NOW, age_projects, only_rule, spi_report

pytestmark = pytest.mark.django_db


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.mark.parametrize(
    ("compute", "weeks"),
    [
        (metrics.over_allocation_percent, metrics.ALLOCATION_WEEKS_AHEAD + 1),
        (metrics.missing_timesheets, metrics.TIMESHEET_WEEKS_BACK),
    ],
)
def test_the_allocation_metrics_are_planned_with_their_true_number_of_weeks(
    org_a: OrgWorld, monkeypatch: pytest.MonkeyPatch, compute: Any, weeks: int
) -> None:
    statements: list[tuple[str, dict[str, Any]]] = []
    real = metrics._rows

    def spy(sql: str, params: dict[str, Any]) -> dict[int, Any]:
        statements.append((sql, params))
        return real(sql, params)

    monkeypatch.setattr(metrics, "_rows", spy)
    with org_a.ctx():
        compute(metrics.MetricContext(organization=org_a.organization, now=timezone.now()))
        (sql, params), *_rest = statements
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]["Plan"]

    series = [node for node in nodes(plan) if node.get("Function Name") == "generate_series"]
    assert [node["Plan Rows"] for node in series] == [weeks]


def test_spi_cpi_and_budget_share_one_read_of_the_latest_reports(org_a: OrgWorld) -> None:
    with org_a.ctx():
        context = metrics.MetricContext(organization=org_a.organization, now=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            figures = [metrics.METRICS[key].compute(context) for key in ("spi", "cpi", "budget_consumed_vs_complete")]
    assert len(queries) == 1
    assert figures == [{}, {}, {}]  # no project has submitted a report


def test_a_first_scan_reads_the_rules_roles_once_however_many_rules_open_alerts(org_a: OrgWorld) -> None:
    age_projects(org_a)
    with org_a.ctx():
        control_policy_get(organization=org_a.organization)
    spi_report(org_a, org_a.projects[0], "0.5")
    roles = [["pmo"], ["executive"], ["pmo", "admin"], ["manager", "executive"]]
    counts = []
    for rules in (1, 4):
        only_rule(org_a, "spi", "lt", "0.9", notify_roles=roles[0])
        with org_a.ctx():
            for n in range(1, rules):
                AlertRule.objects.create(
                    organization=org_a.organization,
                    name=f"SPI below 0.{9 - n}",
                    metric="spi",
                    operator="lt",
                    threshold=Decimal(f"0.{9 - n}"),
                    notify_roles=roles[n],
                    notify_owner=False,
                )
            Notification.objects.filter(organization=org_a.organization).delete()
            Alert.objects.filter(organization=org_a.organization).delete()
            with CaptureQueriesContext(connection) as queries:
                scan = alert_scan_organization(organization=org_a.organization, now=NOW)
        assert scan.opened == rules
        counts.append(len(queries))
    assert counts[0] == counts[1]

    with org_a.ctx():
        told = {
            (n.alert.rule.name, n.recipient.email)
            for n in Notification.objects.filter(organization=org_a.organization).select_related(
                "alert__rule", "recipient"
            )
        }
    expected = set()
    with org_a.ctx():
        for rule in AlertRule.objects.filter(organization=org_a.organization):
            expected |= {(rule.name, org_a.users[role].email) for role in rule.notify_roles}
            if rule.notify_owner:
                expected.add((rule.name, org_a.users["manager"].email))  # the project's manager owns it
    assert told == expected
