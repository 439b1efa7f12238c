"""The imports API: a permission matrix over the six roles for every operation (refusals change nothing), every
user of another organisation gets 404 and nothing changes, a batch is its uploader's, commit answers 200 / 400 /
409, ``dry_run=false`` imports at once or not at all, read-only tokens cannot write, templates, list filters and
ordering with query counts at two sizes, and the operations' schema."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from pmo.accounts.models import ApiToken
from pmo.accounts.services import api_token_create
from pmo.imports.models import ImportBatch
from risks.models import Risk
from tests.conftest import ROLES, OrgWorld
from tests.test_imports_support import api_upload, count, error_rows, snapshot, xlsx_bytes

ApiClients = Callable[[Any], APIClient]
IMPORTERS = {"admin", "pmo", "manager"}
RISK_HEADER = ["Project", "Title", "Category", "Probability", "Impact"]


def base(world: OrgWorld) -> str:
    return f"/api/v1/orgs/{world.slug}/imports/"


def risks_file(world: OrgWorld, rows: int = 1, *, bad: bool = False) -> bytes:
    return xlsx_bytes(
        RISK_HEADER, [[world.projects[0].code, f"Risk {n}", "cost", 9 if bad else 2, 3] for n in range(rows)]
    )


def batch_of(client: APIClient, world: OrgWorld, **extra: Any) -> dict[str, Any]:
    response = api_upload(client, world, "risks", "risks.xlsx", risks_file(world), **extra)
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


# --- Who may ------------------------------------------------------------------------------------------------------


def test_permission_matrix_of_every_operation(org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClients) -> None:
    for role in ROLES:
        client = api_client(org_a.users[role])
        allowed = role in IMPORTERS
        assert client.get(base(org_a)).status_code == (200 if allowed else 403), role
        assert client.get(f"{base(org_a)}templates/risks.xlsx").status_code == (200 if allowed else 403), role
        projects_template = client.get(f"{base(org_a)}templates/projects.csv").status_code
        assert projects_template == (200 if role in {"admin", "pmo"} else 403), role
        before = snapshot(org_a, org_b)
        response = api_upload(client, org_a, "risks", "risks.xlsx", risks_file(org_a))
        assert response.status_code == (201 if allowed else 403), role
        if not allowed:
            assert snapshot(org_a, org_b) == before, role
            continue
        batch = response.json()["id"]
        assert client.get(f"{base(org_a)}{batch}/").status_code == 200
        assert client.post(f"{base(org_a)}{batch}/commit/").status_code == 200
        assert client.delete(f"{base(org_a)}{batch}/").status_code == 204
        # Projects are created by the PMO and admins only: a manager's upload is refused and nothing is kept.
        before = snapshot(org_a, org_b)
        projects = api_upload(client, org_a, "projects", "p.xlsx", xlsx_bytes(["Project name"], [["New"]]))
        assert projects.status_code == (201 if role in {"admin", "pmo"} else 403), role
        if role == "manager":
            assert snapshot(org_a, org_b) == before
    assert count(org_a, Risk) == 3


def test_another_organisations_users_get_404_and_nothing_changes(
    org_a: OrgWorld, org_b: OrgWorld, api_client: ApiClients
) -> None:
    owner = api_client(org_a.users["pmo"])
    batch = batch_of(owner, org_a)["id"]
    calls = [
        ("get", base(org_a), None),
        ("post", base(org_a), "upload"),
        ("get", f"{base(org_a)}{batch}/", None),
        ("post", f"{base(org_a)}{batch}/commit/", None),
        ("delete", f"{base(org_a)}{batch}/", None),
        ("get", f"{base(org_a)}templates/risks.xlsx", None),
        # The batch's id under the caller's own organisation: not theirs either.
        ("get", f"{base(org_b)}{batch}/", None),
        ("post", f"{base(org_b)}{batch}/commit/", None),
        ("delete", f"{base(org_b)}{batch}/", None),
    ]
    for role in ROLES:
        client = api_client(org_b.users[role])
        for method, path, kind in calls:
            if path.startswith(base(org_b)) and role not in IMPORTERS:
                continue  # refused for their role before any lookup (403), checked in the matrix
            before = snapshot(org_a, org_b)
            if kind == "upload":
                response = api_upload(client, org_a, "risks", "risks.xlsx", risks_file(org_a))
            else:
                response = getattr(client, method)(path)
            assert response.status_code == 404, (role, method, path, response.status_code)
            assert snapshot(org_a, org_b) == before, (role, method, path)
    # Colleagues in the same organisation do not see someone else's batch either.
    for role in ("admin", "manager"):
        client = api_client(org_a.users[role])
        before = snapshot(org_a, org_b)
        assert client.get(f"{base(org_a)}{batch}/").status_code == 404
        assert client.post(f"{base(org_a)}{batch}/commit/").status_code == 404
        assert client.delete(f"{base(org_a)}{batch}/").status_code == 404
        assert [item["id"] for item in client.get(base(org_a)).json()["results"]] == []
        assert snapshot(org_a, org_b) == before
    assert count(org_a, Risk) == 0


def test_a_read_only_token_reads_but_cannot_upload_or_commit(org_a: OrgWorld, org_b: OrgWorld) -> None:
    batch = batch_of(_client(org_a.users["pmo"]), org_a)["id"]
    _token, raw = api_token_create(user=org_a.users["pmo"], scope=ApiToken.Scope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = snapshot(org_a, org_b)
    assert client.get(f"{base(org_a)}{batch}/").status_code == 200
    assert api_upload(client, org_a, "risks", "risks.xlsx", risks_file(org_a)).status_code == 403
    assert client.post(f"{base(org_a)}{batch}/commit/").status_code == 403
    assert client.delete(f"{base(org_a)}{batch}/").status_code == 403
    assert snapshot(org_a, org_b) == before
    assert APIClient().get(base(org_a)).status_code == 401


def _client(user: Any) -> APIClient:
    _token, raw = api_token_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# --- Commit -------------------------------------------------------------------------------------------------------


def test_commit_answers_200_then_409(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["manager"])
    batch = batch_of(client, org_a)
    assert (batch["status"], batch["row_count"], batch["error_count"], batch["errors"]) == ("previewed", 1, 0, [])
    detail = client.get(f"{base(org_a)}{batch['id']}/").json()
    assert detail["preview"] == [
        {"row": 2, "values": {"project": "ALPHA-0 · alpha project 0", "title": "Risk 0", "category": "Cost",
                              "probability": "2", "impact": "3"}}
    ]  # fmt: skip
    done = client.post(f"{base(org_a)}{batch['id']}/commit/")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["imported_count"]) == ("imported", 1)
    again = client.post(f"{base(org_a)}{batch['id']}/commit/")
    assert again.status_code == 409 and again.json() == {"detail": "This file has been imported already."}
    assert count(org_a, Risk) == 1


def test_commit_of_a_file_with_errors_is_400_and_imports_nothing(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["pmo"])
    response = api_upload(client, org_a, "risks", "risks.xlsx", risks_file(org_a, 3, bad=True))
    body = response.json()
    assert response.status_code == 201 and body["error_count"] == 3 and error_rows(body["errors"]) == [2, 3, 4]
    assert body["errors"][0] == {
        "row": 2,
        "column": "probability",
        "header": "Probability",
        "cell": "D2",
        "value": "9",
        "message": "Rate it from 1 to 5 (the organisation's scale).",
    }
    refused = client.post(f"{base(org_a)}{body['id']}/commit/")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "3 problems: nothing was imported."
    assert refused.json()["status"] == "failed"
    assert client.post(f"{base(org_a)}{body['id']}/commit/").status_code == 409
    assert count(org_a, Risk) == 0


def test_dry_run_false_imports_at_once_or_not_at_all(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["pmo"])
    response = api_upload(client, org_a, "risks", "r.xlsx", risks_file(org_a, 2, bad=True), dry_run="false")
    assert response.status_code == 400
    assert (response.json()["status"], response.json()["error_count"]) == ("failed", 2)
    assert count(org_a, Risk) == 0
    response = api_upload(client, org_a, "risks", "r.xlsx", risks_file(org_a, 2), dry_run="false")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["imported_count"]) == ("imported", 2)
    assert count(org_a, Risk) == 2


def test_bad_uploads_are_400_and_keep_nothing(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["pmo"])
    url = base(org_a)
    assert client.post(url, {"entity": "risks"}, format="multipart").json() == {"file": ["No file was submitted."]}
    wrong = api_upload(client, org_a, "budgets", "r.xlsx", risks_file(org_a))
    assert wrong.status_code == 400 and list(wrong.json()) == ["entity"]
    unreadable = api_upload(client, org_a, "risks", "r.xlsx", b"nonsense")
    assert unreadable.status_code == 400
    assert unreadable.json() == {"file": ["The XLSX file cannot be read: save it again from Excel, or upload a CSV."]}
    assert api_upload(client, org_a, "risks", "r.pdf", b"%PDF-1.4").status_code == 400
    assert count(org_a, ImportBatch) == 0


def test_errors_follow_the_callers_language(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["pmo"])
    response = api_upload(
        client, org_a, "risks", "r.xlsx", risks_file(org_a, bad=True), headers={"Accept-Language": "zh-hans"}
    )
    assert response.json()["errors"][0]["message"] == "请按 1 到 5 评分（本组织的评分等级）。"


# --- Templates, list, schema --------------------------------------------------------------------------------------


def test_templates(org_a: OrgWorld, api_client: ApiClients) -> None:
    client = api_client(org_a.users["pmo"])
    response = client.get(f"{base(org_a)}templates/people.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header = [cell.value for cell in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert header[:3] == ["Full name", "E-mail", "Department"]
    csv = client.get(f"{base(org_a)}templates/milestones.csv", headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("Project,Milestone,Phase")
    assert client.get(f"{base(org_a)}templates/budgets.csv").status_code == 404
    assert client.get(f"{base(org_a)}templates/risks.pdf").status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_filters_orders_pages_and_keeps_its_query_count(
    org_a: OrgWorld, api_client: ApiClients, size: int, django_assert_max_num_queries: Any
) -> None:
    client = api_client(org_a.users["pmo"])
    ids = [batch_of(client, org_a)["id"] for _ in range(size)]
    client.post(f"{base(org_a)}{ids[0]}/commit/")
    with django_assert_max_num_queries(9):
        listed = client.get(base(org_a), {"page_size": 50})
    assert [item["id"] for item in listed.json()["results"]] == ids[::-1]
    assert "errors" not in listed.json()["results"][0]
    imported = client.get(base(org_a), {"status": "imported"}).json()
    assert [item["id"] for item in imported["results"]] == [ids[0]]
    oldest_first = client.get(base(org_a), {"ordering": "created_at"}).json()
    assert [item["id"] for item in oldest_first["results"]] == ids
    assert client.get(base(org_a), {"ordering": "file_name"}).status_code == 400
    assert client.get(base(org_a), {"entity": "people"}).json()["count"] == 0


def test_the_schema_describes_the_operations() -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    upload = paths["/api/v1/orgs/{org_slug}/imports/"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["$ref"].endswith("/UploadInputRequest")
    assert {"201", "400"} <= set(upload["responses"])
    commit = paths["/api/v1/orgs/{org_slug}/imports/{id}/commit/"]["post"]
    assert {"200", "400", "409"} <= set(commit["responses"])
    template = paths["/api/v1/orgs/{org_slug}/imports/templates/{entity}.{fmt}"]["get"]
    entity = next(parameter for parameter in template["parameters"] if parameter["name"] == "entity")
    assert sorted(entity["schema"]["enum"]) == ["allocations", "milestones", "people", "projects", "risks"]
