"""The import pages: who sees which card (a permission matrix over the six roles and another organisation's users,
refusals changing nothing), the templates (headers in the reader's language, notes, round trip: download, fill,
upload, no error, import), the preview (errors by row and column, in Chinese for a Chinese user, the first rows),
import once (a second click imports nothing more), cancel, another user's batch, and query counts."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

import pytest
from django.db import connection
from openpyxl import load_workbook

from pmo.imports.models import ImportBatch
from risks.models import Risk
from tests.conftest import ROLES, OrgWorld
from tests.test_imports_support import count, csv_bytes, snapshot, web_client, web_upload, xlsx_bytes

IMPORTERS = {"admin", "pmo", "manager"}
CARDS = {
    "admin": ["projects", "people", "allocations", "risks", "milestones"],
    "pmo": ["projects", "people", "allocations", "risks", "milestones"],
    "manager": ["allocations", "risks", "milestones"],
}
RISK_HEADER = ["Project", "Title", "Category", "Probability", "Impact"]


def url(world: OrgWorld, rest: str = "") -> str:
    return f"/o/{world.slug}/import/{rest}"


def risk_file(world: OrgWorld, *rows: list[Any]) -> bytes:
    return xlsx_bytes(RISK_HEADER, rows or [[world.projects[0].code, "Late delivery", "schedule", 3, 4]])


def uploaded_batch(world: OrgWorld, role: str = "pmo", content: bytes | None = None) -> ImportBatch:
    response = web_upload(web_client(world.users[role]), world, "risks", "risks.xlsx", content or risk_file(world))
    assert response.status_code == 302, response.content
    with world.ctx():
        return ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


# --- Who may ------------------------------------------------------------------------------------------------------


def test_the_page_and_its_cards_per_role(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for role in ROLES:
        response = web_client(org_a.users[role]).get(url(org_a))
        assert response.status_code == (200 if role in IMPORTERS else 403), role
        if role in IMPORTERS:
            assert [card.spec.key for card in response.context["cards"]] == CARDS[role], role
            html = response.content.decode()
            for key in CARDS[role]:
                assert f'data-testid="import-card-{key}"' in html
                assert f'href="/o/{org_a.slug}/import/{key}/template.xlsx"' in html
    for role in ROLES:
        assert web_client(org_b.users[role]).get(url(org_a)).status_code == 404, role


def test_uploads_per_role_and_entity_and_from_another_organisation(org_a: OrgWorld, org_b: OrgWorld) -> None:
    files = {
        "projects": xlsx_bytes(["Project name"], [["Imported"]]),
        "people": xlsx_bytes(["Full name"], [["Imported"]]),
        "risks": risk_file(org_a),
    }
    for entity, content in files.items():
        for role in ROLES:
            before = snapshot(org_a, org_b)
            response = web_upload(web_client(org_a.users[role]), org_a, entity, "f.xlsx", content)
            allowed = role in CARDS and entity in CARDS[role]
            assert response.status_code == (302 if allowed else 403), (entity, role)
            if not allowed:
                assert snapshot(org_a, org_b) == before, (entity, role)
            before = snapshot(org_a, org_b)
            response = web_upload(web_client(org_b.users[role]), org_a, entity, "f.xlsx", content)
            assert response.status_code == 404, (entity, role)
            assert snapshot(org_a, org_b) == before, (entity, role)
    assert web_client(org_a.users["pmo"]).post(url(org_a, "budgets/"), {}).status_code == 404


def test_a_batch_is_its_uploaders_alone(org_a: OrgWorld, org_b: OrgWorld) -> None:
    batch = uploaded_batch(org_a, "manager")
    pages = [f"batches/{batch.pk}/", f"batches/{batch.pk}/commit/", f"batches/{batch.pk}/delete/"]
    before = snapshot(org_a, org_b)
    for role in ("admin", "pmo"):
        client = web_client(org_a.users[role])
        for page in pages:
            assert client.get(url(org_a, page)).status_code == 404, (role, page)
        for page in pages[1:]:
            assert client.post(url(org_a, page)).status_code == 404, (role, page)
    for role in ROLES:
        client = web_client(org_b.users[role])
        for page in pages:
            assert client.get(url(org_a, page)).status_code == 404, (role, page)
            assert client.post(url(org_a, page)).status_code == 404, (role, page)
        # Its id under the other organisation's own address is missing too.
        if role in IMPORTERS:
            assert client.get(url(org_b, pages[0])).status_code == 404, role
            assert client.post(url(org_b, pages[1])).status_code == 404, role
    assert snapshot(org_a, org_b) == before
    assert web_client(org_a.users["manager"]).get(url(org_a, pages[0])).status_code == 200


# --- Templates ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_xlsx_template_has_the_headers_in_the_readers_language_and_notes(org_a: OrgWorld, language: str) -> None:
    response = web_client(org_a.users["pmo"], language=language).get(url(org_a, "risks/template.xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="import-risks-template.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    data, notes = workbook.worksheets
    header = [cell.value for cell in data[1]]
    if language == "zh-hans":
        assert header[:6] == ["项目", "项目组合", "标题", "分类", "概率", "影响"]
    else:
        assert header[:6] == ["Project", "Portfolio", "Title", "Category", "Probability", "Impact"]
    assert len(header) == 14 and data.max_row == 1  # no example row to import by mistake
    # Drop-downs on the columns with choices: category (D) and response strategy (G).
    assert {str(validation.sqref) for validation in data.data_validations.dataValidation} == {"D2:D5001", "G2:G5001"}
    notes_rows = {row[0]: row for row in notes.iter_rows(min_row=6, values_only=True)}
    yes = "是" if language == "zh-hans" else "Yes"
    assert notes_rows[header[4]][1:3] == (yes, "1–5") and notes_rows[header[4]][4] == "3"
    assert notes_rows[header[2]][1] == yes and notes_rows[header[1]][1] != yes
    assert set(notes_rows) >= set(header)


def test_the_csv_template_is_the_header_row(org_a: OrgWorld) -> None:
    response = web_client(org_a.users["manager"], language="zh-hans").get(url(org_a, "allocations/template.csv"))
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["人员", "项目", "起始周", "结束周", "每周工时", "角色"]
    ]
    assert web_client(org_a.users["manager"]).get(url(org_a, "projects/template.csv")).status_code == 403
    assert web_client(org_a.users["executive"]).get(url(org_a, "risks/template.csv")).status_code == 403


@pytest.mark.parametrize(("fmt", "language"), [("xlsx", "zh-hans"), ("csv", "en"), ("xlsx", "en")])
def test_template_round_trip_download_fill_upload_no_error_import(org_a: OrgWorld, fmt: str, language: str) -> None:
    client = web_client(org_a.users["manager"], language=language)
    response = client.get(url(org_a, f"risks/template.{fmt}"))
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        values = {0: org_a.projects[0].code, 2: "Round trip", 3: "Schedule", 4: 2, 5: 5}
        sheet.append([values.get(index, "") for index in range(len(header))])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    else:
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        row = {0: org_a.projects[0].code, 2: "Round trip", 3: "schedule", 4: "2", 5: "5"}
        content = csv_bytes(header, [[row.get(index, "") for index in range(len(header))]])
    response = web_upload(client, org_a, "risks", f"filled.{fmt}", content)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["error_count"] == 0, page.context["errors"]
    assert 'data-testid="import-commit"' in page.content.decode()
    assert client.post(f"{response['Location']}commit/").status_code == 302
    with org_a.ctx():
        risk = Risk.objects.get(organization=org_a.organization)
    assert (risk.title, risk.category, risk.probability, risk.impact) == ("Round trip", "schedule", 2, 5)


# --- Preview, import, cancel --------------------------------------------------------------------------------------


def test_the_preview_names_each_problem_by_row_and_column_in_chinese(org_a: OrgWorld) -> None:
    client = web_client(org_a.users["pmo"], language="zh-hans")
    content = risk_file(
        org_a,
        [org_a.projects[0].code, "好的", "schedule", 3, 4],
        [org_a.projects[0].code, "概率太高", "schedule", 9, 4],
        ["BETA-0", "别人的项目", "schedule", 1, 1],
    )
    page = client.get(web_upload(client, org_a, "risks", "风险.xlsx", content)["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert [(error["row"], error["cell"], error["header"]) for error in page.context["errors"]] == [
        (3, "D3", "Probability"),
        (4, "A4", "Project"),
    ]
    assert "请按 1 到 5 评分（本组织的评分等级）。" in html
    assert "D3" in html and '<tr data-row="4">' in html
    assert 'data-testid="import-commit"' not in html and 'data-testid="upload-again"' in html
    # The first rows as they will be imported: the category by its label, the bad cell as typed and marked.
    preview = page.context["preview"]
    assert preview[0][0] == 2 and ("进度", False) in preview[0][1]
    assert ("9", True) in preview[1][1]
    assert count(org_a, Risk) == 0


def test_import_once_and_a_second_click_imports_nothing_more(org_a: OrgWorld) -> None:
    batch = uploaded_batch(org_a)
    client = web_client(org_a.users["pmo"])
    first = client.post(url(org_a, f"batches/{batch.pk}/commit/"), follow=True)
    assert first.status_code == 200
    assert "1 risk imported." in first.content.decode()
    assert 'data-testid="import-result"' in first.content.decode()
    assert f'href="/o/{org_a.slug}/risks/"' in first.content.decode()
    second = client.post(url(org_a, f"batches/{batch.pk}/commit/"), follow=True)
    assert "This file has been imported already." in second.content.decode()
    assert count(org_a, Risk) == 1
    with org_a.ctx():
        stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.imported_count, len(stored.imported_ids)) == ("imported", 1, 1)


def test_cancel_forgets_the_batch_and_imports_nothing(org_a: OrgWorld) -> None:
    batch = uploaded_batch(org_a)
    client = web_client(org_a.users["pmo"])
    response = client.post(url(org_a, f"batches/{batch.pk}/delete/"), follow=True)
    assert "cancelled: nothing was imported" in response.content.decode()
    assert count(org_a, ImportBatch) == 0 and count(org_a, Risk) == 0


def test_an_unreadable_file_is_refused_next_to_the_field_and_nothing_is_kept(org_a: OrgWorld) -> None:
    client = web_client(org_a.users["pmo"])
    response = web_upload(client, org_a, "risks", "risks.xlsx", b"not a spreadsheet")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The XLSX file cannot be read" in html
    assert response.context["cards"][3].form.errors["file"]
    response = client.post(url(org_a, "risks/"), {})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert count(org_a, ImportBatch) == 0


# --- Queries ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 80])
def test_preview_page_queries_do_not_grow_with_the_rows(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    rows = [[org_a.projects[0].code, f"Risk {n}", "cost", 2, 3] for n in range(size)]
    batch = uploaded_batch(org_a, content=risk_file(org_a, *rows))
    client = web_client(org_a.users["pmo"])
    client.get(url(org_a, f"batches/{batch.pk}/"))
    with django_assert_max_num_queries(14):
        response = client.get(url(org_a, f"batches/{batch.pk}/"))
    assert len(response.context["preview"]) == min(size, 20)


@pytest.mark.parametrize("uploads", [1, 12])
def test_import_page_queries_do_not_grow_with_the_uploads(
    org_a: OrgWorld, uploads: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(uploads):
        uploaded_batch(org_a)
    client = web_client(org_a.users["pmo"])
    with django_assert_max_num_queries(13):
        response = client.get(url(org_a))
    assert len(response.context["batches"]) == min(uploads, 10)


LISTS = {
    "projects": "projects/",
    "people": "resources/people/",
    "risks": "risks/",
    "allocations": "resources/allocations/",
}


def test_the_lists_link_to_their_import_card_for_those_who_may_import(org_a: OrgWorld) -> None:
    links: dict[str, set[str]] = {role: set() for role in ROLES}
    for role in ROLES:
        client = web_client(org_a.users[role])
        for entity, path in LISTS.items():
            response = client.get(f"/o/{org_a.slug}/{path}")
            if response.status_code != 200:
                continue  # the list itself is not theirs
            link = f'href="/o/{org_a.slug}/import/#import-{entity}" style="margin-left: auto" data-testid="import-link"'
            if link in response.content.decode():
                links[role].add(entity)
    assert links == {
        "admin": set(LISTS),
        "pmo": set(LISTS),
        "manager": {"risks", "allocations"},
        "executive": set(),
        "member": set(),
        "viewer": set(),
    }


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_time_import_once(org_a: OrgWorld) -> None:
    """Two requests commit the same batch at once: the batch row lock makes the second wait, then find it imported."""
    rows = [[org_a.projects[0].code, f"Risk {n}", "cost", 2, 3] for n in range(20)]
    batch = uploaded_batch(org_a, content=risk_file(org_a, *rows))
    clients = [web_client(org_a.users["pmo"]) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers: list[str] = []

    def click(client: Any) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(url(org_a, f"batches/{batch.pk}/commit/"), follow=True)
            answers.append(response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 2
    assert sorted("20 risks imported." in answer for answer in answers) == [False, True]
    assert sum("This file has been imported already." in answer for answer in answers) == 1
    assert count(org_a, Risk) == 20
