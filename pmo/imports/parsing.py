"""Reading an uploaded spreadsheet into text: a header row and the non-empty rows, each with its row number as a
spreadsheet shows it (the header is row 1).

- CSV: UTF-8 with or without a byte-order mark, else GB18030 (what Chinese Excel writes); comma, semicolon or tab
  separated.
- XLSX: the first sheet, through openpyxl in read-only mode with the cached values of formulas (``data_only``);
  openpyxl parses the package's XML with defusedxml. The package's unpacked size is checked from its directory
  before anything is decompressed.

Cells become text: whole numbers without ``.0``, other numbers as written, dates as ``YYYY-MM-DD`` (a time of
midnight is dropped). Cell text is data: nothing is evaluated or stripped of a leading ``=``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 10_000
# In an XLSX, this many empty rows in a row end the table (formatting often reaches far below the data).
MAX_BLANK_RUN = 1000
# An XLSX is a ZIP: refuse one that would unpack to more than this (a ZIP bomb), read from its central directory.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
SUFFIXES = {".csv": "csv", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Table:
    file_format: str
    header: list[str]
    # (row number in the spreadsheet, the row's cells as text); empty rows are left out.
    rows: list[tuple[int, list[str]]]


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def file_format_of(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in SUFFIXES:
        raise _refuse(_("Upload a .xlsx or .csv file."))
    return SUFFIXES[suffix]


def upload_content(upload: Any) -> bytes:
    """The bytes of an uploaded file, refused (``ValidationError`` on ``file``) past ``MAX_BYTES`` before reading."""
    if int(getattr(upload, "size", 0) or 0) > MAX_BYTES:
        raise _refuse(_("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_BYTES)})
    content: bytes = upload.read()
    return content


def read_table(*, name: str, content: bytes) -> Table:
    """The table in ``content`` (a file called ``name``); ``ValidationError({"file": [...]})`` when it cannot be
    read, is empty, too large or has too many rows or columns."""
    file_format = file_format_of(name)
    if not content:
        raise _refuse(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise _refuse(_("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_BYTES)})
    raw_rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for line, cells in enumerate(raw_rows, start=1):
        if header is None:
            header = cells
            if not any(cell.strip() for cell in header):
                raise _refuse(_("The first row must hold the column headers, as in the template."))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise _refuse(
                _("The file has more than %(limit)s rows: split it into smaller files.") % {"limit": f"{MAX_ROWS:,}"}
            )
        rows.append((line, cells))
    if header is None:
        raise _refuse(_("The file is empty."))
    if not rows:
        raise _refuse(_("The file has headers but no rows to import."))
    return Table(file_format=file_format, header=header, rows=rows)


def _check_width(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise _refuse(_("The file has more than %(limit)d columns.") % {"limit": MAX_COLUMNS})
    if any(len(cell) > MAX_CELL_CHARS for cell in cells):
        raise _refuse(_("A cell holds more than %(limit)s characters.") % {"limit": f"{MAX_CELL_CHARS:,}"})
    return cells


# --- CSV ------------------------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise _refuse(_("This is not a CSV file: save the sheet as CSV (UTF-8) or upload the .xlsx."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(_("The file's text encoding is not UTF-8 or GB18030: save it as CSV (UTF-8)."))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    try:
        return [_check_width(list(row)) for row in csv.reader(io.StringIO(text, newline=""), _dialect(text))]
    except csv.Error as exc:
        raise _refuse(_("The CSV file cannot be read (%(reason)s).") % {"reason": exc}) from None


# --- XLSX -----------------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell value as the text a person typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = _("The XLSX file cannot be read: save it again from Excel, or upload a CSV.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_UNPACKED_BYTES:
                raise _refuse(
                    _("The XLSX file unpacks to more than %(limit)s.") % {"limit": filesizeformat(MAX_UNPACKED_BYTES)}
                )
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(unreadable) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, ParseError):
        raise _refuse(unreadable) from None
    try:
        if not workbook.worksheets:
            raise _refuse(unreadable)
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        blank_run = filled = 0
        # One column more than allowed is enough to refuse a file that is too wide.
        for values in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            cells = _check_width([cell_text(value) for value in values])
            if not cells:
                blank_run += 1
                # Formatting can reach far below the data: a long run of empty rows ends the table.
                if blank_run > MAX_BLANK_RUN:
                    break
                rows.append(cells)
                continue
            blank_run = 0
            filled += 1
            rows.append(cells)
            # The header and one row over the limit are enough to refuse; reading on would only cost time.
            if filled > MAX_ROWS + 1:
                break
        return rows
    except (KeyError, ValueError, TypeError, OSError, ParseError, zipfile.BadZipFile):
        raise _refuse(unreadable) from None
    finally:
        workbook.close()
