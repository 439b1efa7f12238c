"""Lists as files: the rows a list page shows (its filters and sort, every page of it) as CSV or XLSX.

A list view mixes in ``ExportableListMixin``, names its columns and returns the filtered, unpaginated rows; the
same URL with ``?format=csv`` or ``?format=xlsx`` answers the file. Headers and choice labels follow the active
language; dates and times read in the organisation's time zone (the one the view activated).

Cells are data, never formulas: text that a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab, return first) is
written as text in XLSX and prefixed with ``'`` in CSV (the usual defence against formula injection).
The file is built inside the request's transaction, so the rows are read with the tenant setting in force.

Several tables in one file (a whole project): ``Sheet`` each, and ``workbook_response`` answers an XLSX workbook
with a sheet per table or a zip of CSV files, written by the same code as a list's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# An export is a working file, not a backup: past this many rows the file says it was cut (the API pages further).
MAX_ROWS = 50_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column: its header and how to read a cell from a row (a model instance or a dict)."""

    header: str | Promise
    value: Callable[[Any], Any]
    # Width hint for XLSX, in characters.
    width: int = 16


def attr(path: str) -> Callable[[Any], Any]:
    """``attr("manager.email")``: follow attributes (or dict keys), ``None`` anywhere gives an empty cell."""
    parts = path.split(".")

    def read(row: Any) -> Any:
        value = row
        for part in parts:
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part)
        return value() if callable(value) else value

    return read


def _plain(value: Any) -> Any:
    """A cell value both writers accept: numbers stay numbers, times become local and naive, the rest text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple | set):
        return ", ".join(str(_plain(item)) for item in value)
    return str(value)


def _is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def _csv_cell(value: Any) -> Any:
    if _is_formula_like(value):
        return "'" + value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(columns: Sequence[Column], rows: Iterable[Any]) -> tuple[list[list[Any]], bool]:
    table: list[list[Any]] = []
    for row in rows:
        if len(table) == MAX_ROWS:
            return table, True
        table.append([_plain(column.value(row)) for column in columns])
    return table, False


def render_csv(columns: Sequence[Column], table: list[list[Any]], *, truncated: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.header) for column in columns])
    for cells in table:
        writer.writerow([_csv_cell(cell) for cell in cells])
    if truncated:
        writer.writerow([_truncated_note()])
    # The byte-order mark makes Excel read the file as UTF-8 (Chinese text included).
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook(write_only=True)


def _add_sheet(
    workbook: Any, *, title: str, columns: Sequence[Column], table: list[list[Any]], truncated: bool
) -> None:
    """One sheet: a bold, frozen header row, column widths, typed cells (formula-like text stays text)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for cells in table:
        out = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            if _is_formula_like(value):
                cell.data_type = "s"  # kept as the text it is, never evaluated
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            out.append(cell)
        sheet.append(out)
    if truncated:
        sheet.append([_truncated_note()])


def _saved(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_xlsx(columns: Sequence[Column], table: list[list[Any]], *, title: str, truncated: bool) -> bytes:
    workbook = _new_workbook()
    _add_sheet(workbook, title=_sheet_title(title), columns=columns, table=table, truncated=truncated)
    return _saved(workbook)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Export")[:31]


def _truncated_note() -> str:
    return _("The list was cut at %(count)s rows: narrow the filters, or read the rest through the API.") % {
        "count": MAX_ROWS
    }


def export_response(
    *, columns: Sequence[Column], rows: Iterable[Any], fmt: str, filename: str, title: str = ""
) -> HttpResponse:
    """The file of ``rows`` in ``fmt`` (``csv`` or ``xlsx``), offered as ``<filename>.<fmt>``."""
    table, truncated = _rows(columns, rows)
    if fmt == "csv":
        content = render_csv(columns, table, truncated=truncated)
    else:
        content = render_xlsx(columns, table, title=title or filename, truncated=truncated)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Several tables in one file (a whole project) --------------------------------------------------------------

WORKBOOK_FORMATS = {"csv": "application/zip", "xlsx": FORMATS["xlsx"]}


@dataclass(frozen=True)
class Sheet:
    """One table of a file of several: ``title`` names the XLSX sheet (the reader's language), ``name`` the CSV
    file inside the zip (ASCII, such as ``milestones``)."""

    name: str
    title: str | Promise
    columns: Sequence[Column]
    rows: Iterable[Any]


def render_workbook(sheets: Sequence[Sheet]) -> bytes:
    """One XLSX workbook, a sheet per table, in order; sheet names are cut to Excel's 31 characters, kept unique."""
    workbook = _new_workbook()
    used: set[str] = set()
    for sheet in sheets:
        table, truncated = _rows(sheet.columns, sheet.rows)
        title = _sheet_title(str(sheet.title))
        for number in range(2, len(sheets) + 2):
            if title.lower() not in used:
                break
            suffix = f" ({number})"
            title = _sheet_title(str(sheet.title))[: 31 - len(suffix)] + suffix
        used.add(title.lower())
        _add_sheet(workbook, title=title, columns=sheet.columns, table=table, truncated=truncated)
    return _saved(workbook)


def render_csv_zip(sheets: Sequence[Sheet]) -> bytes:
    """A zip of one CSV per table (``01-overview.csv`` …), each as ``render_csv`` writes it (BOM, UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, sheet in enumerate(sheets, start=1):
            table, truncated = _rows(sheet.columns, sheet.rows)
            archive.writestr(f"{index:02d}-{sheet.name}.csv", render_csv(sheet.columns, table, truncated=truncated))
    return buffer.getvalue()


def workbook_response(*, sheets: Sequence[Sheet], fmt: str, filename: str) -> HttpResponse:
    """Several tables as one file: an XLSX workbook (``xlsx``) or a zip of CSV files (``csv``)."""
    if fmt == "csv":
        content, extension = render_csv_zip(sheets), "zip"
    else:
        content, extension = render_workbook(sheets), "xlsx"
    response = HttpResponse(content, content_type=WORKBOOK_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def list_query(request: HttpRequest) -> str:
    """The list's GET parameters (filters and sort) without the page and the format, encoded: what the export
    links and the pager links carry."""
    query = request.GET.copy()
    for key in ("page", "format"):
        query.pop(key, None)
    return query.urlencode()


def bad_format_response() -> JsonResponse:
    """The 400 of a ``format`` that is neither ``csv`` nor ``xlsx``."""
    return JsonResponse({"format": [_("Choose csv or xlsx.")]}, status=400, json_dumps_params={"ensure_ascii": False})


def requested_format(request: HttpRequest) -> str:
    return request.GET.get("format", "")


class ExportableListMixin:
    """For a list page (after ``OrganizationViewMixin`` in the bases). ``?format=csv|xlsx`` answers the file of
    the list as filtered and sorted, all pages; any other ``format`` is a 400 that names the two that exist.

    Subclasses set ``export_name`` (the file's stem, e.g. ``"projects"``) and implement ``export_columns`` and
    ``export_rows`` (the filtered queryset, unpaginated, with what the columns read already joined or prefetched).
    The template includes ``_export.html`` with ``export_query`` (the page's filters) to offer the two links.
    """

    export_name = "export"
    request: HttpRequest

    def export_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def export_rows(self) -> Iterable[Any]:
        raise NotImplementedError

    def export_title(self) -> str:
        return self.export_name

    def export_errors(self) -> dict[str, list[str]] | None:
        """The filters' errors (field → messages), if any: the file is then refused with a 400 that names them,
        rather than exporting a list the reader did not ask for. ``None`` when the filters are valid."""
        return None

    def export_filename(self) -> str:
        organization = getattr(self, "organization", None)
        stem = f"{organization.slug}-{self.export_name}" if organization is not None else self.export_name
        return f"{stem}-{timezone.localdate().isoformat()}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = requested_format(request)
        if fmt:
            if fmt not in FORMATS:
                return bad_format_response()
            errors = self.export_errors()
            if errors:
                return JsonResponse(errors, status=400, json_dumps_params={"ensure_ascii": False})
            return export_response(
                columns=self.export_columns(),
                rows=self.export_rows(),
                fmt=fmt,
                filename=self.export_filename(),
                title=self.export_title(),
            )
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        data["export_query"] = list_query(self.request)
        return data
