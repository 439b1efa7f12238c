"""List pages, the same way everywhere: a filter bar, a sort, 50 rows a page whose links keep the filters, and the
same rows as CSV or XLSX.

- ``ListPageMixin``: the base of a list view (filter form → valid values → rows → page and query string → file);
- ``SortKey``, ``sort_choices``, ``sort_ordering``: the ``sort`` parameter of a list sorted in SQL: named keys,
  their choices for the filter bar, the ``order_by`` arguments;
- ``sort_rows``: the same ``key`` / ``-key`` values for a list computed in Python (such as the status compliance
  of a week);
- ``paginate``: the requested page and the list's other GET parameters for ``templates/_pager.html``;
- ``filter_values``, ``filter_errors``: what a filter form gives a list, and what it refuses.

A list declares its sort keys once (``{"name": SortKey(_("Name"), ("full_name",)), ...}``); ``sort_choices``
offers each key ascending and descending (``-name``), and ``sort_ordering`` turns the chosen value into
``order_by`` arguments: the first field follows the direction (blanks last either way), the others break ties in
their own order, and the primary key ends every ordering so that pages never share or skip a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Expression, F, OrderBy
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from pmo.core.exports import ExportableListMixin, list_query

PAGE_SIZE = 50


# --- Sorting ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    label: str | Promise
    # Field names (or expressions) of the ordering; a name starting with "-" is a descending tie-breaker.
    fields: tuple[str | Expression, ...]


def sort_label_choices(labels: Mapping[str, str | Promise], *, reversible: bool = True) -> list[tuple[str, str]]:
    """``[(key, label), (-key, "label, descending"), …]`` in the labels' order; only ascending ones when the
    list's keys do not reverse."""
    choices: list[tuple[str, str]] = []
    for key, label in labels.items():
        choices.append((key, str(label)))
        if reversible:
            choices.append((f"-{key}", _("%(field)s, descending") % {"field": str(label)}))
    return choices


def sort_choices(keys: Mapping[str, SortKey]) -> list[tuple[str, str]]:
    """The choices of ``SortKey`` sorts (see ``sort_label_choices``)."""
    return sort_label_choices({key: sort.label for key, sort in keys.items()})


def _order(field: str | Expression, *, descending: bool) -> OrderBy:
    if isinstance(field, str):
        if field.startswith("-"):
            return F(field[1:]).desc(nulls_last=True)
        expression: Any = F(field)
    else:
        expression = field
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


def sort_ordering(sort: str, keys: Mapping[str, SortKey], *, default: str) -> list[OrderBy]:
    """The ``order_by`` arguments of ``sort`` (an unknown key falls back to ``default``)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in keys:
        descending = default.startswith("-")
        key = default.lstrip("-")
    first, *rest = keys[key].fields
    return [
        _order(first, descending=descending),
        *(_order(field, descending=False) for field in rest),
        F("pk").desc() if descending else F("pk").asc(),
    ]


def sort_rows(rows: list[Any], sort: str, keys: Mapping[str, Callable[[Any], Any]]) -> list[Any]:
    """``rows`` sorted by ``sort`` (``key`` or ``-key`` of ``keys``); rows whose key is ``None`` come last either
    way. Stable, so equal rows keep their order."""
    read = keys[sort.removeprefix("-")]
    present = [row for row in rows if read(row) is not None]
    absent = [row for row in rows if read(row) is None]
    return sorted(present, key=read, reverse=sort.startswith("-")) + absent


# --- Paging and filters -----------------------------------------------------------------------------------------


def paginate(request: HttpRequest, rows: Any, *, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """The requested page of ``rows`` (a queryset is cut in SQL) and the list's other GET parameters, encoded,
    for ``_pager.html``; a page number out of range gives the last page, a wrong one the first."""
    return Paginator(rows, per_page).get_page(request.GET.get("page")), list_query(request)


def filter_values(form: forms.Form) -> dict[str, Any]:
    """The filters a form gives its list: its cleaned values, or none at all while any of them is wrong (the
    errors show next to the fields)."""
    return form.cleaned_data if form.is_valid() else {}


def filter_errors(form: forms.Form) -> dict[str, list[str]] | None:
    """The form's errors (field → messages), ``None`` when it is valid: what a refused export answers."""
    form.is_valid()
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()} or None


def check_range(form: forms.Form, data: Mapping[str, Any], *, start: str, end: str, message: str = "") -> None:
    """A filter's range (dates, weeks, months): an end before its start is an error next to the end field."""
    first, last = data.get(start), data.get(end)
    if first and last and last < first:
        form.add_error(end, message or _("The end date cannot be before the start date."))


FILTER_AUTO_ID = "filter_%s"


class ListPageMixin(ExportableListMixin):
    """A list page: put it before ``TemplateView`` in the bases.

    Subclasses build the filter form (``build_filter_form``, bound to ``request.GET`` or ``None``), read its valid
    ``values`` in ``rows`` (the filtered, sorted queryset or list) and name the file's columns (see
    ``ExportableListMixin``). The context gets ``page`` (``page_size`` rows), ``query`` (the other GET parameters,
    for the pager), ``filter_form``, ``filtered`` (a filter other than the sort is set) and ``sort``.
    """

    page_size = PAGE_SIZE
    # The sort when the request names none (the value the template's sort links compare with).
    default_sort = ""
    # A wrong filter refuses the file (400 naming the fields) rather than exporting a list the reader did not ask
    # for (the page itself shows the errors next to the fields). A list may opt out by setting this to False.
    refuse_bad_filters = True

    def build_filter_form(self) -> forms.Form:
        raise NotImplementedError

    def rows(self) -> Any:
        raise NotImplementedError

    @cached_property
    def filter_form(self) -> Any:
        form = self.build_filter_form()
        # Its own ids: a page may hold another form with the same field names (a label must name one control).
        form.auto_id = FILTER_AUTO_ID
        return form

    @cached_property
    def values(self) -> dict[str, Any]:
        return filter_values(self.filter_form)

    @property
    def sort(self) -> str:
        return self.values.get("sort") or self.default_sort

    def is_filtered(self) -> bool:
        return any(value for key, value in self.values.items() if key != "sort")

    def export_rows(self) -> Any:
        return self.rows()

    def export_errors(self) -> dict[str, list[str]] | None:
        return filter_errors(self.filter_form) if self.refuse_bad_filters else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        page, query = paginate(self.request, self.rows(), per_page=self.page_size)
        data.update(page=page, query=query, filter_form=self.filter_form, filtered=self.is_filtered(), sort=self.sort)
        return data
