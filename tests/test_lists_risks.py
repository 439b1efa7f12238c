"""The risk register and the issue log as lists: paginated, filtered, sorted, exported to CSV and XLSX (the same rows
as the filtered list, every page), at a constant number of queries, scoped to the organisation and the projects the
reader may see."""

from __future__ import annotations

import datetime as dt

import pytest

from risks.models import Issue, Risk
from tests.conftest import OrgWorld
from tests.lists_support import (
    ListContract,
    ListSpec,
    client_for,
    csv_rows,
    key_column,
    page_rows,
)

pytestmark = pytest.mark.django_db


def add_risks(world: OrgWorld, size: int) -> None:
    """``size`` risks on the manager's project, titled after the organisation; the first one closed, owners and
    categories alternating, scores spread over the grid."""
    users = [world.users["manager"], world.users["pmo"]]
    with world.ctx():
        Risk.objects.bulk_create(
            Risk(
                organization=world.organization,
                project=world.projects[0],
                number=index + 1,
                title=f"{world.slug} risk {index:03d}",
                category="technical" if index % 2 else "schedule",
                strategy="mitigate",
                probability=1 + index % 5,
                impact=1 + (index * 2) % 5,
                owner=users[index % 2],
                status=Risk.Status.CLOSED if index == 0 else Risk.Status.OPEN,
            )
            for index in range(size)
        )


def add_issues(world: OrgWorld, size: int) -> None:
    severities = ["low", "medium", "high", "critical"]
    with world.ctx():
        Issue.objects.bulk_create(
            Issue(
                organization=world.organization,
                project=world.projects[0],
                number=index + 1,
                title=f"{world.slug} issue {index:03d}",
                severity=severities[index % 4],
                owner=world.users["manager"] if index % 2 else None,
                due_date=dt.date(2026, 1, 1) + dt.timedelta(days=index),
                status=Issue.Status.CLOSED if index == 0 else Issue.Status.OPEN,
            )
            for index in range(size)
        )


SPECS = {
    "risks": ListSpec(
        path="risks/",
        populate=add_risks,
        page_key=lambda risk: risk.code,
        file_key=lambda cells: cells[0],
        headers=["Code", "Title", "Project code", "Project"],
        filtered_query="status=open&q=risk&sort=title",
        page_bound=21,
        export_bound=11,
    ),
    "issues": ListSpec(
        path="issues/",
        populate=add_issues,
        page_key=lambda issue: issue.code,
        file_key=lambda cells: cells[0],
        headers=["Code", "Title", "Project code", "Project"],
        filtered_query="status=open&sort=-due",
        page_bound=16,
        export_bound=9,
    ),
}


class TestRiskAndIssueLists(ListContract):
    specs = SPECS


def test_register_filters_and_sorts(org_a: OrgWorld) -> None:
    add_risks(org_a, 8)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/risks/"
    by_score = page_rows(client.get(url))
    assert [r.score for r in by_score] == sorted((r.score for r in by_score), reverse=True)  # the default
    titles = [r.title for r in page_rows(client.get(url + "?sort=title"))]
    assert titles == sorted(titles)
    assert [r.title for r in page_rows(client.get(url + "?sort=-title"))] == titles[::-1]
    technical = page_rows(client.get(url + "?category=technical"))
    assert {r.category for r in technical} == {"technical"} and len(technical) == 4
    found = page_rows(client.get(url + "?q=risk 007"))
    assert [r.title for r in found] == [f"{org_a.slug} risk 007"]
    owner = org_a.users["manager"]
    table = csv_rows(client.get(f"{url}?owner={owner.pk}&sort=code&format=csv"))
    assert key_column(table, "Owner") == [owner.get_full_name()] * 4
    assert key_column(table, "Code") == ["R-001", "R-003", "R-005", "R-007"]
    assert key_column(table, "Category") == ["Schedule"] * 4  # the label, not the stored value


def test_register_labels_in_chinese(org_a: OrgWorld) -> None:
    add_risks(org_a, 2)
    table = csv_rows(client_for(org_a.users["pmo"], language="zh-hans").get(f"/o/{org_a.slug}/risks/?format=csv"))
    assert "Technical" not in table[1] and "Open" not in table[1]


def test_issue_log_filters_and_sorts(org_a: OrgWorld) -> None:
    add_issues(org_a, 8)
    client = client_for(org_a.users["pmo"])
    url = f"/o/{org_a.slug}/issues/"
    assert [i.number for i in page_rows(client.get(url))] == list(range(8, 0, -1))  # newest first
    by_severity = [i.severity for i in page_rows(client.get(url + "?sort=severity"))]
    assert by_severity == ["critical"] * 2 + ["high"] * 2 + ["medium"] * 2 + ["low"] * 2
    due = [i.due_date for i in page_rows(client.get(url + "?sort=due"))]
    assert due == sorted(due)
    owned = page_rows(client.get(f"{url}?owner={org_a.users['manager'].pk}"))
    assert {i.number for i in owned} == {2, 4, 6, 8}
    overdue = page_rows(client.get(url + "?overdue=on"))  # every open issue is due in January 2026: past
    assert {i.number for i in overdue} == set(range(2, 9))
    table = csv_rows(client.get(url + "?severity=critical&format=csv"))
    assert key_column(table, "Code") == ["I-008", "I-004"]
    assert key_column(table, "Severity") == ["Critical", "Critical"]


def test_viewer_exports_only_what_is_shared_with_them(org_a: OrgWorld) -> None:
    add_risks(org_a, 3)
    with org_a.ctx():
        Risk.objects.create(
            organization=org_a.organization,
            project=org_a.projects[1],
            number=99,
            title="Shared with the viewer",
            category="technical",
            strategy="mitigate",
            probability=2,
            impact=2,
        )
    table = csv_rows(client_for(org_a.users["viewer"]).get(f"/o/{org_a.slug}/risks/?format=csv"))
    assert key_column(table, "Title") == ["Shared with the viewer"]
