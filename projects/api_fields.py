"""Serializer fields and the query filter shared by every API that speaks of ISO weeks (status, resources,
timesheets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.policy import parse_week, week_label
from projects.status.forms import WeekField as WeekFormField

WEEK_SCHEMA = {"type": "string", "pattern": r"^\d{4}-W\d{2}$", "example": "2026-W47"}


@extend_schema_field(WEEK_SCHEMA)
class WeekField(serializers.Field):
    """An ISO week as text (``"2026-W47"``) ↔ its Monday; anything else is a 400 naming the expected form."""

    def to_representation(self, value: dt.date) -> str:
        return week_label(value)

    def to_internal_value(self, data: Any) -> dt.date:
        try:
            return parse_week(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


@extend_schema_field(WEEK_SCHEMA)
class IsoWeekFilter(django_filters.Filter):
    """A django-filter query parameter: an ISO week (``2026-W47``) → its Monday; anything else a 400 naming the
    parameter. ``lookup_expr="gte"``/``"lte"`` make week ranges."""

    field_class = WeekFormField
