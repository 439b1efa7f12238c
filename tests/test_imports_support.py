"""Helpers of the import tests: spreadsheets built in the test (openpyxl, csv), uploads through the page and the
API, and the rows of every table an import writes (to assert that nothing changed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from pmo.imports.models import ImportBatch
from projects.models import Milestone, Project
from resources.models import Allocation, Person, PersonSkill
from risks.models import Risk
from tests.conftest import OrgWorld
from tests.factories import PASSWORD

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, title: str = "Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    content_type = XLSX_TYPE if name.endswith(".xlsx") else "text/csv"
    return SimpleUploadedFile(name, content, content_type=content_type)


def web_client(user: Any, *, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    client.cookies["django_language"] = language
    return client


def web_upload(client: Client, world: OrgWorld, entity: str, name: str, content: bytes) -> Any:
    return client.post(f"/o/{world.slug}/import/{entity}/", {"file": upload_file(name, content)})


def api_upload(
    client: Any,
    world: OrgWorld,
    entity: str,
    name: str,
    content: bytes,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    data = {"entity": entity, "file": upload_file(name, content), **fields}
    return client.post(f"/api/v1/orgs/{world.slug}/imports/", data, format="multipart", headers=headers)


def snapshot(*worlds: OrgWorld) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import could write, in every world: compared before and after a refused call."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for world in worlds:
        with world.ctx():
            for label, queryset in (
                ("projects", Project.objects.values_list("pk", "code", "name", "status")),
                ("milestones", Milestone.objects.values_list("pk", "project_id", "name", "forecast_date")),
                ("people", Person.objects.values_list("pk", "full_name", "email", "user_id")),
                ("skills", PersonSkill.objects.values_list("pk", "person_id", "skill_id", "level")),
                ("allocations", Allocation.objects.values_list("pk", "person_id", "project_id", "hours_per_week")),
                ("risks", Risk.objects.values_list("pk", "number", "title", "probability")),
                ("batches", ImportBatch.objects.values_list("pk", "status", "imported_count", "error_count")),
            ):
                tables.setdefault(label, []).extend(sorted(queryset.order_by("pk")))
    return tables


def count(world: OrgWorld, model: Any, **filters: Any) -> int:
    with world.ctx():
        return int(model.objects.filter(**filters).count())


def error_rows(errors: Sequence[dict[str, Any]]) -> list[int]:
    return sorted({error["row"] for error in errors})
