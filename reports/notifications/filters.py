"""The filters of the inbox and webhook API lists (django-filter); a wrong value is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from pmo.core.api_filters import BooleanParamFilter
from reports.models import Notification, NotificationKind, Severity, Webhook


class NotificationFilterSet(filters.FilterSet):
    unread = BooleanParamFilter(field_name="read_at", lookup_expr="isnull", help_text="true: unread only; false: read")
    kind = filters.ChoiceFilter(choices=NotificationKind.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = Notification
        fields: list[str] = []


class WebhookFilterSet(filters.FilterSet):
    active = BooleanParamFilter()
    format = filters.ChoiceFilter(choices=Webhook.Format.choices)
    failing = BooleanParamFilter(method="filter_failing", help_text="its last deliveries failed")

    class Meta:
        model = Webhook
        fields: list[str] = []

    def filter_failing(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset.filter(consecutive_failures__gt=0) if value else queryset.filter(consecutive_failures=0)
