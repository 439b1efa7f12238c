"""The templates offered for download: the entity's headers in the reader's language, ready to fill.

- CSV: the header row only (UTF-8 with a byte-order mark, as the list exports).
- XLSX: the header row on the first sheet (required columns shaded, a drop-down list on columns with choices, the
  headers frozen), and a second sheet of notes: each column, whether it is required, the values it takes, what it
  means and an example. The first sheet holds no example row, so a template filled in imports only what was typed.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from pmo.core import exports
from pmo.imports.parsing import MAX_ROWS
from pmo.imports.specs import Choice, Column, EntitySpec, ImportContext

REQUIRED_FILL = "FFF4CC"
HEADER_FILL = "E6EFFC"


def template_filename(spec: EntitySpec) -> str:
    return f"import-{spec.key}-template"


def template_response(*, spec: EntitySpec, ctx: ImportContext, fmt: str) -> HttpResponse:
    """``fmt`` is ``csv`` or ``xlsx``."""
    if fmt == "csv":
        columns = [exports.Column(header=column.header, value=exports.attr(column.key)) for column in spec.columns]
        return exports.export_response(columns=columns, rows=[], fmt="csv", filename=template_filename(spec))
    response = HttpResponse(_workbook(spec, ctx), content_type=exports.FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{template_filename(spec)}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def column_notes(spec: EntitySpec, ctx: ImportContext) -> list[dict[str, Any]]:
    """Each column as the upload page and the notes sheet explain it."""
    return [
        {
            "key": column.key,
            "header": str(column.header),
            "required": column.required,
            "allowed": column.field.allowed(ctx),
            "help": str(column.help),
            "example": str(column.example),
        }
        for column in spec.columns
    ]


def _workbook(spec: EntitySpec, ctx: ImportContext) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(spec.label)[:31]
    bold = Font(bold=True)
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.header))
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if column.required else HEADER_FILL)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(str(column.header)) * 2 + 4))
        _add_choices(sheet, column, letter, DataValidation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Notes")[:31])
    notes.append([str(spec.label)])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([str(spec.description)])
    notes.append(
        [
            _(
                "Fill one row per item on the first sheet, from row 2 (row 1 holds the headers, in English or "
                "Chinese). Shaded headers are required. At most %(rows)s rows."
            )
            % {"rows": f"{MAX_ROWS:,}"}
        ]
    )
    notes.append([])
    notes.append([_("Column"), _("Required"), _("Values"), _("Notes"), _("Example")])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for note in column_notes(spec, ctx):
        notes.append(
            [note["header"], _("Yes") if note["required"] else _("No"), note["allowed"], note["help"], note["example"]]
        )
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in notes.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = wrap
    for letter, width in zip("ABCDE", (24, 10, 40, 50, 24), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_choices(sheet: Any, column: Column, letter: str, validation_class: Any) -> None:
    """A drop-down of the choices' labels (Excel keeps a list under 255 characters; longer ones are left out)."""
    if not isinstance(column.field, Choice):
        return
    labels = column.field.labels()
    listed = ",".join(labels)
    if len(listed) > 250 or any("," in label or '"' in label for label in labels):
        return
    validation = validation_class(type="list", formula1=f'"{listed}"', allow_blank=True)
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)
