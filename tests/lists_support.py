"""What every list page owes (issue 7: "lists paginate, filter, sort, and export to CSV and XLSX"), checked the
same way for each list: a ``ListSpec`` names the page, how to fill it with ``size`` rows and how to read a row's
key from the page and from the file; the ``check_*`` functions are the generic tests, which each list's module runs
over its specs.

- the page and its CSV/XLSX export cost the same number of queries with 3 and 55 rows (55: two pages);
- the export holds the rows of the filtered, sorted list, every page, in the same order, with readable headers;
- roles that may not see the list get the page's refusal for the file too; another organisation's users get 404
  and never see a row of the other organisation.

A module runs them by subclassing ``ListContract`` with its specs (``class TestRiskLists(ListContract)``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from tests.conftest import ROLES, OrgWorld
from tests.factories import PASSWORD

SIZES = [3, 55]
PAGE = 50


def client_for(user: Any, *, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    client.cookies["django_language"] = language
    return client


def csv_rows(response: Any) -> list[list[str]]:
    """The CSV's rows (header first); the file starts with a UTF-8 byte-order mark for Excel."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def page_rows(response: Any) -> list[Any]:
    assert response.status_code == 200, response.status_code
    return list(response.context["page"].object_list)


def with_query(path: str, query: str, **extra: Any) -> str:
    base, _, own = path.partition("?")
    parts = [part for part in [own, query, *(f"{key}={value}" for key, value in extra.items())] if part]
    return f"{base}?{'&'.join(parts)}" if parts else base


@dataclass
class ListSpec:
    path: str  # under /o/<slug>/
    populate: Callable[[OrgWorld, int], None]
    # Key of a row shown on the page (an item of the page's object_list) and of a row of the file (its cells).
    page_key: Callable[[Any], str]
    file_key: Callable[[list[Any]], str]
    headers: list[str]  # msgids of the first columns, translated in the active language when compared
    role: str = "pmo"  # who reads the list in the generic tests
    # A filter and sort that keeps more than a page at the large size; "__project__" stands for the id of the
    # world's first project.
    filtered_query: str = ""
    page_bound: int = 0
    export_bound: int = 0
    # Status of the page per role ("200" readers, else the refusal); the file answers the same.
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 200))

    def url(self, world: OrgWorld, query: str = "", **extra: Any) -> str:
        return with_query(f"/o/{world.slug}/{self.path}", query, **extra)

    def filtered_url(self, world: OrgWorld, **extra: Any) -> str:
        query = self.filtered_query.replace("__project__", str(world.projects[0].pk))
        return self.url(world, query, **extra)


def check_costs(spec: ListSpec, org_a: OrgWorld, django_assert_max_num_queries: Any, size: int) -> None:
    """The page, its CSV and its XLSX stay within their bounds with ``size`` rows; all rows are in the files."""
    spec.populate(org_a, size)
    client = client_for(org_a.users[spec.role])
    client.get(spec.url(org_a))  # the session and language settle on the first request
    with django_assert_max_num_queries(spec.page_bound):
        page = client.get(spec.url(org_a))
    with django_assert_max_num_queries(spec.export_bound):
        export = client.get(spec.url(org_a, format="csv"))
    total = page.context["page"].paginator.count
    assert total >= size
    assert len(page_rows(page)) == min(total, PAGE)
    assert len(csv_rows(export)) == total + 1
    with django_assert_max_num_queries(spec.export_bound):
        assert len(xlsx_rows(client.get(spec.url(org_a, format="xlsx")))) == total + 1


def check_export_has_every_page(spec: ListSpec, org_a: OrgWorld) -> None:
    """With a filter and sort that keep two pages: the files hold page 1 then page 2, in order, headers first."""
    spec.populate(org_a, SIZES[-1])
    client = client_for(org_a.users[spec.role])
    first = client.get(spec.filtered_url(org_a))
    assert first.context["page"].paginator.num_pages == 2, "the filtered list should span two pages"
    second = client.get(spec.filtered_url(org_a, page=2))
    shown = [spec.page_key(row) for row in page_rows(first) + page_rows(second)]
    table = csv_rows(client.get(spec.filtered_url(org_a, format="csv")))
    with translation.override("en"):
        assert table[0][: len(spec.headers)] == [translation.gettext(h) for h in spec.headers]
    assert [spec.file_key(cells) for cells in table[1:]] == shown
    sheet = xlsx_rows(client.get(spec.filtered_url(org_a, format="xlsx")))
    assert [str(cell) for cell in sheet[0]] == table[0]
    assert [spec.file_key(["" if cell is None else str(cell) for cell in row]) for row in sheet[1:]] == shown


def check_headers_follow_the_language(spec: ListSpec, org_a: OrgWorld) -> None:
    spec.populate(org_a, SIZES[0])
    table = csv_rows(client_for(org_a.users[spec.role], language="zh-hans").get(spec.url(org_a, format="csv")))
    with translation.override("zh-hans"):
        assert table[0][: len(spec.headers)] == [translation.gettext(h) for h in spec.headers]


def check_roles_and_other_organisations(spec: ListSpec, org_a: OrgWorld, org_b: OrgWorld) -> None:
    """Each role gets the page's answer for the files too; another organisation's users get 404 for both, and its
    rows (named after its slug) never appear."""
    spec.populate(org_a, SIZES[0])
    spec.populate(org_b, SIZES[0])
    for role in ROLES:
        client = client_for(org_a.users[role])
        expected = spec.statuses[role]
        assert client.get(spec.url(org_a)).status_code == expected, role
        for fmt in ("csv", "xlsx"):
            assert client.get(spec.url(org_a, format=fmt)).status_code == expected, (role, fmt)
        if expected == 200:
            body = client.get(spec.url(org_a, format="csv")).content.decode("utf-8-sig")
            assert org_b.slug not in body.lower(), role
        stranger = client_for(org_b.users[role])
        assert stranger.get(spec.url(org_a)).status_code == 404, role
        assert stranger.get(spec.url(org_a, format="csv")).status_code == 404, role


def check_bad_format_is_400(spec: ListSpec, org_a: OrgWorld) -> None:
    response = client_for(org_a.users[spec.role]).get(spec.url(org_a, format="pdf"))
    assert response.status_code == 400
    assert "format" in response.json()


class ListContract:
    """The generic checks as tests of a module's lists: subclass with ``specs`` (name → ``ListSpec``) and, where
    only some lists have headers worth checking in Chinese, ``translated`` (their names; all by default)."""

    specs: ClassVar[dict[str, ListSpec]] = {}
    translated: ClassVar[tuple[str, ...] | None] = None

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "name" in metafunc.fixturenames:
            names = self.translated if metafunc.function.__name__ == "test_headers_follow_the_language" else None
            metafunc.parametrize("name", list(names if names is not None else self.specs))

    @pytest.mark.parametrize("size", SIZES)
    def test_page_and_files_cost_the_same_at_two_sizes(
        self, org_a: OrgWorld, django_assert_max_num_queries: Any, name: str, size: int
    ) -> None:
        check_costs(self.specs[name], org_a, django_assert_max_num_queries, size)

    def test_files_hold_the_filtered_list_every_page(self, org_a: OrgWorld, name: str) -> None:
        check_export_has_every_page(self.specs[name], org_a)

    def test_headers_follow_the_language(self, org_a: OrgWorld, name: str) -> None:
        check_headers_follow_the_language(self.specs[name], org_a)

    def test_roles_and_another_organisation(self, org_a: OrgWorld, org_b: OrgWorld, name: str) -> None:
        check_roles_and_other_organisations(self.specs[name], org_a, org_b)

    def test_an_unknown_format_is_400(self, org_a: OrgWorld, name: str) -> None:
        check_bad_format_is_400(self.specs[name], org_a)


def key_column(table: list[list[str]], header: str) -> list[str]:
    """The cells of the column named ``header`` (English) below the header row."""
    with translation.override("en"):
        index = table[0].index(translation.gettext(header))
    return [row[index] for row in table[1:]]
