"""The audit trail in the API: ``GET /api/v1/orgs/<org>/audit/`` (``AUDIT_VIEW``: the governance roles) — every
recorded change of the organisation's tracked tables, newest first, paginated, filtered like the page:
``?model=projects.project&action=insert|update|delete&actor=<user id>&since=&until=`` (days in the organisation's
time zone, both inclusive), ``?ordering=-created|created``. A wrong value is a 400 naming the parameter.

``GET /api/v1/orgs/<org>/security-events/`` (the same readers): sign-ins, lockouts, permission denials and API
token use concerning the organisation's members (``SecurityEventListView``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.audit.models import SecurityEventKind
from pmo.audit.selectors import (
    ACTIONS,
    AuditFilters,
    AuditTrail,
    SecurityEventFilters,
    audit_model_choices,
    security_events,
)
from pmo.core.api_filters import PaginatedListMixin
from pmo.tenancy.api_base import OrganizationAPIView
from pmo.tenancy.roles import Capability
from projects.api import MemberField


class DateRangeQuery(serializers.Serializer):
    """``since`` and ``until`` (dates, both optional); an end before the start is a 400 on ``until``."""

    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise serializers.ValidationError({"until": [_("The end date cannot be before the start date.")]})
        return data


class AuditQuery(DateRangeQuery):
    action = serializers.ChoiceField(choices=ACTIONS, required=False, help_text="insert, update or delete")
    actor = MemberField(required=False, help_text="the user id of who made the change")
    ordering = serializers.ChoiceField(
        choices=["-created", "created"], required=False, default="-created", help_text="newest (default) or oldest"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The tracked models are known once the apps are loaded, not when this module is imported.
        fields["model"] = serializers.ChoiceField(
            choices=[value for value, _label in audit_model_choices()],
            required=False,
            help_text="an app label and model, e.g. projects.project",
        )
        return fields


class AuditActorOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class AuditEntryOutput(serializers.Serializer):
    created_at = serializers.DateTimeField()
    model = serializers.CharField(help_text="app label and model, e.g. projects.Project")
    model_label = serializers.CharField(help_text="its name in the reader's language")
    object_id = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(choices=ACTIONS)
    diff = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=2, max_length=2),
        help_text="changed fields: [before, after]",
    )
    summary = serializers.CharField(help_text="the row's code and name, or e-mail and role")
    actor = AuditActorOutput(allow_null=True, help_text="null: a system change (a task, a command)")
    url = serializers.CharField(help_text="the request that made the change")


class AuditTrailView(PaginatedListMixin, OrganizationAPIView):
    capabilities = {"*": Capability.AUDIT_VIEW}

    @extend_schema(parameters=[AuditQuery], responses={200: AuditEntryOutput(many=True)}, tags=["audit"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The organisation's recorded changes: each page reads only its own rows (three queries a page)."""
        query = AuditQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        actor = data.get("actor")
        trail = AuditTrail(
            organization=self.organization,
            filters=AuditFilters(
                model=data.get("model"),
                action=data.get("action", ""),
                actor=actor.pk if actor is not None else None,
                since=data.get("since"),
                until=data.get("until"),
                oldest_first=data["ordering"] == "created",
            ),
        )
        return self.paginated(trail, AuditEntryOutput)


class SecurityEventQuery(DateRangeQuery):
    kind = serializers.ChoiceField(choices=SecurityEventKind.choices, required=False)
    user = MemberField(required=False, help_text="the user id of the member concerned")


class SecurityEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=SecurityEventKind.choices)
    kind_label = serializers.CharField(source="get_kind_display", help_text="the kind in the reader's language")
    user = AuditActorOutput(allow_null=True)
    username = serializers.CharField(help_text="the e-mail address given at sign-in (sign-in events)")
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    detail = serializers.DictField(help_text="facts of the event: channel, path and method, token id and prefix …")


class SecurityEventListView(PaginatedListMixin, OrganizationAPIView):
    """``GET /api/v1/orgs/<org>/security-events/`` (``AUDIT_VIEW``): the organisation's security events, newest
    first, paginated; ``?kind=&user=<user id>&since=&until=`` (days in the organisation's time zone, inclusive)."""

    capabilities = {"*": Capability.AUDIT_VIEW}

    @extend_schema(parameters=[SecurityEventQuery], responses={200: SecurityEventOutput(many=True)}, tags=["audit"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = SecurityEventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = data.get("user")
        rows = security_events(
            organization=self.organization,
            filters=SecurityEventFilters(
                kind=data.get("kind", ""),
                user=user.pk if user is not None else None,
                since=data.get("since"),
                until=data.get("until"),
            ),
        )
        return self.paginated(rows, SecurityEventOutput)
