"""Issue 8's acceptance test: an XLSX of 1,000 risks with 5 bad rows is refused with exactly those 5 rows named and
nothing imported; fixed, it imports all 1,000 — through the API and through the pages, in a few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from risks.models import Risk
from tests.conftest import OrgWorld
from tests.test_imports_support import api_upload, count, error_rows, snapshot, web_client, web_upload, xlsx_bytes

HEADER = ["Project", "Title", "Category", "Probability", "Impact", "Response strategy", "Owner", "Proximity"]
# Spreadsheet row → what is wrong with it (row 1 is the header, so the n-th risk is on row n + 1).
BAD = {
    11: ("project", "NOPE-404"),
    202: ("probability", 9),
    451: ("category", "weather"),
    778: ("title", ""),
    1001: ("proximity", "31/12/2027"),
}
COLUMN = {"project": 0, "title": 1, "category": 2, "probability": 3, "proximity": 7}


def risk_rows(world: OrgWorld, *, broken: bool, size: int = 1000, bad: dict[int, Any] = BAD) -> list[list[Any]]:
    project = world.projects[0].code
    owner = world.users["manager"].email
    rows = []
    for n in range(1, size + 1):
        row: list[Any] = [
            project,
            f"Risk {n:04d}",
            "schedule",
            1 + n % 5,
            1 + (n * 3) % 5,
            "mitigate",
            owner,
            "2027-03-31",
        ]
        line = n + 1
        if broken and line in bad:
            column, value = bad[line]
            row[COLUMN[column]] = value
        rows.append(row)
    return rows


def test_a_thousand_risks_with_five_bad_rows_are_refused_then_import_once_fixed(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Callable[[Any], Any]
) -> None:
    client = api_client(org_a.users["manager"])
    assert client.get(f"/api/v1/orgs/{org_a.slug}/imports/").status_code == 200  # the first request loads the URLs
    before = snapshot(org_a, org_b)
    before_b = snapshot(org_b)

    started = time.monotonic()
    response = api_upload(client, org_a, "risks", "risks.xlsx", xlsx_bytes(HEADER, risk_rows(org_a, broken=True)))
    preview_seconds = time.monotonic() - started
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["row_count"], body["error_count"]) == ("previewed", 1000, 5)
    assert error_rows(body["errors"]) == sorted(BAD)
    assert {(error["row"], error["column"]) for error in body["errors"]} == {
        (line, column) for line, (column, _value) in BAD.items()
    }
    by_row = {error["row"]: error for error in body["errors"]}
    assert "NOPE-404" in by_row[11]["message"] and "not found or not yours" in by_row[11]["message"]
    assert by_row[202]["cell"] == "D202" and by_row[202]["value"] == "9"
    assert by_row[1001]["header"] == "Proximity"

    # Committing the refused batch imports nothing either: 400, the same five rows, the batch failed.
    refused = client.post(f"/api/v1/orgs/{org_a.slug}/imports/{body['id']}/commit/")
    assert refused.status_code == 400
    assert error_rows(refused.json()["errors"]) == sorted(BAD)
    assert refused.json()["status"] == "failed"
    after = snapshot(org_a, org_b)
    assert after["risks"] == before["risks"] and count(org_a, Risk) == 0

    fixed = api_upload(client, org_a, "risks", "risks-fixed.xlsx", xlsx_bytes(HEADER, risk_rows(org_a, broken=False)))
    assert fixed.status_code == 201 and fixed.json()["error_count"] == 0
    started = time.monotonic()
    imported = client.post(f"/api/v1/orgs/{org_a.slug}/imports/{fixed.json()['id']}/commit/")
    import_seconds = time.monotonic() - started
    assert imported.status_code == 200, imported.content
    assert (imported.json()["status"], imported.json()["imported_count"]) == ("imported", 1000)
    with org_a.ctx():
        risks = list(Risk.objects.filter(organization=org_a.organization).order_by("number"))
    assert len(risks) == 1000
    assert [risk.title for risk in risks[:3]] == ["Risk 0001", "Risk 0002", "Risk 0003"]
    assert {risk.project_id for risk in risks} == {org_a.projects[0].pk}
    assert risks[0].owner_id == org_a.users["manager"].pk and risks[0].created_by_id == org_a.users["manager"].pk
    assert [risk.number for risk in risks] == list(range(1, 1001))
    assert snapshot(org_b) == before_b
    print(f"\n1,000 risks: preview {preview_seconds:.2f}s, import {import_seconds:.2f}s")
    # A validation and an import (risks_create_many) each cost a fixed number of queries whatever the rows.
    assert preview_seconds < 15 and import_seconds < 120


def test_the_same_through_the_pages(org_a: OrgWorld) -> None:
    """The pages name the five rows and offer no Import button, then import the fixed file (40 rows, to keep the
    test short)."""
    client = web_client(org_a.users["pmo"])
    bad = dict(zip((3, 9, 17, 25, 41), BAD.values(), strict=True))
    broken = risk_rows(org_a, broken=True, size=40, bad=bad)
    response = web_upload(client, org_a, "risks", "risks.xlsx", xlsx_bytes(HEADER, broken))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["error_count"] == 5
    assert sorted(error["row"] for error in page.context["errors"]) == sorted(bad)
    assert 'data-testid="import-commit"' not in html
    for error in page.context["errors"]:
        assert f'<tr data-row="{error["row"]}">' in html
    assert count(org_a, Risk) == 0

    response = web_upload(
        client, org_a, "risks", "risks.xlsx", xlsx_bytes(HEADER, risk_rows(org_a, broken=False, size=40))
    )
    batch_url = response["Location"]
    page = client.get(batch_url)
    assert 'data-testid="import-commit"' in page.content.decode()
    done = client.post(f"{batch_url}commit/")
    assert done.status_code == 302
    assert count(org_a, Risk) == 40
    result = client.get(batch_url).content.decode()
    assert "40 risks imported" in result
