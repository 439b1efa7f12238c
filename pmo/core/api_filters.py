"""Filtering and ordering pieces for API lists that mirror a web list.

- ``SortKeyOrderingFilter``: ``?ordering=key,-other`` over the *named sort keys* of the web list (``view.sort_keys``,
  a ``{key: SortKey}`` map of ``pmo.core.listing``), so that the API sorts exactly as the page does (blanks last,
  the same tie-breakers, the primary key last); an unknown key is the 400 of ``StrictOrderingFilter``. A view
  without ``sort_keys`` gets ``StrictOrderingFilter``'s behaviour over its ``ordering_fields``.
- ``SortKeysMixin``: a view's ``sort_keys`` become its ``ordering_fields``, sorted by ``SortKeyOrderingFilter``.
- ``PaginatedListMixin``: an ``APIView`` that builds its own list (a Python list, not a queryset) answers it in
  pages of ``pmo.core.api.Pagination``, and its schema says so.
- ``ordering_param``: the ``?ordering=`` of an ``APIView`` that sorts its own rows by a ``SortKey`` map.
- ``BooleanParamFilter``, ``IntegerFilter``: ``true``/``false`` and whole numbers, anything else a 400 naming the
  parameter (django-filter's own would ignore a wrong boolean and take ``1.5`` for a whole number).
- ``scoped``: the queryset argument of a ``ModelChoiceFilter`` over a tenant model, evaluated per request in the
  active organisation (an id of another organisation is "not one of the available choices").
- ``organization_users``: the same for users, limited to the members of the active organisation.
- ``filter_view``: the view a filter set runs for (its ``access`` and ``organization``), for the few filters that
  depend on the caller (their role, their organisation's time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from pmo.core.api import Pagination, StrictOrderingFilter
from pmo.core.listing import SortKey, sort_ordering
from pmo.tenancy.models import Membership


def sort_key_ordering(terms: Sequence[str], keys: Mapping[str, SortKey]) -> list[Any]:
    """The ``order_by`` arguments of several sort terms (``key`` or ``-key``): each term's leading field in turn,
    then the first term's tie-breakers, then the primary key (in the first term's direction)."""
    parts = [sort_ordering(term, keys, default=term) for term in terms]
    first = parts[0]
    return [*(part[0] for part in parts), *first[1:-1], first[-1]]


class SortKeyOrderingFilter(StrictOrderingFilter):
    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        keys: Mapping[str, SortKey] | None = getattr(view, "sort_keys", None)
        if keys is None or getattr(view, "ordering_fields", None) is None:
            return super().filter_queryset(request, queryset, view)
        terms = self.get_ordering(request, queryset, view)
        if not terms:
            return queryset
        return queryset.order_by(*sort_key_ordering(list(terms), keys))


class SortKeysMixin:
    """Put before the view's base: ``sort_keys = {...}`` and ``ordering = ["key"]`` (the default sort) give the list
    ``?ordering=`` over those keys, described in the schema, and django-filter's ``filterset_class`` (on list
    routes only)."""

    sort_keys: Mapping[str, SortKey] | None = None
    filter_backends: Sequence[type[Any]] = (DjangoFilterBackend, SortKeyOrderingFilter)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.sort_keys is not None and "ordering_fields" not in cls.__dict__:
            cls.ordering_fields = list(cls.sort_keys)  # type: ignore[attr-defined]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list's filters and ordering apply to lists only: a detail route (retrieve, a write, an action on one
        row) finds its row whatever the query string says."""
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc]


def ordering_param(keys: Mapping[str, Any], *, default: str) -> serializers.ChoiceField:
    """A query serializer's ``ordering`` field: one of ``keys``, ``-`` first to reverse (pass the value to
    ``pmo.core.listing.sort_ordering``)."""
    choices = [term for key in keys for term in (key, f"-{key}")]
    return serializers.ChoiceField(
        choices=choices, required=False, default=default, help_text=f"sort key, - first to reverse (default {default})"
    )


class PaginatedListMixin:
    pagination_class = Pagination
    request: Any

    def paginated(self, rows: Any, serializer_class: Any, **kwargs: Any) -> Response:
        """One page of ``rows`` (a list or a queryset; ``?page=&page_size=``) as ``{count, next, previous,
        results}``."""
        paginator = self.pagination_class()
        page: Any = paginator.paginate_queryset(rows, self.request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(serializer_class(page, many=True, **kwargs).data)


def scoped(model: Any) -> Callable[[Any], QuerySet[Any]]:
    """``ModelChoiceFilter(queryset=scoped(Project))``: the active organisation's rows (the tenant manager fails
    closed when no organisation is active)."""

    def queryset(request: Any) -> QuerySet[Any]:
        return model.objects.all()

    return queryset


def organization_users(request: Any) -> QuerySet[Any]:
    """The users who are members of the active organisation (the queryset of an owner or actor filter)."""
    return get_user_model()._default_manager.filter(pk__in=Membership.objects.values("user_id"))


class BooleanParamField(forms.Field):
    default_error_messages = {"invalid": _("Enter true or false.")}
    TRUE = ("true", "1", "yes", "on")
    FALSE = ("false", "0", "no", "off")

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanParamFilter(django_filters.Filter):
    field_class = BooleanParamField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.Filter):
    """A whole number; ``min_value``/``max_value`` bound it (a 400 outside)."""

    field_class = forms.IntegerField


def filter_view(filterset: django_filters.FilterSet) -> Any:
    """The API view whose list ``filterset`` filters (DRF gives every request its view in ``parser_context``)."""
    return filterset.request.parser_context["view"]
