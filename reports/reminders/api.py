"""Reminders API under ``/api/v1/orgs/<org_slug>/``: ``reminder-policy/`` (GET for leadership; PATCH with
``version`` for admins and the PMO, 409 when stale, 400 per field when out of range) and ``reminders/preview/``
(GET, the dry run of what the reminder runs would send now, or at ``?at=<ISO date-time>``)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.tenancy.api_base import OrganizationAPIView
from projects.api import ProjectsAPIMixin
from reports.reminders import selectors, services
from reports.reminders.permissions import MANAGE, VIEW

TAGS = ["reminders"]


class ReminderPolicyOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    status_lead_hours = serializers.IntegerField()
    status_escalate_hours = serializers.IntegerField()
    timesheet_due_weekday = serializers.IntegerField(help_text="0 = Monday … 6 = Sunday")
    timesheet_due_time = serializers.TimeField(format="%H:%M")
    timesheet_lead_hours = serializers.IntegerField()
    timesheet_escalate_hours = serializers.IntegerField()
    digest_hour = serializers.IntegerField()
    version = serializers.IntegerField()


class ReminderPolicyInput(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    status_lead_hours = serializers.IntegerField(required=False, help_text="0–168")
    status_escalate_hours = serializers.IntegerField(required=False, help_text="0–336")
    timesheet_due_weekday = serializers.IntegerField(required=False, help_text="0 = Monday … 6 = Sunday")
    timesheet_due_time = serializers.TimeField(required=False, help_text="local time, e.g. 18:00")
    timesheet_lead_hours = serializers.IntegerField(required=False, help_text="0–168")
    timesheet_escalate_hours = serializers.IntegerField(required=False, help_text="0–336")
    digest_hour = serializers.IntegerField(required=False, help_text="0–23")
    version = serializers.IntegerField(required=False, min_value=1)


class ReminderWindowOutput(serializers.Serializer):
    week = serializers.CharField()
    due_at = serializers.DateTimeField()
    remind_from = serializers.DateTimeField()
    escalate_at = serializers.DateTimeField()


class ReminderRecipientOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class ReminderPlannedOutput(serializers.Serializer):
    kind = serializers.CharField()
    audience = serializers.ChoiceField(choices=["manager", "pmo", "person", "approver"])
    week = serializers.CharField()
    subject = serializers.CharField()
    dedup_key = serializers.CharField()
    severity = serializers.CharField()
    params = serializers.DictField()
    url = serializers.CharField()
    recipients = ReminderRecipientOutput(many=True)
    pending = ReminderRecipientOutput(many=True, help_text="recipients who do not have it yet")


class ReminderPreviewOutput(serializers.Serializer):
    at = serializers.DateTimeField(source="schedule.now")
    time_zone = serializers.CharField()
    enabled = serializers.BooleanField(source="policy.enabled")
    status_week = ReminderWindowOutput(source="schedule.status")
    timesheet_week = ReminderWindowOutput(source="schedule.timesheet")
    status_reminding = ReminderWindowOutput(source="schedule.status_phases.reminder", allow_null=True)
    status_escalated = ReminderWindowOutput(source="schedule.status_phases.escalation", allow_null=True)
    timesheet_reminding = ReminderWindowOutput(source="schedule.timesheet_phases.reminder", allow_null=True)
    timesheet_escalated = ReminderWindowOutput(source="schedule.timesheet_phases.escalation", allow_null=True)
    pending_count = serializers.IntegerField()
    items = ReminderPlannedOutput(many=True)


class ReminderPolicyView(ProjectsAPIMixin, OrganizationAPIView):
    capabilities = {"GET": VIEW, "PATCH": MANAGE, "*": MANAGE}

    @extend_schema(tags=TAGS, responses={200: ReminderPolicyOutput})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = services.reminder_policy_get(organization=self.organization)
        return Response(ReminderPolicyOutput(policy).data)

    @extend_schema(tags=TAGS, request=ReminderPolicyInput, responses={200: ReminderPolicyOutput})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReminderPolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        if not values:
            raise exceptions.ValidationError({"detail": _("Send at least one setting to change.")})
        policy = services.reminder_policy_update(
            organization=self.organization, actor=request.user, version=version, **values
        )
        return Response(ReminderPolicyOutput(policy).data)


class ReminderPreviewView(OrganizationAPIView):
    capabilities = {"GET": VIEW, "*": MANAGE}

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "at",
                str,
                description="the moment to preview, ISO date-time (without an offset: the organisation's time zone)",
            )
        ],
        responses={200: ReminderPreviewOutput},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        zone = zoneinfo.ZoneInfo(self.organization.time_zone)
        raw = request.query_params.get("at", "")
        moment = selectors.parse_moment(raw, zone=zone) if raw else None
        if raw and moment is None:
            raise exceptions.ValidationError(
                {"at": [_("Give the moment as an ISO date and time, e.g. 2026-11-20T17:30.")]}
            )
        policy = services.reminder_policy_get(organization=self.organization)
        preview = selectors.reminder_preview(organization=self.organization, policy=policy, now=moment)
        preview_data: dict[str, Any] = {
            "schedule": preview.schedule,
            "policy": preview.policy,
            "time_zone": self.organization.time_zone,
            "pending_count": preview.pending_count,
            "items": preview.items,
        }
        return Response(ReminderPreviewOutput(preview_data).data)
