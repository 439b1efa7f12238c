"""Lists that paginate, the same way on every page: 50 rows a page, the page links keeping the other filters
(``templates/_pager.html``); and the sort of a list already in memory (rows computed in Python, such as the status
compliance of a week) with the same ``key`` / ``-key`` values as ``pmo.core.sorting`` gives the SQL lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def sort_rows(rows: list[Any], sort: str, keys: Mapping[str, Callable[[Any], Any]]) -> list[Any]:
    """``rows`` sorted by ``sort`` (``key`` or ``-key`` of ``keys``); rows whose key is ``None`` come last either
    way. Stable, so equal rows keep their order."""
    read = keys[sort.removeprefix("-")]
    present = [row for row in rows if read(row) is not None]
    absent = [row for row in rows if read(row) is None]
    return sorted(present, key=read, reverse=sort.startswith("-")) + absent


def paginate(request: HttpRequest, rows: Any, *, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """The requested page of ``rows`` (a queryset is cut in SQL) and the list's other GET parameters, encoded,
    for ``_pager.html``; a page number out of range gives the last page, a wrong one the first."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for key in ("page", "format"):
        query.pop(key, None)
    return page, query.urlencode()
