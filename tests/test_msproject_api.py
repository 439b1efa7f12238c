"""``POST /api/v1/orgs/<org>/projects/<id>/msproject-import/``: a dry run (the default) says what the import would
do and writes nothing, ``dry_run=false`` imports; who may (every role, another organisation: 404 with nothing
changed, no token: 401); a file that is not a plan (400 naming why, nothing changed); an archived project (409);
the schema; and a number of queries that does not grow with the plan (30 and 300 tasks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from projects.models import Baseline, Milestone, Project, ProjectPhase
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import lifecycle_project, project_state
from tests.msproject_sample import MILESTONES_EN, PHASES_EN, Row, build_xml, large_rows, sample_xml

CHANGERS = frozenset({"admin", "pmo", "manager"})
READERS = frozenset({"admin", "pmo", "executive", "manager", "member"})
Clients = Callable[[Any], APIClient]


def url(world: OrgWorld, project: Project | None = None) -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{(project or world.projects[0]).pk}/msproject-import/"


def post(client: APIClient, target: str, data: bytes | None = None, **fields: Any) -> Any:
    upload = SimpleUploadedFile("plan.xml", sample_xml() if data is None else data, content_type="text/xml")
    return client.post(target, {"file": upload, **fields}, format="multipart")


def state(*worlds: OrgWorld) -> list[Any]:
    result = []
    for world in worlds:
        with world.ctx():
            result.append(project_state(world, *world.projects))
    return result


def test_a_dry_run_says_what_would_change_and_writes_nothing(org_a: OrgWorld, api_client: Clients) -> None:
    before = state(org_a)

    response = post(api_client(org_a.users["manager"]), url(org_a))

    body = response.json()
    assert response.status_code == 200, body
    assert (body["dry_run"], body["applied"], body["file_name"], body["plan_name"]) == (
        True,
        False,
        "plan.xml",
        "CRM roll-out",
    )
    assert [p["name"] for p in body["phases"]] == PHASES_EN
    assert {p["effect"] for p in body["phases"] + body["milestones"]} == {"create"}
    assert [m["name"] for m in body["milestones"]] == MILESTONES_EN
    charter = body["milestones"][0]
    assert (charter["phase_name"], charter["forecast"], charter["actual"]) == ("Initiation", "2026-09-14", "2026-09-14")
    assert body["counts"]["tasks_skipped"] == 18 and body["counts"]["links_skipped"] == 20
    assert body["baseline"] == {
        "set_from_file": True,
        "version": None,
        "start": "2026-09-07",
        "finish": "2026-12-08",
        "differences": 0,
    }
    assert body["errors"] == [] and body["warnings"] == []
    assert state(org_a) == before


def test_dry_run_false_imports(org_a: OrgWorld, api_client: Clients) -> None:
    project = lifecycle_project(org_a)
    client = api_client(org_a.users["manager"])

    response = post(client, url(org_a, project), dry_run="false")

    body = response.json()
    assert response.status_code == 200, body
    assert body["applied"] is True and body["dry_run"] is False
    assert body["counts"]["phases_created"] == 1 and body["counts"]["phases_updated"] == 4
    assert body["baseline"]["set_from_file"] is False and body["baseline"]["version"] == 1
    assert any("finishes on 2026-12-08" in warning for warning in body["warnings"])
    with org_a.ctx():
        assert ProjectPhase.objects.filter(project=project, name="Testing and acceptance").exists()
        assert Milestone.objects.filter(project=project, name__in=MILESTONES_EN).count() == 6
        assert Baseline.objects.filter(project=project).count() == 1
    again = post(client, url(org_a, project), dry_run="false").json()
    assert again["counts"]["phases_unchanged"] == 5 and again["counts"]["milestones_unchanged"] == 6


def test_who_may_import(org_a: OrgWorld, org_b: OrgWorld, api_client: Clients) -> None:
    before = state(org_a, org_b)

    for role in ROLES:
        client = api_client(org_a.users[role])
        if role in CHANGERS:
            assert post(client, url(org_a)).status_code == 200, role  # a dry run: nothing written
        else:
            for dry_run in ("true", "false"):
                response = post(client, url(org_a), dry_run=dry_run)
                assert response.status_code == (403 if role in READERS else 404), role
                assert "detail" in response.json()
        outsider = api_client(org_b.users[role])
        assert post(outsider, url(org_a), dry_run="false").status_code == 404, role
        # Their own organisation's slug with our project's id: not found either.
        foreign = f"/api/v1/orgs/{org_b.slug}/projects/{org_a.projects[0].pk}/msproject-import/"
        assert post(outsider, foreign, dry_run="false").status_code == 404, role

    assert APIClient().post(url(org_a), {}, format="multipart").status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert post(wrong, url(org_a), dry_run="false").status_code == 401
    assert state(org_a, org_b) == before


def test_the_admin_pmo_and_manager_import_for_real(org_a: OrgWorld, api_client: Clients) -> None:
    for role, project in [("admin", org_a.projects[0]), ("pmo", org_a.projects[1]), ("manager", org_a.projects[0])]:
        response = post(api_client(org_a.users[role]), url(org_a, project), dry_run="false")
        assert response.status_code == 200, role
        assert response.json()["applied"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not well-formed XML"),
        (b"<Project><Tasks/></Project>", "not the Microsoft Project namespace"),
        (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><p>&x;</p>', "DTD or entities"),
        (b"", "The submitted file is empty."),
    ],
)
def test_files_that_are_not_a_plan_are_refused(org_a: OrgWorld, api_client: Clients, data: bytes, message: str) -> None:
    before = state(org_a)

    response = post(api_client(org_a.users["pmo"]), url(org_a), data, dry_run="false")

    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])
    assert state(org_a) == before


def test_nothing_to_import_is_an_error_of_the_import_not_of_the_dry_run(org_a: OrgWorld, api_client: Clients) -> None:
    data = build_xml([Row("Only work", 1, 5)])
    client = api_client(org_a.users["pmo"])

    dry = post(client, url(org_a), data)
    real = post(client, url(org_a), data, dry_run="false")

    assert dry.status_code == 200 and "nothing to import" in dry.json()["errors"][0]
    assert real.status_code == 400 and "nothing to import" in real.json()["file"][0]


def test_bad_input_fields(org_a: OrgWorld, api_client: Clients) -> None:
    client = api_client(org_a.users["pmo"])

    assert list(client.post(url(org_a), {}, format="multipart").json()) == ["file"]
    assert list(post(client, url(org_a), dry_run="perhaps").json()) == ["dry_run"]
    assert client.post(url(org_a), {"file": "text"}, format="json").status_code == 415


def test_an_archived_project_answers_409(org_a: OrgWorld, api_client: Clients) -> None:
    with org_a.ctx():
        Project.objects.filter(pk=org_a.projects[0].pk).update(status=Project.Status.CANCELLED)
    before = state(org_a)

    for dry_run in ("true", "false"):
        response = post(api_client(org_a.users["pmo"]), url(org_a), dry_run=dry_run)
        assert response.status_code == 409
        assert "read-only" in response.json()["detail"]
    assert state(org_a) == before


def test_the_schema_documents_the_operation() -> None:
    generator = SchemaGenerator(patterns=[path("api/v1/orgs/<slug:org_slug>/", include("projects.msproject.api_urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)

    operation = schema["paths"]["/api/v1/orgs/{org_slug}/projects/{project_pk}/msproject-import/"]["post"]
    components = schema["components"]["schemas"]

    assert operation["operationId"] == "projects_msproject_import"
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert components[body]["properties"]["file"]["format"] == "binary"
    assert components[body]["properties"]["dry_run"]["default"] is True
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"phases", "milestones", "baseline", "counts", "warnings", "errors"} <= set(components[output]["properties"])
    assert {"400", "409"} <= set(operation["responses"])


def test_queries_do_not_grow_with_the_plan(org_a: OrgWorld, api_client: Clients) -> None:
    """A dry run and an import of a 30-task plan and of a 300-task one take the same number of queries."""
    client = api_client(org_a.users["manager"])
    post(client, url(org_a))  # the client's first call, with what is cached after it, is not the one measured
    counts: dict[int, list[int]] = {}
    for tasks in (30, 300):
        project = lifecycle_project(org_a, code=f"Q-{tasks}")
        data = build_xml(large_rows(tasks))
        for dry_run in ("true", "false", "false"):
            with CaptureQueriesContext(connection) as queries:
                response = post(client, url(org_a, project), data, dry_run=dry_run)
            assert response.status_code == 200
            counts.setdefault(tasks, []).append(len(queries))
        body = response.json()
        assert body["counts"]["milestones_unchanged"] == len(body["milestones"]) >= tasks // 6

    assert counts[30] == counts[300], counts
    preview, first_import, second_import = counts[300]
    assert preview <= 16 and first_import <= 24 and second_import <= 24, counts
