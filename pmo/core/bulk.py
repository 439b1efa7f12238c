"""Writes of many rows at once (``<entities>_create_many`` services): how they say which row they refused.

A bulk service checks every row with the rules of its single-row service and writes nothing unless all pass. When a
row fails, it raises ``RowRefused`` naming the row (its position in the input) with the exception the single-row
service would have raised for it, so that a caller can report the row (an import names the spreadsheet row) and a
single-row service that delegates to the bulk one can raise that exception unchanged (``single``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError

T = TypeVar("T")

# What a service raises for bad input or a refused permission; apps add their own conflict classes.
REFUSALS: tuple[type[Exception], ...] = (ValidationError, PermissionDenied)


class RowRefused(Exception):
    """Row ``index`` (from 0, in the order given) was refused with ``error``; nothing was written."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


class RowChecks:
    """The first refusal of each row of a bulk write. The service runs its checks phase by phase (the same order as
    its single-row service) over the rows still standing (``pending``), each inside ``row(index)``, then calls
    ``raise_first`` before writing: the row refused is the first in input order that the single-row service, called
    row by row, would have refused, with the same exception."""

    def __init__(self, *refusals: type[Exception]) -> None:
        self.refusals: tuple[type[Exception], ...] = (*REFUSALS, *refusals)
        self.failed: dict[int, Exception] = {}

    def pending(self, items: Sequence[T]) -> Iterator[tuple[int, T]]:
        """``(index, item)`` for each item not refused yet."""
        for index, item in enumerate(items):
            if index not in self.failed:
                yield index, item

    @contextmanager
    def row(self, index: int) -> Iterator[None]:
        """Record a refusal raised for row ``index`` (the row's first one counts) and carry on with the next row."""
        try:
            yield
        except self.refusals as exc:
            self.failed.setdefault(index, exc)

    @contextmanager
    def every_row(self, count: int) -> Iterator[None]:
        """A refusal that concerns every row (the actor is not a member …): it counts for the first of the ``count``
        rows still standing and is raised at once (``raise_first``), since the other rows cannot be checked on."""
        try:
            yield
        except self.refusals as exc:
            standing = next((index for index in range(count) if index not in self.failed), None)
            if standing is not None:
                self.failed[standing] = exc
            self.raise_first()
            raise

    def raise_first(self) -> None:
        if self.failed:
            index = min(self.failed)
            raise RowRefused(index, self.failed[index]) from self.failed[index]


def single(create_many: Callable[[], list[T]]) -> T:
    """The one object a bulk call with one row created; its refusal raised as the single-row service raises it."""
    try:
        (created,) = create_many()
    except RowRefused as refused:
        raise refused.error from None
    return created
