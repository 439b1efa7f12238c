"""Alert pages under ``/o/<org_slug>/``: the alerts that need attention and their history with filters, the last
scan and "Run scan now" (``alerts/``); one alert with its rule, who was told and its timeline (``alerts/<id>/``);
the rules with how many subjects breach each, and their form (``alerts/rules/``).

Thin views: rows come from the selectors (404 when the actor may not read them), one service is called per post,
and a refused post renders the page again with the reason: next to the form (400), on top (409) or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView

from pmo.core.exports import Column, ExportableListMixin, attr
from pmo.core.listing import ListPageMixin, filter_values
from pmo.tenancy.roles import Capability, Role
from pmo.tenancy.views_base import OrganizationViewMixin
from portfolio.models import Portfolio
from projects.models import Project
from projects.selectors import projects_visible_to
from projects.services import ProjectsConflict
from projects.views import add_service_errors
from reports.alerts import forms, permissions, selectors, services
from reports.alerts.scan import alert_scan_organization
from reports.metrics import METRICS
from reports.models import Alert, AlertRule


def decorate(alert: Alert) -> Alert:
    """Attach the texts a row shows (no query)."""
    alert.metric_label = selectors.metric_label(alert.metric)  # type: ignore[attr-defined]
    alert.value_text = selectors.value_text(alert.metric, alert.value)  # type: ignore[attr-defined]
    alert.threshold_text = selectors.value_text(alert.metric, alert.threshold)  # type: ignore[attr-defined]
    alert.resolved_text = selectors.value_text(alert.metric, alert.resolved_value)  # type: ignore[attr-defined]
    alert.operator_symbol = selectors.OPERATOR_SYMBOLS.get(alert.rule.operator, "")  # type: ignore[attr-defined]
    return alert


class AlertPageMixin(OrganizationViewMixin):
    nav_key = "alerts"
    capability = permissions.VIEW
    request: HttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().get_context_data(**kwargs)
        data["can_manage_rules"] = self.access.can(permissions.MANAGE_RULES)
        return data

    def render_again(self, status: int, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(**kwargs), status=status)  # type: ignore[attr-defined]

    def act(self, run: Callable[[], Any], *, success: Callable[[Any], str], redirect_to: str) -> HttpResponse:
        """Call one service; a refusal renders the page again with the reason (409, 400, 403)."""
        try:
            result = run()
        except ProjectsConflict as exc:
            messages.error(self.request, str(exc))
            return self.render_again(409)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return self.render_again(400)
        except PermissionDenied as exc:
            messages.error(self.request, str(exc) or _("You may not take this step."))
            return self.render_again(403)
        messages.success(self.request, success(result))
        return redirect(redirect_to)


# --- Alerts ------------------------------------------------------------------------------------------------------


class AlertListView(ListPageMixin, AlertPageMixin, TemplateView):
    """The alerts that need attention (most severe first) or, with ``state=resolved``, the history; filters and
    sort; the last scan and, for rule managers, "Run scan now"; ``?format=csv|xlsx`` answers the filtered list as
    a file."""

    template_name = "reports/alerts/list.html"
    export_name = "alerts"

    def build_filter_form(self) -> forms.AlertFilterForm:
        params = self.request.GET.copy()
        if not params.get("state"):
            params["state"] = selectors.ACTIVE
        return forms.AlertFilterForm(
            params,
            projects=projects_visible_to(access=self.access).order_by("code"),
            rules=AlertRule.objects.filter(organization=self.organization).order_by("name"),
        )

    @cached_property
    def values(self) -> dict[str, Any]:
        return filter_values(self.filter_form) or {"state": selectors.ACTIVE}

    @property
    def state(self) -> str:
        return self.values.get("state") or selectors.ACTIVE

    @property
    def history(self) -> bool:
        return self.state == Alert.State.RESOLVED

    @property
    def sort(self) -> str:
        return self.values.get("sort") or ("-resolved" if self.history else "severity")

    def is_filtered(self) -> bool:
        return any(self.values.get(name) for name in ("severity", "metric", "project", "rule"))

    def rows(self) -> Any:
        values = self.values
        project, rule = values.get("project"), values.get("rule")
        filters = selectors.AlertFilters(
            state=self.state,
            severity=values.get("severity") or "",
            metric=values.get("metric") or "",
            project=project.pk if project is not None else None,
            rule=rule.pk if rule is not None else None,
            ordering=self.sort,
        )
        return selectors.alert_list(access=self.access, filters=filters)

    def export_title(self) -> str:
        return _("Alert history") if self.history else _("Alerts")

    def export_columns(self) -> list[Column]:
        def subject(alert: Alert) -> str:
            if alert.project is not None:
                return f"{alert.project.code} {alert.project.name}"
            if alert.person is not None:
                return alert.person.full_name
            return self.organization.name

        return [
            Column(_("Severity"), attr("get_severity_display"), 10),
            Column(_("Metric"), attr("metric_label"), 30),
            Column(_("Rule"), attr("rule.name"), 28),
            Column(_("Subject type"), attr("get_subject_type_display"), 12),
            Column(_("Subject"), subject, 32),
            Column(pgettext("metric value", "Value"), attr("value"), 10),
            Column(_("Threshold"), lambda a: f"{a.operator_symbol} {a.threshold_text}", 14),
            Column(_("State"), attr("get_state_display"), 12),
            Column(_("Opened"), attr("opened_at"), 18),
            Column(_("Acknowledged by"), lambda a: a.acknowledged_by.get_full_name() if a.acknowledged_by else ""),
            Column(_("Acknowledged"), attr("acknowledged_at"), 18),
            Column(_("Note"), attr("acknowledgement_note"), 30),
            Column(_("Resolved"), attr("resolved_at"), 18),
            Column(_("Value when resolved"), attr("resolved_value"), 12),
        ]

    def export_rows(self) -> Any:
        return (decorate(alert) for alert in self.rows())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        alerts = [decorate(alert) for alert in data["page"].object_list]
        data.update(
            alerts=alerts,
            state=self.state,
            history=self.history,
            counts=selectors.alert_counts(access=self.access),
            ack_ids=selectors.acknowledgeable(access=self.access, alerts=alerts),
            ack_form=forms.AcknowledgeForm(),
            last_scan=selectors.last_scan(organization=self.organization),
            here=self.request.get_full_path(),
        )
        return data


class AlertDetailView(AlertPageMixin, TemplateView):
    """One alert: its rule, value against threshold, who was told, and what happened (timeline)."""

    template_name = "reports/alerts/detail.html"
    # Everyone may ask; the selector shows each only what they may read (a member: alerts about themselves).
    capability = Capability.ORG_VIEW

    @cached_property
    def alert(self) -> Alert:
        return decorate(selectors.alert_get(access=self.access, pk=self.kwargs["pk"]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        alert = self.alert
        rule = alert.rule
        data.update(
            alert=alert,
            rule=rule,
            rule_summary=selectors.rule_summary(metric=rule.metric, operator=rule.operator, threshold=rule.threshold),
            notifications=list(selectors.alert_notifications(alert=alert)),
            timeline=selectors.alert_timeline(alert=alert),
            can_acknowledge=bool(selectors.acknowledgeable(access=self.access, alerts=[alert])),
            ack_form=form or forms.AcknowledgeForm(),
        )
        return data


class AlertAcknowledgeView(AlertDetailView):
    """POST: acknowledge the alert with an optional note; back to the page it was sent from."""

    capability = permissions.ACKNOWLEDGE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(reverse("alert-detail", kwargs={"org_slug": self.organization.slug, "pk": self.alert.pk}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        alert = self.alert
        form = forms.AcknowledgeForm(request.POST)
        if not form.is_valid():
            return self.render_again(400, form=form)
        back = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
            back = reverse("alert-detail", kwargs={"org_slug": self.organization.slug, "pk": alert.pk})
        return self.act(
            lambda: services.alert_acknowledge(
                organization=self.organization, actor=request.user, alert=alert, note=form.cleaned_data["note"]
            ),
            success=lambda _alert: _("Alert acknowledged."),
            redirect_to=back,
        )


class AlertScanView(AlertPageMixin, TemplateView):
    """POST: run the scan now (rule managers) and tell what it found."""

    capability = permissions.MANAGE_RULES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(reverse("alert-list", kwargs={"org_slug": self.organization.slug}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scan = alert_scan_organization(organization=self.organization, trigger="manual")
        messages.success(
            request,
            _(
                "Scan done in %(ms)s ms: %(rules)s rules over %(evaluated)s values; %(opened)s alerts opened, "
                "%(resolved)s resolved; %(still)s open in all."
            )
            % {
                "ms": scan.duration_ms,
                "rules": scan.rules,
                "evaluated": scan.evaluated,
                "opened": scan.opened,
                "resolved": scan.resolved,
                "still": scan.still_open + scan.opened,
            },
        )
        return redirect(reverse("alert-list", kwargs={"org_slug": self.organization.slug}))


# --- Rules -------------------------------------------------------------------------------------------------------


def decorate_rule(rule: AlertRule) -> AlertRule:
    rule.summary = selectors.rule_summary(  # type: ignore[attr-defined]
        metric=rule.metric, operator=rule.operator, threshold=rule.threshold
    )
    rule.metric_label = selectors.metric_label(rule.metric)  # type: ignore[attr-defined]
    return rule


def _rule_scope(rule: AlertRule) -> str:
    if rule.scope == AlertRule.Scope.PROJECT and rule.project is not None:
        return f"{rule.project.code} {rule.project.name}"
    if rule.scope == AlertRule.Scope.PORTFOLIO and rule.portfolio is not None:
        return _("%(label)s: %(value)s") % {"label": _("Portfolio"), "value": rule.portfolio.name}
    return _("Whole organisation")


class AlertRuleListView(AlertPageMixin, ExportableListMixin, TemplateView):
    """Every rule with its summary, scope, who is told, and how many subjects breach it now; ``?format=csv|xlsx``
    answers them as a file."""

    template_name = "reports/alerts/rules.html"
    export_name = "alert-rules"

    def export_rows(self) -> Any:
        return (decorate_rule(rule) for rule in selectors.rule_list(organization=self.organization))

    def export_columns(self) -> list[Column]:
        roles = dict(Role.choices)
        return [
            Column(_("Rule"), attr("summary"), 40),
            Column(_("Name"), attr("name"), 30),
            Column(_("Metric"), attr("metric_label"), 24),
            Column(_("Threshold"), attr("threshold"), 10),
            Column(_("Severity"), attr("get_severity_display"), 10),
            Column(_("Applies to"), _rule_scope, 30),
            Column(_("Tells"), lambda rule: [roles.get(role, role) for role in rule.notify_roles], 30),
            Column(_("Tells the owner"), attr("notify_owner"), 10),
            Column(_("Breaching now"), attr("breaching"), 10),
            Column(_("Enabled"), attr("enabled"), 9),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["rules"] = list(self.export_rows())
        return data


class AlertRuleActionView(AlertRuleListView):
    """POST ``enable`` / ``disable`` / ``delete`` on one rule (rule managers)."""

    capability = permissions.MANAGE_RULES
    VERBS = ("enable", "disable", "delete")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(reverse("alert-rule-list", kwargs={"org_slug": self.organization.slug}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verb = kwargs["verb"]
        if verb not in self.VERBS:
            raise Http404
        rule = selectors.rule_get(organization=self.organization, pk=kwargs["pk"])
        version = _int(request.POST.get("version"))
        back = reverse("alert-rule-list", kwargs={"org_slug": self.organization.slug})
        if verb == "delete":
            return self.act(
                lambda: services.alert_rule_delete(
                    organization=self.organization, actor=request.user, rule=rule, version=version
                ),
                success=lambda _none: _("Rule “%(name)s” deleted.") % {"name": rule.name},
                redirect_to=back,
            )
        return self.act(
            lambda: services.alert_rule_set_enabled(
                organization=self.organization,
                actor=request.user,
                rule=rule,
                enabled=verb == "enable",
                version=version,
            ),
            success=lambda saved: (
                (_("Rule “%(name)s” enabled.") if saved.enabled else _("Rule “%(name)s” disabled."))
                % {"name": saved.name}
            ),
            redirect_to=back,
        )


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


class AlertRuleFormView(AlertPageMixin, TemplateView):
    """Create (``alerts/rules/new/``) or edit (``alerts/rules/<id>/edit/``) a rule; errors next to their fields."""

    template_name = "reports/alerts/rule_form.html"
    capability = permissions.MANAGE_RULES

    @cached_property
    def rule(self) -> AlertRule | None:
        pk = self.kwargs.get("pk")
        return None if pk is None else selectors.rule_get(organization=self.organization, pk=pk)

    def _form(self, data: Any = None) -> forms.RuleForm:
        initial: dict[str, Any] = {}
        if self.rule is not None:
            initial = {name: getattr(self.rule, name) for name in services.RULE_FIELDS} | {"version": self.rule.version}
        else:
            # A new rule starts from its metric's usual comparison (the form's script follows a metric change).
            metric = METRICS.get(self.request.GET.get("metric", "")) or METRICS["spi"]
            initial = {
                "notify_roles": ["pmo"],
                "metric": metric.key,
                "operator": metric.operator,
                "threshold": metric.threshold,
            }
        return forms.RuleForm(
            data,
            initial=initial,
            portfolios=Portfolio.objects.filter(organization=self.organization).order_by("name"),
            projects=Project.objects.filter(organization=self.organization)
            .exclude(status__in=[Project.Status.CLOSED, Project.Status.CANCELLED])
            .order_by("code"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data.update(
            form=form or self._form(),
            rule=self.rule,
            metrics=selectors.metrics(),
            metric_defaults={
                key: {"operator": metric.operator, "threshold": format(metric.threshold.normalize(), "f")}
                for key, metric in METRICS.items()
            },
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_again(400, form=form)
        values = form.service_values()
        try:
            if self.rule is None:
                rule = services.alert_rule_create(organization=self.organization, actor=request.user, **values)
            else:
                rule = services.alert_rule_update(
                    organization=self.organization,
                    actor=request.user,
                    rule=self.rule,
                    version=form.cleaned_data.get("version"),
                    **values,
                )
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_again(409, form=form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_again(400, form=form)
        messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
        return redirect(reverse("alert-rule-list", kwargs={"org_slug": self.organization.slug}))
