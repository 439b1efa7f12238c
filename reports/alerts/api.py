"""Metrics, alert rules and alerts in the API, under ``/api/v1/orgs/<org>/``:

- ``metrics/`` — the registry (key, label, description, subject, unit, default operator and threshold);
  ``metrics/<key>/values/`` — the current value of one metric for every subject (leadership only); both paginated;
- ``alert-rules/`` — list (``?metric=&severity=&scope=&enabled=&breaching=``, ``?ordering=metric|name|severity|
  created``), retrieve (``ALERTS_VIEW``); create, partial_update with ``version`` (409 if stale), destroy
  (``ALERT_RULES_MANAGE``); each rule with ``summary`` and ``breaching`` (subjects breaching it now);
- ``alerts/`` — the alerts the caller may read (``?state=active|open|acknowledged|resolved&severity=&metric=
  &subject_type=&project=&rule=&ordering=severity|-opened|opened|-resolved|metric``), paginated; ``alerts/<id>/``;
  ``alerts/<id>/timeline/`` (what happened, and who was told); ``POST alerts/<id>/acknowledge/`` ``{"note"}`` (409
  when no longer open); ``POST alerts/scan/`` runs the scan now (``ALERT_RULES_MANAGE``) and answers its counts.

An alert or rule the caller may not read is 404; who may write is checked by the services (403).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import PaginatedListMixin, SortKeysMixin
from pmo.core.listing import SortKey
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Role
from projects.api import PersonOutput, ProjectRefOutput, ProjectsAPIMixin
from reports.alerts import permissions, selectors, services
from reports.alerts.filters import METRIC_CHOICES, AlertFilterSet, AlertRuleFilterSet
from reports.alerts.scan import alert_scan_organization, alert_url
from reports.metrics import METRICS, UNIT_CHOICES
from reports.models import Alert, AlertRule, AlertScan, Operator, Severity, SubjectType

# --- Output ------------------------------------------------------------------------------------------------------


class MetricOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    description = serializers.CharField()
    subject = serializers.ChoiceField(choices=SubjectType.choices)
    unit = serializers.ChoiceField(choices=UNIT_CHOICES)
    operator = serializers.ChoiceField(choices=Operator.choices, help_text="default operator of a new rule")
    threshold = serializers.DecimalField(max_digits=14, decimal_places=4, help_text="default threshold")


class MetricValueOutput(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    subject_id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField(help_text="project code (empty for people)")
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class AlertPortfolioRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlertRuleOutput(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(help_text="metric, operator and threshold in the reader's language")
    metric_label = serializers.SerializerMethodField()
    portfolio = AlertPortfolioRefOutput(read_only=True, allow_null=True)
    project = ProjectRefOutput(read_only=True, allow_null=True)
    is_default = serializers.SerializerMethodField()
    breaching = serializers.IntegerField(read_only=True, help_text="subjects breaching the rule now (open alerts)")

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "summary",
            "metric",
            "metric_label",
            "operator",
            "threshold",
            "severity",
            "scope",
            "portfolio",
            "project",
            "notify_roles",
            "notify_owner",
            "enabled",
            "is_default",
            "default_key",
            "breaching",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_summary(self, rule: AlertRule) -> str:
        return selectors.rule_summary(metric=rule.metric, operator=rule.operator, threshold=rule.threshold)

    def get_metric_label(self, rule: AlertRule) -> str:
        return selectors.metric_label(rule.metric)

    def get_is_default(self, rule: AlertRule) -> bool:
        return bool(rule.default_key)


class AlertRuleRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    operator = serializers.ChoiceField(choices=Operator.choices)


class AlertPersonRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class AlertOutput(serializers.ModelSerializer):
    rule = AlertRuleRefOutput(read_only=True)
    metric_label = serializers.SerializerMethodField()
    project = ProjectRefOutput(read_only=True, allow_null=True)
    person = AlertPersonRefOutput(read_only=True, allow_null=True)
    acknowledged_by = PersonOutput(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="the alert's web page")

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "metric",
            "metric_label",
            "subject_type",
            "subject_id",
            "project",
            "person",
            "severity",
            "value",
            "threshold",
            "state",
            "opened_at",
            "last_evaluated_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
            "resolved_at",
            "resolved_value",
            "url",
        ]
        read_only_fields = fields

    def get_metric_label(self, alert: Alert) -> str:
        return selectors.metric_label(alert.metric)

    def get_url(self, alert: Alert) -> str:
        return alert_url(self.context["organization"], alert.pk)


class AlertScanOutput(serializers.ModelSerializer):
    class Meta:
        model = AlertScan
        fields = [
            "id",
            "started_at",
            "finished_at",
            "duration_ms",
            "rules",
            "evaluated",
            "opened",
            "resolved",
            "still_open",
            "trigger",
        ]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------------------------------


class AlertRuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    metric = serializers.ChoiceField(choices=METRIC_CHOICES)
    operator = serializers.ChoiceField(choices=Operator.choices)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=4)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.WARNING)
    scope = serializers.ChoiceField(choices=AlertRule.Scope.choices, required=False, default=AlertRule.Scope.ALL)
    portfolio = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="scope portfolio")
    project = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="scope project")
    notify_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False, default=list
    )
    notify_owner = serializers.BooleanField(required=False, default=True)
    enabled = serializers.BooleanField(required=False, default=True)


class AlertRuleUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    metric = serializers.ChoiceField(choices=METRIC_CHOICES, required=False)
    operator = serializers.ChoiceField(choices=Operator.choices, required=False)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    scope = serializers.ChoiceField(choices=AlertRule.Scope.choices, required=False)
    portfolio = serializers.IntegerField(required=False, allow_null=True)
    project = serializers.IntegerField(required=False, allow_null=True)
    notify_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False)
    notify_owner = serializers.BooleanField(required=False)
    enabled = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="the version you read (409 if stale)")


class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- Views -------------------------------------------------------------------------------------------------------


def _metric_output(metric: Any) -> dict[str, Any]:
    return {
        "key": metric.key,
        "label": str(metric.label),
        "description": str(metric.description),
        "subject": metric.subject,
        "unit": metric.unit,
        "operator": metric.operator,
        "threshold": metric.threshold,
    }


class MetricListView(PaginatedListMixin, OrganizationAPIView):
    """The metric registry: what alert rules can watch."""

    capabilities = {"GET": permissions.VIEW}

    @extend_schema(responses={200: MetricOutput(many=True)}, tags=["alerts"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.paginated([_metric_output(m) for m in selectors.metrics()], MetricOutput)


class MetricValuesView(PaginatedListMixin, OrganizationAPIView):
    """The current value of one metric for every subject (leadership only: it spans every project and person)."""

    capabilities = {"GET": permissions.VIEW}

    @extend_schema(responses={200: MetricValueOutput(many=True)}, tags=["alerts"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if kwargs["key"] not in METRICS:
            raise Http404
        if not permissions.sees_all(self.access):
            raise exceptions.PermissionDenied()
        rows = selectors.metric_subject_values(access=self.access, key=kwargs["key"])
        return self.paginated(rows, MetricValueOutput)


@extend_schema_view(
    list=extend_schema(tags=["alerts"]),
    retrieve=extend_schema(tags=["alerts"]),
)
class AlertRuleViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """The organisation's alert rules, each with its summary and how many subjects breach it now."""

    model = AlertRule
    serializer_class = AlertRuleOutput
    filterset_class = AlertRuleFilterSet
    sort_keys = {
        "metric": SortKey(gettext_lazy("Metric"), ("metric", "severity", "name")),
        "name": SortKey(gettext_lazy("Name"), ("name",)),
        "severity": SortKey(gettext_lazy("Severity"), (selectors.severity_rank(), "name")),
        "created": SortKey(gettext_lazy("Created"), ("created_at",)),
    }
    ordering = ["metric"]
    capabilities = {
        "list": permissions.VIEW,
        "retrieve": permissions.VIEW,
        "create": permissions.MANAGE_RULES,
        "partial_update": permissions.MANAGE_RULES,
        "destroy": permissions.MANAGE_RULES,
        "*": permissions.MANAGE_RULES,
    }

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.rule_list(organization=self.organization, queryset=queryset)

    def _respond(self, rule: AlertRule, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.rule_get(organization=self.organization, pk=rule.pk)
        return Response(AlertRuleOutput(fresh).data, status=code)

    @extend_schema(request=AlertRuleInput, responses={201: AlertRuleOutput}, tags=["alerts"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new rule: ``value <operator> threshold`` of ``metric`` opens an alert at the next scan."""
        data = AlertRuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.alert_rule_create(organization=self.organization, actor=request.user, **data.validated_data)
        return self._respond(rule, status.HTTP_201_CREATED)

    @extend_schema(
        request=AlertRuleUpdateInput,
        responses={200: AlertRuleOutput},
        tags=["alerts"],
        description="Change a rule. Send the ``version`` you read to be told (409) when someone changed it "
        "meanwhile. ``enabled: false`` switches it off (its open alerts resolve at the next scan).",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        data = AlertRuleUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        if not values:
            raise exceptions.ValidationError({"detail": _("Send at least one field to change.")})
        rule = services.alert_rule_update(
            organization=self.organization, actor=request.user, rule=rule, version=version, **values
        )
        return self._respond(rule)

    @extend_schema(responses={204: None}, tags=["alerts"])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a rule with its alerts and their history (disable it to keep them)."""
        rule = self.get_object()
        services.alert_rule_delete(organization=self.organization, actor=request.user, rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertEventOutput(serializers.Serializer):
    at = serializers.DateTimeField(allow_null=True)
    kind = serializers.ChoiceField(choices=["opened", "value", "acknowledged", "resolved"])
    value = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True, help_text="the metric's value")
    by = serializers.CharField(help_text="who acknowledged")
    note = serializers.CharField()


class AlertRecipientOutput(serializers.Serializer):
    user = PersonOutput(source="recipient")
    notified_at = serializers.DateTimeField(source="created_at")
    read_at = serializers.DateTimeField(allow_null=True)


class AlertTimelineOutput(serializers.Serializer):
    events = AlertEventOutput(many=True, help_text="oldest first")
    notified = AlertRecipientOutput(many=True, help_text="who was told (in-app, and by e-mail per their preferences)")


@extend_schema_view(
    list=extend_schema(tags=["alerts"]),
    retrieve=extend_schema(tags=["alerts"]),
)
class AlertViewSet(
    SortKeysMixin, ProjectsAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """Alerts the caller may read: all for leadership, a manager's projects' and people's for a manager."""

    model = Alert
    serializer_class = AlertOutput
    capabilities = {
        "list": permissions.VIEW,
        "retrieve": permissions.VIEW,
        "timeline": permissions.VIEW,
        "acknowledge": permissions.ACKNOWLEDGE,
        "scan": permissions.MANAGE_RULES,
    }
    filterset_class = AlertFilterSet
    sort_keys = selectors.ALERT_SORTS
    ordering = ["severity"]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "organization": self.organization}

    def restrict_queryset(self, queryset: Any) -> Any:
        return selectors.alerts_visible_to(access=self.access, queryset=queryset)

    @extend_schema(responses={200: AlertTimelineOutput}, tags=["alerts"])
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What happened to the alert (opened, value changes, acknowledged, resolved) and who was told."""
        alert = self.get_object()
        data = {
            "events": selectors.alert_timeline(alert=alert),
            "notified": selectors.alert_notifications(alert=alert),
        }
        return Response(AlertTimelineOutput(data).data)

    @extend_schema(request=AcknowledgeInput, responses={200: AlertOutput}, tags=["alerts"])
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Acknowledge an open alert (it still resolves itself when the metric recovers); 409 once acknowledged or
        resolved."""
        alert = self.get_object()
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.alert_acknowledge(
            organization=self.organization, actor=request.user, alert=alert, note=data.validated_data["note"]
        )
        fresh = selectors.alert_get(access=self.access, pk=alert.pk)
        return Response(AlertOutput(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: AlertScanOutput}, tags=["alerts"])
    @action(detail=False, methods=["post"])
    def scan(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Run the alert scan of the organisation now and answer its counts."""
        scan = alert_scan_organization(organization=self.organization, trigger="manual")
        return Response(AlertScanOutput(scan).data)
