"""Field helpers shared by the domain apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


def money(verbose_name: str | StrPromise | None = None, **kwargs: Any) -> models.DecimalField[Any, Any]:
    """An amount in the organisation's currency: 16 digits, 2 decimals."""
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


def hours(verbose_name: str | StrPromise | None = None, **kwargs: Any) -> models.DecimalField[Any, Any]:
    """Hours of work: up to 9,999.99."""
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, **kwargs)
