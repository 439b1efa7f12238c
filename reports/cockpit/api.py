"""The PMO cockpit in the API, under ``/api/v1/orgs/<org>/`` (``COCKPIT_VIEW``: administrators and the PMO; 403 for
the other roles):

- ``cockpit/`` — this week's status compliance (with the projects whose report is not in, how late, when last
  reminded, and the reminders due now), the queues waiting for the PMO (count and the oldest items), open alerts,
  people over capacity, escalated risks and the data-quality counts;
- ``POST cockpit/remind/`` — send the status reminders due now (``CONTROL_POLICY_MANAGE``); a second call sends
  nothing twice;
- ``cockpit/quality/?check=no_baseline|no_manager|no_recent_status|stale_risks`` — the projects failing one
  check, paginated, ``?ordering=code|name|manager|last_report``;
- ``cockpit/queue/?queue=gates|returned|tailoring`` — one queue in full, longest waiting first (``?ordering=code``),
  paginated.

An unknown check or queue is a 400 naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import PaginatedListMixin, ordering_param
from pmo.tenancy.api_base import OrganizationAPIView
from pmo.tenancy.roles import Capability
from projects.api import PersonOutput, ProjectRefOutput
from projects.policy import organization_zone, week_label
from reports.cockpit import selectors
from reports.cockpit.views import CHECK_LABELS, QUEUE_TITLES
from reports.dashboard import caching
from reports.reminders.services import status_reminders_send
from risks.models import EscalationLevel
from risks.scoring import LEVEL_CHOICES

TAGS = ["cockpit"]
# Bump when the output changes shape (a deployment must not serve the old code's entries).
OUTPUT_CACHE = "cockpit-api-v1"


def _age(moment: dt.datetime | dt.date | None, context: Mapping[str, Any]) -> int | None:
    return selectors.age_days(moment, today=context["today"], zone=context["zone"])


# --- Output ----------------------------------------------------------------------------------------------------------


class CockpitNotInOutput(serializers.Serializer):
    project = ProjectRefOutput()
    manager = PersonOutput(source="project.manager", allow_null=True)
    due_at = serializers.DateTimeField(source="row.due_at")
    state = serializers.CharField(source="row.state", help_text="draft, returned, none (not started) or missing")
    hours_late = serializers.IntegerField(help_text="whole hours past due (0 before)")
    last_reminded_at = serializers.DateTimeField(allow_null=True)


class CockpitStatusWeekOutput(serializers.Serializer):
    week = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(source="compliance.due_at")
    total = serializers.IntegerField(help_text="monitored projects")
    submitted = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    not_in = CockpitNotInOutput(many=True, help_text="most overdue first")
    reminders_enabled = serializers.BooleanField()
    reminders_to_managers = serializers.IntegerField(help_text="reminders the run would send now")
    reminded_managers = serializers.IntegerField()
    reminders_to_pmo = serializers.IntegerField()

    def get_week(self, status: selectors.StatusWeek) -> str:
        return week_label(status.week_start)


class CockpitQueueItemOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # a declared field, not Field.label
    project = serializers.SerializerMethodField()
    waiting_since = serializers.SerializerMethodField()
    age_days = serializers.SerializerMethodField()

    def get_label(self, item: Any) -> str:
        if hasattr(item, "code") and hasattr(item, "title"):
            return f"{item.code} {item.title}"
        if hasattr(item, "code") and hasattr(item, "name"):
            return f"{item.code} {item.name}"
        if hasattr(item, "week_label"):
            return f"{item.project.code} · {item.week_label}"
        return str(item.project.code)

    def get_project(self, item: Any) -> dict[str, Any] | None:
        project = getattr(item, "project", None)
        return None if project is None else {"id": project.pk, "code": project.code, "name": project.name}

    def get_waiting_since(self, item: Any) -> str | None:
        moment = selectors.queue_waiting_since(item)
        return None if moment is None else moment.isoformat()

    def get_age_days(self, item: Any) -> int | None:
        return _age(selectors.queue_waiting_since(item), self.context)


class CockpitQueueOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(QUEUE_TITLES))
    title = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    extra = serializers.IntegerField(help_text="intake: scored requests awaiting a decision")
    items = serializers.SerializerMethodField(help_text="the oldest few")

    def get_title(self, queue: selectors.Queue) -> str:
        return str(QUEUE_TITLES[queue.key])

    def get_items(self, queue: selectors.Queue) -> list[dict[str, Any]]:
        return list(CockpitQueueItemOutput(queue.items, many=True, context=self.context).data)


class CockpitAlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.CharField()
    severity = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    opened_at = serializers.DateTimeField()


class CockpitAlertsOutput(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="open alerts per severity, and total")
    newest = CockpitAlertOutput(many=True)


class CockpitOverAllocatedOutput(serializers.Serializer):
    person = serializers.SerializerMethodField()
    weeks = serializers.SerializerMethodField()
    peak_week = serializers.SerializerMethodField()
    peak_allocated = serializers.DecimalField(source="peak.allocated", max_digits=8, decimal_places=2)
    peak_capacity = serializers.DecimalField(source="peak.capacity", max_digits=8, decimal_places=2)
    peak_excess = serializers.DecimalField(source="peak.excess", max_digits=8, decimal_places=2)
    peak_percent = serializers.DecimalField(max_digits=8, decimal_places=0, allow_null=True)

    def get_person(self, row: selectors.OverAllocated) -> dict[str, Any]:
        return {"id": row.person.pk, "name": row.person.full_name}

    def get_weeks(self, row: selectors.OverAllocated) -> list[str]:
        return [week_label(week) for week in row.weeks]

    def get_peak_week(self, row: selectors.OverAllocated) -> str:
        return week_label(row.peak.week)


class CockpitOverAllocationsOutput(serializers.Serializer):
    start = serializers.DateField()
    weeks = serializers.IntegerField()
    people = CockpitOverAllocatedOutput(many=True, help_text="the largest excess first")


class CockpitEscalatedRiskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    project = ProjectRefOutput(allow_null=True)
    score = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVEL_CHOICES)
    escalation_level = serializers.ChoiceField(choices=EscalationLevel.choices)
    escalated_at = serializers.DateTimeField(allow_null=True)


class CockpitEscalatedOutput(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="open escalated risks per level")
    total = serializers.IntegerField()
    risks = CockpitEscalatedRiskOutput(many=True, help_text="the highest scores")


class CockpitOutput(serializers.Serializer):
    today = serializers.DateField()
    status = CockpitStatusWeekOutput()
    queues = CockpitQueueOutput(many=True)
    waiting = serializers.IntegerField(help_text="items waiting in all the queues")
    alerts = CockpitAlertsOutput()
    over = CockpitOverAllocationsOutput()
    escalated = CockpitEscalatedOutput()
    quality = serializers.DictField(child=serializers.IntegerField(), help_text="failing projects per check")


class CockpitRemindOutput(serializers.Serializer):
    notifications = serializers.IntegerField(help_text="reminders sent now")
    planned = serializers.IntegerField(help_text="reminders due now, including those sent before")


class CockpitQualityProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    portfolio = serializers.CharField(source="portfolio.name", allow_null=True, default=None)
    manager = PersonOutput(allow_null=True)
    baseline_count = serializers.IntegerField()
    last_report_week = serializers.SerializerMethodField()
    stale_risk_count = serializers.IntegerField()

    def get_last_report_week(self, project: Any) -> str | None:
        return week_label(project.last_report_week) if project.last_report_week else None


class CockpitQueueRowOutput(CockpitQueueItemOutput):
    who = serializers.SerializerMethodField(help_text="the manager (gates, returned reports) or the proposer")
    detail = serializers.SerializerMethodField(help_text="who decides a gate, the return comment, the justification")

    def get_who(self, item: Any) -> Any:
        person = getattr(item, "proposed_by", None) if hasattr(item, "proposed_by") else item.project.manager
        return None if person is None else {"id": person.pk, "name": person.get_full_name()}

    def get_detail(self, item: Any) -> str:
        if hasattr(item, "get_decider_display"):
            return str(item.get_decider_display())
        return str(getattr(item, "review_comment", "") or getattr(item, "justification", ""))


class CockpitQualityQuery(serializers.Serializer):
    check = serializers.ChoiceField(choices=[(key, str(label)) for key, label in CHECK_LABELS.items()])
    ordering = ordering_param(selectors.QUALITY_ORDERINGS, default="code")


class CockpitQueueQuery(serializers.Serializer):
    queue = serializers.ChoiceField(choices=list(selectors.LISTED_QUEUES))
    ordering = serializers.ChoiceField(
        choices=["waiting", "code"], required=False, default="waiting", help_text="waiting longest first, or by code"
    )


# --- Views -----------------------------------------------------------------------------------------------------------


class CockpitAPIView(OrganizationAPIView):
    capabilities = {"*": Capability.COCKPIT_VIEW}

    def age_context(self) -> dict[str, Any]:
        zone = organization_zone(self.organization)
        return {"zone": zone, "today": timezone.now().astimezone(zone).date()}


class CockpitView(CockpitAPIView):
    @extend_schema(responses={200: CockpitOutput}, tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everything the cockpit shows (a fixed number of queries)."""
        # Cached until a write touches the organisation (``reports.dashboard.caching``).
        context = self.age_context()
        output = caching.cached_result(
            OUTPUT_CACHE,
            access=self.access,
            parts=(caching.reader(self.access, per_user=True), context["today"]),
            compute=lambda: CockpitOutput(selectors.cockpit(access=self.access), context=context).data,
        )
        return Response(output)


class CockpitRemindView(CockpitAPIView):
    capabilities = {"*": Capability.CONTROL_POLICY_MANAGE}

    @extend_schema(request=None, responses={200: CockpitRemindOutput}, tags=TAGS)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send the status reminders and escalations due now; what went out before is not sent again."""
        result = status_reminders_send(organization=self.organization)
        return Response(CockpitRemindOutput(result).data)


class CockpitQualityView(PaginatedListMixin, CockpitAPIView):
    @extend_schema(parameters=[CockpitQualityQuery], responses={200: CockpitQualityProjectOutput(many=True)}, tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The active and on-hold projects failing one data-quality check."""
        query = CockpitQualityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = selectors.quality_projects(access=self.access, check=data["check"], sort=data["ordering"])
        return self.paginated(rows, CockpitQualityProjectOutput)


class CockpitQueueView(PaginatedListMixin, CockpitAPIView):
    @extend_schema(parameters=[CockpitQueueQuery], responses={200: CockpitQueueRowOutput(many=True)}, tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One queue in full, longest waiting first (or by project code)."""
        query = CockpitQueueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        context = self.age_context()
        rows = selectors.queue_rows(access=self.access, key=query.validated_data["queue"], today=context["today"])
        if query.validated_data["ordering"] == "code":
            rows = rows.order_by("project__code", "pk")
        return self.paginated(rows, CockpitQueueRowOutput, context=context)
