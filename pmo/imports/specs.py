"""The import framework: what an importable entity declares (``EntitySpec`` with its ``Column``s, each read by a
``Field``), and the validation that turns a table of text into typed rows or row-level errors.

Each app describes its own entities next to its services (``projects/imports.py``, ``resources/imports.py``,
``risks/imports.py``): the columns (key, header, required, how a cell is read, help and an example), the checks
across columns and rows (``check_row``), and ``create_many``, which calls the app's bulk service
(``<entities>_create_many``) with every row, so that the rules, history, permissions and side effects stay those
of the service while the import costs a fixed number of queries.

Validation costs a fixed number of queries whatever the number of rows: each field loads every value of its
column at once (``Field.prepare``), each spec what its checks need (``EntitySpec.prepare``); a row is then checked
in memory. Headers are accepted in every language of the site, ignoring case, spaces and full-width forms.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from pmo.core.bulk import RowRefused
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization

# Past this many, errors are counted but not listed (a wrong file could otherwise produce one per cell).
MAX_LISTED_ERRORS = 1000
PREVIEW_ROWS = 20


class CellError(Exception):
    """A cell that cannot be read; ``message`` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize(text: str) -> str:
    """For matching headers and names: full-width forms folded (NFKC), case ignored, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def lookup_keys(texts: Iterable[str]) -> set[str]:
    """What to look ``texts`` up by in the database (compared with ``Lower(field)``): each as typed and
    ``normalize``d, so that a name stored with full-width forms or odd spacing is still found as typed. The match
    itself is made in Python on ``normalize``d values."""
    keys = set()
    for text in texts:
        if text.strip():
            keys |= {text.strip().lower(), normalize(text)}
    return keys


def header_key(text: str) -> str:
    """A header as matched: ``normalize``d, then without spaces, underscores and the ``*`` of required columns."""
    return re.sub(r"[\s_*]+", "", normalize(text))


def active_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_every_language(text: Any) -> set[str]:
    """``text`` (a lazy translation) as it reads in each language of the site."""
    values = set()
    for language in active_languages():
        with translation.override(language):
            values.add(str(text))
    return values


@dataclass
class ImportContext:
    """Who imports into which organisation, and what the fields and specs loaded for this validation."""

    organization: Organization
    access: OrgAccess
    actor: Any
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def today(self) -> dt.date:
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.organization.time_zone))


# --- Fields: how a cell reads ---------------------------------------------------------------------------------


class Field:
    """Reads one column's cells. ``parse`` gets the cell's text, stripped and never empty."""

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        """Load what the column's values refer to, in one query for all of them (``texts``: the distinct ones)."""

    def parse(self, text: str, ctx: ImportContext) -> Any:
        return text

    def display(self, value: Any) -> str:
        """The value as the preview shows it."""
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def allowed(self, ctx: ImportContext) -> str:
        """The values the column takes, in words (the template's notes and the upload page)."""
        return ""


class Text(Field):
    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length

    def parse(self, text: str, ctx: ImportContext) -> str:
        if self.max_length is not None and len(text) > self.max_length:
            raise CellError(_("Keep it under %(limit)d characters.") % {"limit": self.max_length})
        return text

    def allowed(self, ctx: ImportContext) -> str:
        if self.max_length is None:
            return _("Text")
        return _("Text, at most %(limit)d characters") % {"limit": self.max_length}


class Email(Text):
    def __init__(self) -> None:
        super().__init__(254)

    def parse(self, text: str, ctx: ImportContext) -> str:
        text = super().parse(text, ctx).lower()
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(_("Give a valid e-mail address.")) from None
        return text

    def allowed(self, ctx: ImportContext) -> str:
        return _("An e-mail address")


_DATE = re.compile(r"(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?(?:[ T]00:00(?::00)?)?")


class Date(Field):
    """``2026-11-30`` (also ``2026/11/30``, ``2026.11.30`` and ``2026年11月30日``), or a date cell of the
    spreadsheet."""

    def parse(self, text: str, ctx: ImportContext) -> dt.date:
        match = _DATE.fullmatch(unicodedata.normalize("NFKC", text))
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                pass
        raise CellError(_("Give a date, e.g. 2026-11-30."))

    def allowed(self, ctx: ImportContext) -> str:
        return _("A date, YYYY-MM-DD")


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def parse_decimal(text: str) -> Decimal | None:
    """A number written with a point for decimals, whatever the locale: ``1234.5``, ``1,234.50``, ``１２``. A comma is
    only a thousands separator (``12,5`` is refused, not guessed). ``None`` when it is not a number."""
    cleaned = re.sub(r"[\s_']", "", unicodedata.normalize("NFKC", text))
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class Number(Field):
    """A decimal number from ``minimum`` to ``maximum``, rounded to ``places``."""

    def __init__(
        self, *, minimum: Decimal, maximum: Decimal, places: int = 2, message: Callable[[], str] | None = None
    ) -> None:
        self.minimum, self.maximum, self.places = minimum, maximum, places
        self.message = message

    def _refusal(self) -> CellError:
        if self.message is not None:
            return CellError(self.message())
        return CellError(
            _("Give a number from %(min)s to %(max)s, e.g. 1234.5.") % {"min": self.minimum, "max": self.maximum}
        )

    def parse(self, text: str, ctx: ImportContext) -> Decimal:
        number = parse_decimal(text)
        if number is None or not self.minimum <= number <= self.maximum:
            raise self._refusal()
        return number.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)

    def display(self, value: Any) -> str:
        return "" if value is None else f"{value:f}"

    def allowed(self, ctx: ImportContext) -> str:
        return _("A number from %(min)s to %(max)s") % {"min": self.minimum, "max": self.maximum}


class Integer(Field):
    """A whole number from ``minimum`` to ``maximum(ctx)`` (the maximum may depend on the organisation)."""

    def __init__(
        self, *, minimum: int, maximum: Callable[[ImportContext], int], message: Callable[[ImportContext], str]
    ) -> None:
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def parse(self, text: str, ctx: ImportContext) -> int:
        number = parse_decimal(text)
        if number is None or number != number.to_integral_value() or not self.minimum <= number <= self.maximum(ctx):
            raise CellError(self.message(ctx))
        return int(number)

    def allowed(self, ctx: ImportContext) -> str:
        return f"{self.minimum}–{self.maximum(ctx)}"


class Choice(Field):
    """One of a model's choices, written as its value or its label in any language of the site."""

    def __init__(self, choices: type[models.Choices]) -> None:
        self.choices = choices

    @cached_property
    def aliases(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for value, label in zip(self.choices.values, self.choices.labels, strict=True):
            found[normalize(str(value))] = value
            for text in in_every_language(label):
                found.setdefault(normalize(text), value)
        return found

    def options(self) -> list[Any]:
        """The values a cell may take (all the choices unless a subclass narrows them)."""
        return list(self.choices.values)

    def labels(self) -> list[str]:
        return [str(self.choices(value).label) for value in self.options()]

    def parse(self, text: str, ctx: ImportContext) -> Any:
        value = self.aliases.get(normalize(text))
        if value is None or value not in self.options():
            raise CellError(_("Choose one of: %(choices)s.") % {"choices": self.allowed(ctx)})
        return value

    def display(self, value: Any) -> str:
        return "" if value is None else str(self.choices(value).label)

    def allowed(self, ctx: ImportContext) -> str:
        return ", ".join(self.labels())


_lazy_yes = gettext_lazy("Yes")
_lazy_no = gettext_lazy("No")


class Boolean(Field):
    @cached_property
    def aliases(self) -> dict[str, bool]:
        found = dict.fromkeys(("yes", "y", "true", "1", "x", "✓"), True)
        found.update(dict.fromkeys(("no", "n", "false", "0"), False))
        for text in in_every_language(_lazy_yes):
            found.setdefault(normalize(text), True)
        for text in in_every_language(_lazy_no):
            found.setdefault(normalize(text), False)
        return found

    def parse(self, text: str, ctx: ImportContext) -> bool:
        value = self.aliases.get(normalize(text))
        if value is None:
            raise CellError(_("Write yes or no."))
        return value

    def display(self, value: Any) -> str:
        return "" if value is None else (_("Yes") if value else _("No"))

    def allowed(self, ctx: ImportContext) -> str:
        return f"{_('Yes')}, {_('No')}"


def split_list(text: str) -> list[str]:
    """``a, b；c`` → ``["a", "b", "c"]``: commas and semicolons, half- or full-width."""
    return [part.strip() for part in re.split(r"[,;，；、]", text) if part.strip()]


class Member(Field):
    """A member of the organisation, by e-mail."""

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        members_by_email(ctx, texts)

    def parse(self, text: str, ctx: ImportContext) -> Any:
        user = members_by_email(ctx, ()).get(text.casefold())
        if user is None:
            raise CellError(_("No member of the organisation has the e-mail %(email)s.") % {"email": text})
        return user

    def display(self, value: Any) -> str:
        if value is None:
            return ""
        name = value.get_full_name()
        return f"{name} <{value.email}>" if name else value.email

    def allowed(self, ctx: ImportContext) -> str:
        return _("The e-mail of a member of the organisation")


def members_by_email(ctx: ImportContext, emails: Iterable[str]) -> dict[str, Any]:
    """The organisation's members by lower-case e-mail, for ``emails`` (added to what earlier calls loaded; one
    query per call that asks for new ones)."""
    known: dict[str, Any] = ctx.cache.setdefault("members_by_email", {})
    asked: set[str] = ctx.cache.setdefault("members_asked", set())
    wanted = {email.strip().casefold() for email in emails if email.strip()} - asked
    if wanted:
        asked |= wanted
        memberships = (
            Membership.objects.filter(organization=ctx.organization)
            .annotate(email_lower=Lower("user__email"))
            .filter(email_lower__in=wanted)
            .select_related("user")
        )
        for membership in memberships:
            known[membership.user.email.casefold()] = membership.user
    return known


class Lookup(Field):
    """An object of the organisation named by a natural key (a name, a code), case and spacing ignored: every key
    of the column is loaded in one query through ``queryset(ctx)`` filtered on ``field``."""

    def __init__(
        self,
        *,
        queryset: Callable[[ImportContext], models.QuerySet[Any]],
        field: str,
        missing: Callable[[str], str],
        allowed: Callable[[], str],
    ) -> None:
        self.queryset, self.field, self.missing, self.describe = queryset, field, missing, allowed

    def _key(self) -> str:
        return f"lookup:{id(self)}"

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        wanted = lookup_keys(texts)
        found: dict[str, list[Any]] = {}
        if wanted:
            rows = self.queryset(ctx).annotate(lookup_key=Lower(self.field)).filter(lookup_key__in=wanted)
            for obj in rows:
                found.setdefault(normalize(getattr(obj, self.field)), []).append(obj)
        ctx.cache[self._key()] = found

    def parse(self, text: str, ctx: ImportContext) -> Any:
        matches = ctx.cache.get(self._key(), {}).get(normalize(text), [])
        exact = [obj for obj in matches if getattr(obj, self.field) == text]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        raise CellError(self.missing(text))

    def display(self, value: Any) -> str:
        return "" if value is None else str(getattr(value, self.field))

    def allowed(self, ctx: ImportContext) -> str:
        return self.describe()


# --- Columns and specs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str | Promise
    field: Field
    required: bool = False
    help: str | Promise = ""
    example: str | Promise = ""
    # The value of an empty cell (or of a column left out of the file).
    default: Any = None


@dataclass(frozen=True)
class RowError:
    """One problem: the row as the spreadsheet numbers it (the header is row 1), the column (its key, the header
    as written in the file and its letter) and the cell's text; ``column`` is empty for a whole row."""

    line: int
    column: str
    header: str
    letter: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.line,
            "column": self.column,
            "header": self.header,
            "cell": f"{self.letter}{self.line}" if self.letter else "",
            "value": self.value,
            "message": self.message,
        }


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    values: dict[str, Any]
    failed: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        """Record a problem of the row (``column``: a column key, or "" for the row as a whole)."""
        self.failed.add(column)
        self.problems.append((column, message))

    def ok(self, *columns: str) -> bool:
        """Whether these columns were read without a problem (their values can be relied on)."""
        return not self.failed.intersection(columns)

    @property
    def valid(self) -> bool:
        return not self.problems


class EntitySpec:
    """An importable entity. Subclasses set the class attributes and implement ``may_import`` and ``create_many``;
    ``prepare`` and ``check_row`` add checks across columns and rows."""

    key: str
    label: str | Promise
    description: str | Promise
    columns: Sequence[Column]
    list_url_name: str = ""
    # The service's refusals: the import stops and names the row (``RowRefused``), or the first row for a refusal
    # that concerns them all.
    refusals: tuple[type[Exception], ...] = (ValidationError,)

    def may_import(self, access: OrgAccess) -> bool:
        raise NotImplementedError

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        """Load, in a fixed number of queries, what ``check_row`` needs for all rows."""

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        """Rules across columns and rows (duplicates within the file, against the database …); ``row.error``."""

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Any]:
        """Create the rows' objects (``Row.values``), in their order, through the app's bulk service, all or none;
        a refused row raises ``RowRefused`` with its index."""
        raise NotImplementedError

    def count_label(self, count: int) -> str:
        raise NotImplementedError

    def result_links(self, organization: Organization, ids: Sequence[int]) -> list[tuple[str, str]]:
        """Where to see what a batch imported: (label, URL) pairs; by default the entity's list."""
        return [(str(self.label), reverse(self.list_url_name, kwargs={"org_slug": organization.slug}))]

    @cached_property
    def column_by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    @cached_property
    def header_aliases(self) -> dict[str, Column]:
        """Every accepted header (the key, the header in each language) → its column."""
        aliases: dict[str, Column] = {}
        for column in self.columns:
            for text in {column.key, *in_every_language(column.header)}:
                aliases.setdefault(header_key(text), column)
        return aliases


# --- Validation -----------------------------------------------------------------------------------------------


@dataclass
class Validation:
    spec: EntitySpec
    rows: list[Row]
    errors: list[RowError]
    error_count: int
    # The spec's columns present in the file, in the spec's order (what the preview shows).
    columns: list[Column]

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def preview(self, limit: int = PREVIEW_ROWS) -> list[tuple[Row, list[str]]]:
        """The first rows as they will be imported: each column's value as read (its text when it is wrong)."""
        shown = []
        for row in self.rows[:limit]:
            cells = [
                column.field.display(row.values.get(column.key)) if row.ok(column.key) else row.raw.get(column.key, "")
                for column in self.columns
            ]
            shown.append((row, cells))
        return shown


@dataclass(frozen=True)
class _Layout:
    """Which file column holds which spec column (by index), and the header problems."""

    positions: dict[str, int]
    headers: list[str]
    problems: list[tuple[int, str]]


def _layout(spec: EntitySpec, header: list[str], rows: Sequence[tuple[int, list[str]]]) -> _Layout:
    positions: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    for index, text in enumerate(header):
        letter = get_column_letter(index + 1)
        if not text.strip():
            if any(index < len(cells) and cells[index].strip() for _line, cells in rows):
                problems.append((index, _("Column %(letter)s has values but no header.") % {"letter": letter}))
            continue
        column = spec.header_aliases.get(header_key(text))
        if column is None:
            problems.append(
                (
                    index,
                    _("Unknown column “%(header)s”: use the headers of the template (%(headers)s).")
                    % {"header": text.strip(), "headers": ", ".join(str(c.header) for c in spec.columns)},
                )
            )
        elif column.key in positions:
            problems.append(
                (
                    index,
                    _("The column “%(header)s” appears twice (columns %(first)s and %(second)s).")
                    % {
                        "header": str(column.header),
                        "first": get_column_letter(positions[column.key] + 1),
                        "second": letter,
                    },
                )
            )
        else:
            positions[column.key] = index
    for column in spec.columns:
        if column.required and column.key not in positions:
            problems.append((-1, _("The required column “%(header)s” is missing.") % {"header": str(column.header)}))
    return _Layout(positions=positions, headers=header, problems=problems)


def validate(
    spec: EntitySpec, ctx: ImportContext, header: list[str], rows: Sequence[tuple[int, list[str]]]
) -> Validation:
    """Read ``rows`` (row number, cells) under ``header`` as ``spec``'s entities. Header problems (an unknown,
    repeated or missing required column) are reported alone: the rows are read once the headers are right."""
    layout = _layout(spec, header, rows)
    columns = [column for column in spec.columns if column.key in layout.positions]
    if layout.problems:
        header_errors = [_header_error(header, index, message) for index, message in layout.problems]
        return Validation(spec=spec, rows=[], errors=header_errors, error_count=len(header_errors), columns=columns)

    read: list[Row] = []
    for line, cells in rows:
        raw = {key: cells[index].strip() if index < len(cells) else "" for key, index in layout.positions.items()}
        read.append(Row(line=line, raw=raw, values={}))
    for column in columns:
        column.field.prepare(ctx, {row.raw[column.key] for row in read if row.raw[column.key]})
    for row in read:
        for column in spec.columns:
            _read_cell(ctx, row, column)
    spec.prepare(ctx, read)
    for row in read:
        spec.check_row(ctx, row)

    errors: list[RowError] = []
    count = 0
    order = {column.key: i for i, column in enumerate(spec.columns)}
    for row in read:
        for key, message in sorted(row.problems, key=lambda problem: order.get(problem[0], -1)):
            count += 1
            if len(errors) < MAX_LISTED_ERRORS:
                errors.append(_row_error(layout, row, key, message))
    return Validation(spec=spec, rows=read, errors=errors, error_count=count, columns=columns)


def _read_cell(ctx: ImportContext, row: Row, column: Column) -> None:
    text = row.raw.get(column.key, "")
    if not text:
        if column.required:
            row.error(column.key, _("A value is required."))
        row.values[column.key] = copy.copy(column.default)
        return
    try:
        row.values[column.key] = column.field.parse(text, ctx)
    except CellError as exc:
        row.error(column.key, exc.message)


def _header_error(header: list[str], index: int, message: str) -> RowError:
    """A problem of the header row (``index`` -1: a column that is missing)."""
    return RowError(
        line=1,
        column="",
        header=header[index].strip() if index >= 0 else "",
        letter=get_column_letter(index + 1) if index >= 0 else "",
        value=header[index] if index >= 0 else "",
        message=message,
    )


def _row_error(layout: _Layout, row: Row, key: str, message: str) -> RowError:
    index = layout.positions.get(key)
    return RowError(
        line=row.line,
        column=key,
        header=layout.headers[index].strip() if index is not None else "",
        letter=get_column_letter(index + 1) if index is not None else "",
        value=row.raw.get(key, ""),
        message=message,
    )


# --- Import ---------------------------------------------------------------------------------------------------


def refusal_messages(exc: Exception) -> list[tuple[str, str]]:
    """A service's refusal as (field, message) pairs ("" when it names no field)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                ("" if name in ("__all__", "detail") else name, str(message))
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        return [("", str(message)) for message in exc.messages]
    return [("", str(exc) or _("You do not have permission to perform this action."))]


def run_import(validation: Validation, ctx: ImportContext, header: list[str]) -> tuple[list[int], list[RowError]]:
    """Create every row through the spec's bulk service, all or nothing: the ids created, or (nothing created) the
    errors of the first row the service refused."""
    spec = validation.spec
    layout = _layout(spec, header, [])
    refusal: Exception
    try:
        with transaction.atomic():
            created = spec.create_many(ctx, [row.values for row in validation.rows])
    except RowRefused as refused:
        failed, refusal = validation.rows[refused.index], refused.error
    except spec.refusals as exc:
        # A refusal of the whole batch: the first row is where a row-by-row import would have stopped.
        failed, refusal = validation.rows[0], exc
    else:
        return [obj.pk for obj in created], []
    for name, message in refusal_messages(refusal):
        failed.error(name if name in spec.column_by_key else "", message)
    return [], [_row_error(layout, failed, key, message) for key, message in failed.problems]
