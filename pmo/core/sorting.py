"""The ``sort`` parameter of a list page: named sort keys, their choices for the filter bar, the SQL ordering.

A list declares its keys once (``{"name": SortKey(_("Name"), ("full_name",)), ...}``); ``sort_choices`` offers
each key ascending and descending (``-name``) in the filter bar, and ``sort_ordering`` turns the chosen value into
``order_by`` arguments: the first field follows the direction (blanks last either way), the others break ties in
their own order, and the primary key ends every ordering so that pages never share or skip a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, F, OrderBy
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SortKey:
    label: str | Promise
    # Field names (or expressions) of the ordering; a name starting with "-" is a descending tie-breaker.
    fields: tuple[str | Expression, ...]


def sort_choices(keys: Mapping[str, SortKey]) -> list[tuple[str, str]]:
    """``[(key, label), (-key, "label, descending"), …]`` in the keys' order."""
    choices: list[tuple[str, str]] = []
    for key, sort in keys.items():
        label = str(sort.label)
        choices += [(key, label), (f"-{key}", _("%(field)s, descending") % {"field": label})]
    return choices


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
