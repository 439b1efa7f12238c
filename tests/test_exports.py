"""The list-export helper (``pmo.core.exports``): CSV that Excel reads (BOM, UTF-8, Chinese intact), XLSX with typed
cells, formula-like text never run, headers in the active language, the cut at ``MAX_ROWS``, a 400 for a format that
does not exist."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from openpyxl import load_workbook

from pmo.core import exports
from pmo.core.exports import Column, ExportableListMixin, attr, export_response

ROWS: list[dict[str, Any]] = [
    {
        "code": "P-001",
        "name": "智能工厂 二期",
        "due": dt.date(2026, 11, 20),
        "at": dt.datetime(2026, 11, 16, 1, 30, tzinfo=dt.UTC),
        "budget": Decimal("1250000.50"),
        "count": 7,
        "done": True,
        "owner": {"email": "li@globex.example"},
        "tags": ["风险", "ERP"],
    },
    {
        "code": "P-002",
        "name": "=cmd|' /C calc'!A0",
        "due": None,
        "at": None,
        "budget": Decimal(0),
        "count": 0,
        "done": False,
        "owner": None,
        "tags": [],
    },
    {
        "code": "+SUM(A1:A2)",
        "name": "-2+3",
        "due": dt.date(2027, 1, 4),
        "at": None,
        "budget": Decimal("-10"),
        "count": -1,
        "done": False,
        "owner": {"email": "@mention"},
        "tags": [],
    },
]

COLUMNS = [
    Column(gettext_lazy("Code"), attr("code")),
    Column(gettext_lazy("Name"), attr("name")),
    Column(gettext_lazy("Due"), attr("due")),
    Column(gettext_lazy("Updated"), attr("at")),
    Column(gettext_lazy("Budget"), attr("budget")),
    Column(gettext_lazy("Count"), attr("count")),
    Column(gettext_lazy("Done"), attr("done")),
    Column(gettext_lazy("Owner"), attr("owner.email")),
    Column(gettext_lazy("Tags"), attr("tags")),
]


def csv_rows(response: HttpResponse) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


def xlsx_rows(response: HttpResponse) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def xlsx_cells(response: HttpResponse) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


@pytest.fixture
def shanghai() -> Any:
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        yield


def test_csv_is_utf8_with_bom_iso_dates_local_times_and_chinese_intact(shanghai: None) -> None:
    response = export_response(columns=COLUMNS, rows=ROWS, fmt="csv", filename="acme-projects-2026-11-20")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="acme-projects-2026-11-20.csv"'
    assert response["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    assert rows[0] == ["Code", "Name", "Due", "Updated", "Budget", "Count", "Done", "Owner", "Tags"]
    # 01:30 UTC is 09:30 in Shanghai: the organisation's time, without an offset Excel would not read.
    assert rows[1] == ["P-001", "智能工厂 二期", "2026-11-20", "2026-11-16 09:30:00", "1250000.50", "7", "Yes",
                       "li@globex.example", "风险, ERP"]  # fmt: skip
    assert rows[2][2:4] == ["", ""]  # None is an empty cell, also through a missing relation
    assert rows[2][7] == ""
    assert len(rows) == 4


def test_csv_prefixes_formula_like_text_with_a_quote() -> None:
    rows = csv_rows(export_response(columns=COLUMNS, rows=ROWS, fmt="csv", filename="x"))

    assert rows[2][1] == "'=cmd|' /C calc'!A0"
    assert rows[3][0] == "'+SUM(A1:A2)"
    assert rows[3][1] == "'-2+3"
    assert rows[3][7] == "'@mention"
    # Numbers are numbers, not text: a negative amount keeps its sign without a quote.
    assert rows[3][4] == "-10"
    assert rows[3][5] == "-1"


def test_headers_follow_the_active_language() -> None:
    columns = [Column(gettext_lazy("Project"), attr("code")), Column(gettext_lazy("Status"), attr("name"))]
    with translation.override("zh-hans"):
        rows = csv_rows(export_response(columns=columns, rows=ROWS[:1], fmt="csv", filename="x"))
        sheet = xlsx_rows(export_response(columns=columns, rows=ROWS[:1], fmt="xlsx", filename="x"))
        yes = csv_rows(export_response(columns=COLUMNS, rows=ROWS[:1], fmt="csv", filename="x"))[1][6]

    assert rows[0] == ["项目", "状态"]
    assert sheet[0] == ("项目", "状态")
    assert yes == "是"


def test_xlsx_keeps_types_and_never_writes_a_formula(shanghai: None) -> None:
    response = export_response(columns=COLUMNS, rows=ROWS, fmt="xlsx", filename="acme-projects", title="Projects")

    assert response["Content-Type"] == exports.FORMATS["xlsx"]
    assert response["Content-Disposition"] == 'attachment; filename="acme-projects.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Projects"
    assert sheet.freeze_panes == "A2"
    cells = xlsx_cells(response)
    assert [cell.value for cell in cells[0]] == [
        "Code", "Name", "Due", "Updated", "Budget", "Count", "Done", "Owner", "Tags",
    ]  # fmt: skip
    assert all(cell.font.bold for cell in cells[0])
    first = cells[1]
    assert first[1].value == "智能工厂 二期"
    # A date cell (openpyxl reads it back as a naive datetime: Excel cells have no zone).
    assert first[2].value.date() == dt.date(2026, 11, 20) and first[2].value.time() == dt.time(0, 0)
    assert first[2].is_date and first[2].number_format == "yyyy-mm-dd"
    assert first[3].value.tzinfo is None
    assert (first[3].value.date(), first[3].value.time()) == (dt.date(2026, 11, 16), dt.time(9, 30))
    assert first[3].is_date and first[3].number_format == "yyyy-mm-dd hh:mm"
    assert first[4].data_type == "n" and first[4].value == pytest.approx(1250000.5)
    assert first[5].data_type == "n" and first[5].value == 7
    assert first[8].value == "风险, ERP"
    injected = cells[2][1]
    assert injected.value == "=cmd|' /C calc'!A0"
    assert injected.data_type == "s", "formula-like text must stay text, never a formula"
    assert cells[3][0].data_type == "s" and cells[3][0].value == "+SUM(A1:A2)"
    assert cells[3][4].data_type == "n" and cells[3][4].value == -10
    assert len(cells) == 4


def test_the_sheet_title_is_cleaned_and_short() -> None:
    response = export_response(columns=COLUMNS, rows=[], fmt="xlsx", filename="x", title="Risks [Q4]: open/closed?*")

    title = load_workbook(io.BytesIO(response.content)).worksheets[0].title
    assert len(title) <= 31
    assert not set("[]:*?/\\") & set(title)
    assert title.startswith("Risks")


def test_an_empty_list_still_has_its_header_row() -> None:
    assert csv_rows(export_response(columns=COLUMNS, rows=[], fmt="csv", filename="x")) == [
        [str(column.header) for column in COLUMNS]
    ]
    assert len(xlsx_rows(export_response(columns=COLUMNS, rows=[], fmt="xlsx", filename="x"))) == 1


def test_the_file_is_cut_at_max_rows_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    many = [{**ROWS[0], "code": f"P-{n:03}"} for n in range(5)]

    rows = csv_rows(export_response(columns=COLUMNS, rows=many, fmt="csv", filename="x"))
    sheet = xlsx_rows(export_response(columns=COLUMNS, rows=many, fmt="xlsx", filename="x"))

    assert [row[0] for row in rows[1:3]] == ["P-000", "P-001"]
    assert len(rows) == 4 and "2" in rows[3][0] and "cut" in rows[3][0]
    assert [row[0] for row in sheet[1:3]] == ["P-000", "P-001"]
    assert len(sheet) == 4 and "cut" in str(sheet[3][0])


def test_exactly_max_rows_is_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_ROWS", 3)

    rows = csv_rows(export_response(columns=COLUMNS, rows=ROWS, fmt="csv", filename="x"))

    assert len(rows) == 4
    assert rows[-1][0] == "+SUM(A1:A2)".join(["'", ""])


def test_the_rows_are_read_once_and_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    pulled: list[int] = []

    def rows() -> Any:
        for n in range(1000):
            pulled.append(n)
            yield {**ROWS[0], "code": f"P-{n}"}

    export_response(columns=COLUMNS, rows=rows(), fmt="csv", filename="x")

    assert len(pulled) <= 3  # the export stops reading at the cut, it does not load the whole queryset


class _ListView(ExportableListMixin, TemplateView):
    export_name = "things"
    template_name = "_export.html"

    def export_columns(self) -> list[Column]:
        return COLUMNS[:2]

    def export_rows(self) -> list[dict[str, Any]]:
        return ROWS[:2]


def _get(query: str) -> Any:
    request: HttpRequest = RequestFactory().get("/o/acme/things/" + query)
    return _ListView.as_view()(request)


def test_the_mixin_answers_the_file_of_the_list_and_a_400_for_another_format() -> None:
    csv_response = _get("?format=csv&status=open")
    xlsx_response = _get("?format=xlsx")
    pdf = _get("?format=pdf")

    assert csv_response.status_code == 200
    assert csv_response["Content-Disposition"].startswith('attachment; filename="things-')
    assert csv_rows(csv_response)[1] == ["P-001", "智能工厂 二期"]
    assert xlsx_response.status_code == 200
    assert xlsx_rows(xlsx_response)[0] == ("Code", "Name")
    assert pdf.status_code == 400
    assert pdf["Content-Type"] == "application/json"
    assert "csv" in pdf.content.decode() and "xlsx" in pdf.content.decode()


def test_the_page_offers_links_that_keep_the_filters_but_not_the_page() -> None:
    response = _get("?status=open&page=3&q=%E9%A3%8E")
    response.render()
    html = response.content.decode()

    assert response.status_code == 200
    assert 'href="?status=open&amp;q=%E9%A3%8E&amp;format=csv"' in html
    assert 'href="?status=open&amp;q=%E9%A3%8E&amp;format=xlsx"' in html
    assert "page=3" not in html
