"""Serializer fields and helpers shared by the portfolio API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pmo.core.api import Conflict
from portfolio import selectors
from portfolio.services import VersionConflict


@extend_schema_field(OpenApiTypes.INT)
class OrganizationRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key among the organisation's own rows (``context["organization"]``): an id of another
    organisation's object is refused exactly like a missing one."""

    def __init__(self, *, model: Any = None, rows: Any = None, **kwargs: Any) -> None:
        self.model = model
        self.rows = rows
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        organization = self.context["organization"]
        if self.rows is not None:
            return self.rows(organization=organization)
        return self.model.objects.filter(organization=organization)


def member_field(**kwargs: Any) -> OrganizationRelatedField:
    return OrganizationRelatedField(rows=selectors.organization_users, **kwargs)


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class RefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """A stale ``version`` becomes 409 Conflict with the current version in the message."""
    try:
        yield
    except VersionConflict as exc:
        message = _("Someone changed this request since you read it; its current version is %(version)s.")
        raise Conflict(message % {"version": exc.current_version}) from exc
