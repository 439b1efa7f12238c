"""Reading uploaded spreadsheets (``pmo.imports.parsing``): CSV in UTF-8 with or without BOM and in GB18030, comma,
semicolon or tab separated; XLSX cells (dates, numbers, text that looks like a formula) as text; row numbers as the
spreadsheet shows them; and every refusal (type, size, rows, columns, an unreadable or oversized package) with a
message and no table."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook

from pmo.imports import parsing
from pmo.imports.parsing import cell_text, read_table
from pmo.imports.specs import header_key, parse_decimal
from tests.test_imports_support import csv_bytes, xlsx_bytes

HEADER = ["项目", "标题", "Probability"]


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        read_table(name=name, content=content)
    return " ".join(caught.value.message_dict["file"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(encoding: str) -> None:
    content = csv_bytes(HEADER, [["ALPHA-0", "供应商延期交货", "3"]], encoding=encoding)
    table = read_table(name="风险.CSV", content=content)
    assert table.file_format == "csv"
    assert table.header == HEADER
    assert table.rows == [(2, ["ALPHA-0", "供应商延期交货", "3"])]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_csv_separated_by_commas_semicolons_or_tabs(separator: str) -> None:
    lines = [separator.join(["Code", "Name", "Budget"]), separator.join(["P-1", '"A, B"', "1"])]
    content = "\r\n".join(lines).encode()
    table = read_table(name="p.csv", content=content)
    assert table.header == ["Code", "Name", "Budget"]
    assert table.rows == [(2, ["P-1", "A, B", "1"])]


def test_blank_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers() -> None:
    content = xlsx_bytes(["Title", "Probability"], [["a", 1], [None, None], ["b", 2], ["", "  "], ["c", 3]])
    table = read_table(name="r.xlsx", content=content)
    assert [line for line, _cells in table.rows] == [2, 4, 6]
    content = b"Title,Probability\nx,1\n,\n\ny,2\n"
    assert [line for line, _cells in read_table(name="r.csv", content=content).rows] == [2, 5]


def test_xlsx_cells_read_as_the_text_a_person_typed() -> None:
    """Text that starts like a formula stays that text (it is data); a formula is read by its cached value."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Date", "Whole", "Decimal", "Formula-like", "Time", "Flag", "Formula"])
    # A spreadsheet's date cells carry no time zone.
    day, moment = dt.datetime(2027, 3, 31), dt.datetime(2027, 3, 31, 9, 30)  # noqa: DTZ001
    sheet.append([day, 40.0, 1234.5, "text", moment, True, "=1+1"])
    sheet["D2"].value = "=cmd|' /C calc'!A0"
    sheet["D2"].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(name="x.xlsx", content=buffer.getvalue())
    # openpyxl wrote the formula without a cached value (Excel would store one): it reads as empty.
    assert table.rows == [(2, ["2027-03-31", "40", "1234.5", "=cmd|' /C calc'!A0", "2027-03-31 09:30:00", "true"])]
    assert cell_text(0.1 + 0.2) == "0.30000000000000004"
    assert cell_text(Decimal("12.50")) == "12.50"
    assert cell_text(dt.date(2027, 1, 4)) == "2027-01-04"


def test_only_the_first_sheet_is_read() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(["Title"])
    first.append(["from the first sheet"])
    notes = workbook.create_sheet("Notes")
    notes.append(["Title"])
    notes.append(["from the notes"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(name="x.xlsx", content=buffer.getvalue()).rows == [(2, ["from the first sheet"])]


def test_refusals_name_the_problem() -> None:
    assert "Upload a .xlsx or .csv file." in refusal("risks.xls", b"whatever")
    assert "empty" in refusal("risks.csv", b"")
    assert "no rows" in refusal("risks.csv", b"Title,Probability\n")
    assert "first row must hold the column headers" in refusal("risks.csv", b",,\nx,1,2\n")
    assert "cannot be read" in refusal("risks.xlsx", b"PK\x03\x04 not really a zip")
    assert "cannot be read" in refusal("risks.xlsx", csv_bytes(["Title"], [["x"]]))
    assert "not a CSV file" in refusal("risks.csv", b"Title\x00\x01\x02")
    assert "columns" in refusal("wide.csv", ",".join(f"c{i}" for i in range(61)).encode() + b"\n" + b"x\n")


def test_size_row_and_unpacked_size_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "MAX_BYTES", 100)
    assert "larger than" in refusal("big.csv", b"Title\n" + b"x" * 200 + b"\n")
    monkeypatch.setattr(parsing, "MAX_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    assert read_table(name="ok.csv", content=b"Title\na\nb\nc\n").rows[-1] == (4, ["c"])
    assert "more than 3 rows" in refusal("rows.csv", b"Title\na\nb\nc\nd\n")
    assert "more than 3 rows" in refusal("rows.xlsx", xlsx_bytes(["Title"], [["a"], ["b"], ["c"], ["d"]]))
    monkeypatch.setattr(parsing, "MAX_UNPACKED_BYTES", 1000)
    assert "unpacks to more than" in refusal("bomb.xlsx", xlsx_bytes(["Title"], [["x" * 2000]]))


def test_a_package_with_an_entity_declaration_is_refused() -> None:
    """openpyxl reads the package's XML with defusedxml: a DTD with entities (billion laughs) is refused."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(["Title"], [["x"]]))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                data = doctype + data.replace(b"<t>x</t>", b"<t>&b;</t>")
            target.writestr(item, data)
    assert "cannot be read" in refusal("evil.xlsx", buffer.getvalue())


def test_refusals_are_in_the_users_language() -> None:
    with translation.override("zh-hans"):
        message = refusal("risks.csv", b"")
    assert message != "The file is empty."
    assert message


def test_numbers_read_whatever_the_locale_and_headers_match_loosely() -> None:
    assert parse_decimal("1,234.50") == Decimal("1234.50")
    assert parse_decimal(" ４０ ") == Decimal(40)
    assert parse_decimal("1e3") == Decimal(1000)
    assert parse_decimal("12,5") is None  # a decimal comma is refused, not guessed
    assert parse_decimal("1.234,5") is None
    assert parse_decimal("NaN") is None
    assert parse_decimal("") is None
    assert header_key(" Response  Strategy *") == header_key("response_strategy") == "responsestrategy"
    assert header_key("产能（每周小时数）") == header_key("产能(每周小时数)")
