"""The whole project as one file (issue 8): ``/o/<org>/projects/<id>/export/?format=xlsx`` is a workbook with a
sheet per part of the project, ``?format=csv`` a zip of CSV files; headers in the reader's language; text never
runs as a formula; whoever may read the project may export it (404 otherwise, and for another organisation); the
query count does not grow with the project; the API answers the same file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import path
from django.utils import timezone, translation
from openpyxl import load_workbook

from pmo import urls as root_urls
from pmo.tenancy.context import tenant_context
from projects.documents.services import document_create
from projects.models import GateReview, Project
from projects.project_export_api import ProjectExportAPIView
from risks.models import Assumption
from tests.conftest import ROLES, OrgWorld
from tests.factories_kpis import allocate, baseline, change_request, issue, person, report, risk
from tests.factories_projects import MilestoneFactory, lifecycle_project

# Until the lead mounts the API operation in projects/api_urls.py, the tests mount it themselves (first, so that
# the test does not depend on where it ends up).
urlpatterns = [
    path(
        "api/v1/orgs/<slug:org_slug>/projects/<int:project_pk>/export/",
        ProjectExportAPIView.as_view(),
        name="api-project-export-test",
    ),
    *root_urls.urlpatterns,
]

SHEETS = [
    "Overview",
    "Phases",
    "Deliverables",
    "Milestones",
    "Gates",
    "Baselines",
    "Change requests",
    "Status reports",
    "Risks",
    "Issues",
    "Assumptions",
    "Allocations",
    "Budget and earned value",
    "Documents",
]
FILES = [
    "overview",
    "phases",
    "deliverables",
    "milestones",
    "gates",
    "baselines",
    "change-requests",
    "status-reports",
    "risks",
    "issues",
    "assumptions",
    "allocations",
    "earned-value",
    "documents",
]
FORMULA = '=HYPERLINK("http://evil.example","click")'
# Readers of the exported project: leadership, its manager and the member it is shared with; not the viewer.
READERS = {"admin", "pmo", "executive", "manager", "member"}


def logged_in(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def export_url(world: OrgWorld, project: Project, fmt: str = "xlsx") -> str:
    return f"/o/{world.slug}/projects/{project.pk}/export/?format={fmt}"


def build_project(world: OrgWorld, *, extra: int = 0) -> Project:
    """An IPD project with a row (``1 + extra`` rows) in every part of the file."""
    project = lifecycle_project(world, kind="ipd", code="EXP-1", name="Export pilot", readers=("member",))
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    # project_create set baseline v1; a change request brought v2.
    changed = baseline(world, project, version=2, budget=500_000, category="cost")
    who = person(world, "Wang Fang")
    with tenant_context(world.organization):
        for number in range(1 + extra):
            MilestoneFactory(
                organization=world.organization,
                project=project,
                name=FORMULA if number == 0 else f"Extra milestone {number}",
                baseline_date=monday + dt.timedelta(days=30 + number),
                forecast_date=monday + dt.timedelta(days=35 + number),
            )
            Assumption.objects.create(
                organization=world.organization, project=project, title=f"Assumption {number}", owner=None
            )
            document_create(
                organization=world.organization,
                actor=world.users["manager"],
                project=project,
                title=f"Charter {number}",
                url=f"https://docs.example/charter-{number}",
            )
    for number in range(1 + extra):
        risk(world, project, 100 + number, level="project", escalated_at=None)
        issue(world, project, 100 + number, level="project", escalated_at=timezone.now(), status="open")
        decided = timezone.now() if number == 0 else None
        change_request(
            world, project, 1 + number, status="approved" if number == 0 else "submitted",
            submitted_at=timezone.now(), decided_at=decided, new_baseline=changed if number == 0 else None,
        )  # fmt: skip
        report(world, project, monday - dt.timedelta(weeks=1 + number), percent_complete=20, actual_cost=1000)
        allocate(world, who, project, monday, monday + dt.timedelta(weeks=4), 10 + number)
    return project


def workbook(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(response.content))


def rows(book: Any, title: str) -> list[list[Any]]:
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def column(table: list[list[Any]], header: str) -> list[Any]:
    index = table[0].index(header)
    return [row[index] for row in table[1:]]


def test_the_workbook_has_a_sheet_per_part_with_the_projects_rows(org_a: OrgWorld) -> None:
    project = build_project(org_a)
    response = logged_in(org_a.users["manager"]).get(export_url(org_a, project))
    book = workbook(response)
    assert book.sheetnames == SHEETS
    assert f'filename="{org_a.slug}-project-EXP-1-' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.xlsx"')

    overview = {row[0]: row[1] for row in rows(book, "Overview")[1:]}
    assert overview["Code"] == "EXP-1" and overview["Name"] == "Export pilot"
    assert overview["Status"] == "Active" and overview["Manager"] == org_a.users["manager"].full_name
    assert overview["Currency"] == org_a.organization.currency

    with tenant_context(org_a.organization):
        gates = list(GateReview.objects.filter(project=project).order_by("phase__order", "order", "pk"))
    assert column(rows(book, "Gates"), "Code") == [gate.code for gate in gates]
    assert "Decision checkpoint (DCP)" in column(rows(book, "Gates"), "Kind")

    milestones = rows(book, "Milestones")
    assert FORMULA in column(milestones, "Milestone")
    # Text that a spreadsheet would run is stored as text, never as a formula.
    cell = next(c for c in book["Milestones"]["A"] if c.value == FORMULA)
    assert cell.data_type == "s"
    assert isinstance(column(milestones, "Baseline date")[-1], dt.datetime)  # a real date cell

    assert column(rows(book, "Risks"), "Code") == ["R-100"]
    assert column(rows(book, "Risks"), "Title") == ["Risk 100"]
    assert column(rows(book, "Issues"), "Code") == ["I-100"]
    assert column(rows(book, "Assumptions"), "Assumption") == ["Assumption 0"]
    assert column(rows(book, "Change requests"), "Code") == ["CR-001"]
    assert column(rows(book, "Change requests"), "Baseline version") == [2]
    assert column(rows(book, "Baselines"), "Version") == [2, 1]
    assert column(rows(book, "Baselines"), "Budget")[0] == 500000
    assert column(rows(book, "Baselines"), "Reason category")[0] == "Cost change"
    assert len(column(rows(book, "Status reports"), "Week")) == 1
    assert column(rows(book, "Allocations"), "Person") == ["Wang Fang"]
    assert column(rows(book, "Allocations"), "Hours per week") == [10]
    assert column(rows(book, "Documents"), "File or link") == ["https://docs.example/charter-0"]
    assert len(column(rows(book, "Phases"), "Phase")) >= 5
    assert len(column(rows(book, "Deliverables"), "Deliverable")) > 5
    assert column(rows(book, "Budget and earned value"), "Percent complete") == [20]


def test_the_csv_zip_holds_a_file_per_part_each_with_a_bom_and_formulas_defused(org_a: OrgWorld) -> None:
    project = build_project(org_a)
    response = logged_in(org_a.users["pmo"]).get(export_url(org_a, project, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [f"{number:02d}-{name}.csv" for number, name in enumerate(FILES, start=1)]
    for name in archive.namelist():
        assert archive.read(name).startswith(b"\xef\xbb\xbf"), name
    milestones = list(csv.reader(io.StringIO(archive.read("04-milestones.csv").decode("utf-8-sig"))))
    assert milestones[0][:3] == ["Milestone", "Phase", "Baseline date"]
    assert "'" + FORMULA in [row[0] for row in milestones[1:]]
    risks = list(csv.reader(io.StringIO(archive.read("09-risks.csv").decode("utf-8-sig"))))
    assert [row[0] for row in risks[1:]] == ["R-100"]


def test_headers_and_sheet_names_follow_the_readers_language(org_a: OrgWorld) -> None:
    project = build_project(org_a)
    book = workbook(logged_in(org_a.users["manager"], "zh-hans").get(export_url(org_a, project)))
    with translation.override("zh-hans"):
        milestones, overview, field = (
            translation.gettext("Milestones"),
            translation.gettext("Overview"),
            translation.gettext("Code"),
        )
    assert milestones != "Milestones"
    assert milestones in book.sheetnames and overview in book.sheetnames
    assert rows(book, overview)[1][0] == field


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_project_may_export_it_and_another_organisation_gets_404(
    org_a: OrgWorld, org_b: OrgWorld, role: str
) -> None:
    project = build_project(org_a)
    expected = 200 if role in READERS else 404
    for fmt in ("xlsx", "csv"):
        assert logged_in(org_a.users[role]).get(export_url(org_a, project, fmt)).status_code == expected, fmt
        assert logged_in(org_b.users[role]).get(export_url(org_a, project, fmt)).status_code == 404, fmt
    # The project granted to nobody is a 404 for everyone but leadership.
    hidden = logged_in(org_a.users[role]).get(export_url(org_a, org_a.projects[2]))
    assert hidden.status_code == (200 if role in {"admin", "pmo", "executive"} else 404)


def test_an_unknown_format_is_a_400_and_anonymous_visitors_log_in(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    response = logged_in(org_a.users["manager"]).get(export_url(org_a, project, "pdf"))
    assert response.status_code == 400 and response.json() == {"format": ["Choose csv or xlsx."]}
    anonymous = Client().get(export_url(org_a, project))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_header_offers_the_export(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    body = logged_in(org_a.users["manager"]).get(f"/o/{org_a.slug}/projects/{project.pk}/").content.decode()
    assert f'href="/o/{org_a.slug}/projects/{project.pk}/export/?format=xlsx"' in body
    assert f'href="/o/{org_a.slug}/projects/{project.pk}/export/?format=csv"' in body
    assert "Export project" in body


@pytest.mark.parametrize("extra", [0, 25])
def test_the_query_count_does_not_grow_with_the_project(
    org_a: OrgWorld, django_assert_max_num_queries: Any, extra: int
) -> None:
    project = build_project(org_a, extra=extra)
    client = logged_in(org_a.users["manager"])
    client.get(export_url(org_a, project))  # the session and the organisation's settings rows settle
    with django_assert_max_num_queries(30):
        book = workbook(client.get(export_url(org_a, project)))
    with django_assert_max_num_queries(30):
        assert client.get(export_url(org_a, project, "csv")).status_code == 200
    assert len(rows(book, "Risks")) == 2 + extra
    assert len(rows(book, "Documents")) == 2 + extra


# --- API ----------------------------------------------------------------------------------------------------------


def api_url(world: OrgWorld, project: Project, fmt: str = "xlsx") -> str:
    return f"/api/v1/orgs/{world.slug}/projects/{project.pk}/export/?format={fmt}"


@pytest.mark.urls(__name__)
def test_the_api_answers_the_same_file(org_a: OrgWorld, api_client: Any) -> None:
    project = build_project(org_a)
    client = api_client(org_a.users["member"])
    book = workbook(client.get(api_url(org_a, project), HTTP_ACCEPT="application/json"))
    assert book.sheetnames == SHEETS
    archive = client.get(api_url(org_a, project, "csv"))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == len(FILES)


@pytest.mark.urls(__name__)
def test_the_api_refuses_a_bad_format_strangers_and_the_unauthenticated(
    org_a: OrgWorld, org_b: OrgWorld, api_client: Any
) -> None:
    project = org_a.projects[0]
    refused = api_client(org_a.users["manager"]).get(api_url(org_a, project, "pdf"))
    assert refused.status_code == 400 and "format" in refused.json()
    for role in ROLES:
        assert api_client(org_b.users[role]).get(api_url(org_a, project)).status_code == 404, role
    assert api_client(org_a.users["viewer"]).get(api_url(org_a, project)).status_code == 404
    assert api_client(None).get(api_url(org_a, project)).status_code == 401


def test_sheet_names_are_cut_to_excels_limit_and_kept_unique() -> None:
    from pmo.core.exports import Column, Sheet, render_workbook

    columns = [Column("A", lambda row: row)]
    long = "A sheet title much longer than thirty-one characters"
    book = load_workbook(io.BytesIO(render_workbook([Sheet("a", long, columns, [1]), Sheet("b", long, columns, [2])])))
    assert [len(name) <= 31 for name in book.sheetnames] == [True, True]
    assert len(set(book.sheetnames)) == 2
    assert book.sheetnames[1].endswith("(2)")
