"""The alert list and alert history, the Reports page's list and the inbox as lists: filtered, sorted, paginated,
the first two exported to CSV and XLSX (the same rows as the filtered list, every page) at a constant number of
queries, scoped to the organisation and to what the reader may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.models import Alert, AlertRule, Report, ReportKind, SubjectType
from tests.conftest import ROLES, OrgWorld
from tests.factories_notifications import NotificationFactory
from tests.factories_packs import ReportFactory
from tests.lists_support import (
    ListContract,
    ListSpec,
    client_for,
    csv_rows,
    key_column,
    page_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

OPENED = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)


def add_alerts(world: OrgWorld, size: int, *, state: str = Alert.State.OPEN) -> list[Alert]:
    """``size`` SPI alerts on the manager's project, one rule each (named after the organisation), severities
    cycling, opened an hour apart; resolved ones resolved a day later."""
    severities = ["critical", "warning", "info"]
    with world.ctx():
        rules = AlertRule.objects.bulk_create(
            AlertRule(
                organization=world.organization,
                name=f"{world.slug} rule {index:03d}",
                metric="spi",
                operator="lt",
                threshold=Decimal("0.9"),
            )
            for index in range(size)
        )
        return Alert.objects.bulk_create(
            Alert(
                organization=world.organization,
                rule=rule,
                metric="spi",
                subject_type=SubjectType.PROJECT,
                subject_id=world.projects[0].pk,
                project=world.projects[0],
                severity=severities[index % 3],
                value=Decimal("0.5") + Decimal(index) / 100,
                threshold=Decimal("0.9"),
                state=state,
                opened_at=OPENED + dt.timedelta(hours=index),
                resolved_at=OPENED + dt.timedelta(days=1, hours=index) if state == Alert.State.RESOLVED else None,
                resolved_value=Decimal("0.95") if state == Alert.State.RESOLVED else None,
            )
            for index, rule in enumerate(rules)
        )


def add_resolved_alerts(world: OrgWorld, size: int) -> None:
    add_alerts(world, size, state=Alert.State.RESOLVED)


def add_reports(world: OrgWorld, size: int) -> None:
    """``size`` weekly packs of distinct weeks (titled after the organisation) and a one-pager of each project."""
    for index in range(size):
        ReportFactory(
            organization=world.organization,
            kind=ReportKind.WEEKLY_PACK,
            period=f"{2024 + index // 52}-W{index % 52 + 1:02d}",
            title=f"{world.slug} pack {index:03d}",
            requested_at=timezone.now() - dt.timedelta(hours=index),
        )
    for project in world.projects:
        ReportFactory(
            organization=world.organization,
            kind=ReportKind.PROJECT_ONEPAGER,
            project=project,
            period="2026-W10",
            title=f"{world.slug} one-pager {project.code}",
        )


ALERT_READERS = {**dict.fromkeys(ROLES, 403), "admin": 200, "pmo": 200, "executive": 200, "manager": 200}

SPECS = {
    "alerts": ListSpec(
        path="alerts/",
        populate=add_alerts,
        page_key=lambda alert: alert.rule.name,
        file_key=lambda cells: cells[2],
        headers=["Severity", "Metric", "Rule"],
        filtered_query="metric=spi&sort=-opened",
        page_bound=18,
        export_bound=9,
        statuses=ALERT_READERS,
    ),
    "alert history": ListSpec(
        path="alerts/?state=resolved",
        populate=add_resolved_alerts,
        page_key=lambda alert: alert.rule.name,
        file_key=lambda cells: cells[2],
        headers=["Severity", "Metric", "Rule"],
        filtered_query="sort=opened",
        page_bound=17,
        export_bound=9,
        statuses=ALERT_READERS,
    ),
    "reports": ListSpec(
        path="reports/",
        populate=add_reports,
        page_key=lambda report: report.title,
        file_key=lambda cells: cells[1],
        headers=["Report", "Title", "Period"],
        filtered_query="kind=weekly_pack&sort=period",
        page_bound=17,
        export_bound=9,
    ),
}


class TestAlertAndReportLists(ListContract):
    specs = SPECS
    translated = ("alerts", "alert history")


def test_alerts_filter_and_sort(org_a: OrgWorld) -> None:
    alerts = add_alerts(org_a, 6)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/alerts/"
    severities = [a.severity for a in page_rows(client.get(url))]
    assert severities == ["critical"] * 2 + ["warning"] * 2 + ["info"] * 2  # most severe first
    newest = [a.opened_at for a in page_rows(client.get(url + "?sort=-opened"))]
    assert newest == sorted(newest, reverse=True)
    oldest = [a.opened_at for a in page_rows(client.get(url + "?sort=opened"))]
    assert oldest == newest[::-1]
    table = csv_rows(client.get(f"{url}?rule={alerts[4].rule_id}&format=csv"))
    assert key_column(table, "Rule") == [f"{org_a.slug} rule 004"]
    assert key_column(table, "Severity") == ["Warning"]
    assert key_column(table, "Subject") == [f"{org_a.projects[0].code} {org_a.projects[0].name}"]
    assert key_column(table, "Value") == ["0.5400"]
    sheet = xlsx_rows(client.get(f"{url}?severity=info&format=xlsx"))
    values = [row[sheet[0].index("Value")] for row in sheet[1:]]
    assert values == [pytest.approx(0.55), pytest.approx(0.52)]  # numbers, most severe then newest first
    opened = [row[sheet[0].index("Opened")] for row in sheet[1:]]
    assert all(isinstance(value, dt.datetime) for value in opened)  # a date Excel can sort, not text


def test_the_history_lists_only_resolved_alerts(org_a: OrgWorld) -> None:
    add_alerts(org_a, 2)
    add_resolved_alerts(org_a, 3)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/alerts/"
    assert len(csv_rows(client.get(url + "?format=csv"))) == 3  # header + the 2 that need attention
    history = csv_rows(client.get(url + "?state=resolved&format=csv"))
    assert len(history) == 4 and set(key_column(history, "State")) == {"Resolved"}


def test_reports_filter_and_sort(org_a: OrgWorld) -> None:
    add_reports(org_a, 4)
    with org_a.ctx():
        Report.objects.filter(organization=org_a.organization, title=f"{org_a.slug} pack 002").update(
            state=Report.State.FAILED, error="No data"
        )
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/reports/"
    periods = [r.period for r in page_rows(client.get(url + "?kind=weekly_pack&sort=-period"))]
    assert periods == ["2024-W04", "2024-W03", "2024-W02", "2024-W01"]
    failed = page_rows(client.get(url + "?state=failed"))
    assert [r.title for r in failed] == [f"{org_a.slug} pack 002"]
    project = org_a.projects[1]
    table = csv_rows(client.get(f"{url}?project={project.pk}&format=csv"))
    assert key_column(table, "Project code") == [project.code]
    assert key_column(table, "Report") == ["Project one-pager"]


def test_a_manager_exports_only_the_reports_they_may_read(org_a: OrgWorld) -> None:
    add_reports(org_a, 3)
    table = csv_rows(client_for(org_a.users["manager"]).get(f"/o/{org_a.slug}/reports/?format=csv"))
    assert key_column(table, "Title") == [f"{org_a.slug} one-pager {org_a.projects[0].code}"]


def test_the_inbox_paginates_with_its_filters(org_a: OrgWorld) -> None:
    user = org_a.users["manager"]
    for _ in range(30):
        NotificationFactory(organization=org_a.organization, recipient=user, url=f"/o/{org_a.slug}/projects/")
    client = client_for(user)
    first = client.get(f"/o/{org_a.slug}/inbox/?show=unread")
    assert first.context["page"].paginator.count == 30 and len(first.context["items"]) == 25
    html = first.content.decode()
    assert "show=unread&amp;page=2" in html  # the pager keeps the filter
    second = client.get(f"/o/{org_a.slug}/inbox/?show=unread&page=2")
    assert len(second.context["items"]) == 5
