"""The Microsoft Project import pages of a project: upload → preview → import, who may use them (every role, and
another organisation: 404 with nothing changed), what is refused (not XML, an .mpp file, a bomb: 400 next to the
form, nothing stored), an archived project (409), a stale preview (409), a double click (imported once), and the
link on the Lifecycle tab."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.models import Milestone, PlanImport, Project, ProjectPhase
from tests.conftest import ROLES, OrgWorld
from tests.factories_projects import project_state
from tests.msproject_sample import MILESTONES_EN, PHASES_EN, Row, build_xml, large_rows, sample_xml

# projects[0] of a world: run by the manager, readable by the member; the viewer may not see it.
CHANGERS = frozenset({"admin", "pmo", "manager"})
READERS = frozenset({"admin", "pmo", "executive", "manager", "member"})


def logged_in(user: Any, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def upload_url(world: OrgWorld, project: Project | None = None) -> str:
    return f"/o/{world.slug}/projects/{(project or world.projects[0]).pk}/msproject/"


def xml_file(data: bytes | None = None, name: str = "crm-rollout.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample_xml() if data is None else data, content_type="text/xml")


def imports_of(world: OrgWorld) -> list[tuple[Any, ...]]:
    with world.ctx():
        return list(PlanImport.objects.order_by("pk").values_list("pk", "project_id", "status"))


def everything(world: OrgWorld) -> tuple[Any, ...]:
    with world.ctx():
        return project_state(world, *world.projects), imports_of(world)


def upload(world: OrgWorld, role: str = "manager", **kwargs: Any) -> tuple[Client, str]:
    client = logged_in(world.users[role])
    response = client.post(upload_url(world), {"file": xml_file(**kwargs)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client, response["Location"]


def digest_of(page: str) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    assert match is not None
    return match.group(1)


# --- The journey --------------------------------------------------------------------------------------------------


def test_upload_preview_and_import(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a)
    assert re.fullmatch(rf"{upload_url(org_a)}\d+/", preview_url)

    preview = client.get(preview_url)
    page = preview.content.decode()

    assert preview.status_code == 200
    assert "Import of “crm-rollout.xml”" in page and "CRM roll-out" in page
    assert page.count('data-testid="phase-row"') == 5 and page.count('data-testid="milestone-row"') == 6
    for name in PHASES_EN + MILESTONES_EN:
        assert name in page
    assert "18 tasks are not imported" in page and "Nor are 20 links between tasks" in page
    assert "This project has no baseline yet: the import sets baseline v1" in page
    assert "2026-11-20" in page  # UAT sign-off
    with org_a.ctx():
        assert not Milestone.objects.filter(project=org_a.projects[0]).exists()  # a preview writes nothing

    done = client.post(preview_url, {"digest": digest_of(page)})

    assert done.status_code == 302 and done["Location"] == preview_url
    result = client.get(preview_url).content.decode()
    assert "The plan from “crm-rollout.xml” is imported." in result
    assert 'data-testid="msproject-result"' in result and "Baseline v1 set from the file." in result
    assert "5 added, 0 updated, 0 unchanged" in result
    with org_a.ctx():
        assert list(ProjectPhase.objects.filter(project=org_a.projects[0]).values_list("name", flat=True)) == PHASES_EN
        assert Milestone.objects.filter(project=org_a.projects[0]).count() == 6
    history = client.get(upload_url(org_a)).content.decode()
    assert 'data-testid="msproject-history"' in history and "crm-rollout.xml" in history


def test_a_double_click_imports_once(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a)
    digest = digest_of(client.get(preview_url).content.decode())

    first = client.post(preview_url, {"digest": digest})
    second = client.post(preview_url, {"digest": digest}, follow=True)

    assert first.status_code == 302
    assert "This file has been imported already." in second.content.decode()
    with org_a.ctx():
        assert Milestone.objects.filter(project=org_a.projects[0]).count() == 6


def test_a_stale_preview_is_refused_and_shown_again(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a)
    digest = digest_of(client.get(preview_url).content.decode())
    with org_a.ctx():
        Milestone.objects.create(organization=org_a.organization, project=org_a.projects[0], name="Go-live", order=1)
    before = everything(org_a)

    refused = client.post(preview_url, {"digest": digest})

    page = refused.content.decode()
    assert refused.status_code == 409
    assert "changed since this preview was made" in page
    assert digest_of(page) != digest  # the fresh preview, ready to import
    assert everything(org_a) == before


def test_the_lifecycle_tab_links_to_the_import_for_those_who_may_use_it(org_a: OrgWorld) -> None:
    lifecycle = f"/o/{org_a.slug}/projects/{org_a.projects[0].pk}/lifecycle/"
    link = f'href="{upload_url(org_a)}"'

    assert link in logged_in(org_a.users["manager"]).get(lifecycle).content.decode()
    assert link not in logged_in(org_a.users["member"]).get(lifecycle).content.decode()


def test_the_pages_in_chinese(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a, data=sample_xml(chinese=True))
    client.cookies["django_language"] = "zh-hans"

    page = client.get(preview_url).content.decode()

    assert 'lang="zh-hans"' in page
    for name in ("启动", "测试与验收", "验收签字", "CRM 系统上线"):
        assert name in page


# --- Who may -------------------------------------------------------------------------------------------------------


def test_who_may_open_upload_and_import(org_a: OrgWorld, org_b: OrgWorld) -> None:
    _client, preview_url = upload(org_a, role="pmo")
    before = everything(org_a)

    for role in ROLES:
        client = logged_in(org_a.users[role])
        page, preview = client.get(upload_url(org_a)), client.get(preview_url)
        expected = 200 if role in CHANGERS else 403 if role in READERS else 404
        assert (page.status_code, preview.status_code) == (expected, expected), role
        if role not in CHANGERS:
            posted = client.post(upload_url(org_a), {"file": xml_file()})
            imported = client.post(preview_url, {"digest": "x"})
            assert (posted.status_code, imported.status_code) == (expected, expected), role
    for role in ROLES:
        client = logged_in(org_b.users[role])
        for response in (
            client.get(upload_url(org_a)),
            client.get(preview_url),
            client.post(upload_url(org_a), {"file": xml_file()}),
            client.post(preview_url, {"digest": "x"}),
        ):
            assert response.status_code == 404, role

    assert everything(org_a) == before


def test_an_import_of_another_project_or_organisation_is_not_found_through_this_one(
    org_a: OrgWorld, org_b: OrgWorld
) -> None:
    _client, preview_url = upload(org_a, role="pmo")
    import_id = preview_url.rstrip("/").rsplit("/", 1)[1]
    other_project = upload_url(org_a, org_a.projects[1]) + f"{import_id}/"
    _b_client, b_preview = upload(org_b, role="pmo")
    b_import = b_preview.rstrip("/").rsplit("/", 1)[1]
    client = logged_in(org_a.users["pmo"])
    before = everything(org_a), everything(org_b)

    assert client.get(other_project).status_code == 404
    assert client.post(other_project, {"digest": "x"}).status_code == 404
    assert client.get(upload_url(org_a) + f"{b_import}/").status_code == 404
    assert client.post(upload_url(org_a) + f"{b_import}/", {"digest": "x"}).status_code == 404
    assert (everything(org_a), everything(org_b)) == before


# --- Refusals ------------------------------------------------------------------------------------------------------


def test_files_that_are_not_a_plan_are_refused_next_to_the_form(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["manager"])
    before = everything(org_a)
    bomb = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><p>&b;</p>'
    cases = [
        (xml_file(b"name,start\nBuild,2026-01-01\n", "plan.xml"), "not well-formed XML"),
        (xml_file(b"\xd0\xcf\x11\xe0 binary", "plan.mpp"), "This is a Microsoft Project file (.mpp), not XML"),
        (xml_file(bomb), "declares a DTD or entities"),
        (xml_file(b"<Project><Tasks/></Project>"), "not the Microsoft Project namespace"),
        (xml_file(b""), "The submitted file is empty."),
    ]
    for upload_file, message in cases:
        response = client.post(upload_url(org_a), {"file": upload_file})
        page = response.content.decode()
        assert response.status_code == 400, message
        assert message in page, message
        assert 'data-testid="msproject-form"' in page

    assert client.post(upload_url(org_a), {}).status_code == 400
    assert everything(org_a) == before


def test_a_file_with_nothing_to_import_shows_why_and_offers_no_import(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a, data=build_xml([Row("Just a task", 1, 3), Row("Another one", 1, 2)]))

    page = client.get(preview_url).content.decode()

    assert "there is nothing to import" in page
    assert 'data-testid="msproject-import"' not in page
    assert client.post(preview_url, {"digest": "x"}).status_code == 400


def test_an_archived_project_refuses_the_upload_and_the_import(org_a: OrgWorld) -> None:
    client, preview_url = upload(org_a)
    digest = digest_of(client.get(preview_url).content.decode())
    with org_a.ctx():
        Project.objects.filter(pk=org_a.projects[0].pk).update(status=Project.Status.CLOSED)
    before = everything(org_a)

    page = client.get(upload_url(org_a))
    posted = client.post(upload_url(org_a), {"file": xml_file()})
    imported = client.post(preview_url, {"digest": digest})

    assert page.status_code == 200 and 'data-testid="msproject-form"' not in page.content.decode()
    assert posted.status_code == imported.status_code == 409
    assert "a closed or cancelled project is read-only" in posted.content.decode()
    assert "a closed or cancelled project is read-only" in imported.content.decode()
    assert everything(org_a) == before


def test_the_preview_takes_as_many_queries_for_300_tasks_as_for_30(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["manager"])
    counts = []
    for tasks in (30, 300):
        response = client.post(upload_url(org_a), {"file": xml_file(build_xml(large_rows(tasks)))})
        client.get(response["Location"])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(response["Location"])
        assert page.status_code == 200 and page.content.decode().count('data-testid="milestone-row"') >= tasks // 6
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 20, counts
