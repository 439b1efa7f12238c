"""Writes of alert rules and alerts. Every service names its organisation and actor and is atomic.

Refusals: ``ValidationError`` for bad input (400, field by field); ``PermissionDenied`` when the actor may not act
(403); ``AlertConflict`` when the alert is no longer open and ``RuleStale`` for an edit based on an old version (both
``ProjectsConflict``, 409). The scan itself lives in ``reports.alerts.scan``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects.changes.services import actor_access
from projects.models import Project
from projects.selectors import project_can_change
from projects.services import ProjectsConflict
from reports.alerts import permissions
from reports.metrics import METRICS
from reports.models import Alert, AlertRule, Operator, Severity, SubjectType

RULE_FIELDS = (
    "name",
    "metric",
    "operator",
    "threshold",
    "severity",
    "scope",
    "portfolio",
    "project",
    "notify_roles",
    "notify_owner",
    "enabled",
)
MAX_NAME = 200
MAX_NOTE = 2000
# AlertRule.threshold is NUMERIC(14, 4).
MAX_THRESHOLD = Decimal("9999999999")


class AlertConflict(ProjectsConflict):
    """The alert is no longer in a state that allows this step (409)."""


class RuleStale(AlertConflict):
    def __init__(self) -> None:
        super().__init__(_("Someone else changed this rule in the meantime. Reload it and try again."))


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to perform this action."))


def _access(organization: Organization, actor: Any) -> OrgAccess:
    return actor_access(organization=organization, actor=actor)


# --- Rules ---------------------------------------------------------------------------------------------------------


def _threshold(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        errors["threshold"] = [_("Give a number.")]
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors["threshold"] = [_("Give a number.")]
        return None
    if not number.is_finite() or abs(number) > MAX_THRESHOLD:
        errors["threshold"] = [_("Give a number between -9,999,999,999 and 9,999,999,999.")]
        return None
    if number != number.quantize(Decimal("0.0001")):
        errors["threshold"] = [_("Use at most four decimal places.")]
        return None
    return number


def _scoped_row(model: Any, organization: Organization, value: Any, name: str, errors: dict[str, list[str]]) -> Any:
    """``value`` (an instance or an id) if a row of ``organization``; otherwise an error on ``name``."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        pk: Any = value.pk if value.organization_id == organization.pk else None
    else:
        pk = value
    row = model.objects.filter(organization=organization, pk=pk).first() if str(pk).isdigit() else None
    if row is None:
        errors[name] = [_("Choose one that belongs to this organisation.")]
    return row


def _clean_rule(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Check a rule's complete set of fields; ``ValidationError`` with every problem."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    name = str(cleaned.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("Keep the name under 200 characters.")]
    cleaned["name"] = name
    metric = METRICS.get(str(cleaned.get("metric") or ""))
    if metric is None:
        errors["metric"] = [_("Choose a metric of the list.")]
    if cleaned.get("operator") not in Operator.values:
        errors["operator"] = [_("Choose one of: %(choices)s.") % {"choices": " ".join(Operator.labels)}]
    if cleaned.get("severity") not in Severity.values:
        errors["severity"] = [_("Choose information, warning or critical.")]
    cleaned["threshold"] = _threshold(cleaned.get("threshold"), errors)
    scope = cleaned.get("scope") or AlertRule.Scope.ALL
    cleaned["scope"] = scope
    portfolio = _scoped_row(Portfolio, organization, cleaned.get("portfolio"), "portfolio", errors)
    project = _scoped_row(Project, organization, cleaned.get("project"), "project", errors)
    if scope not in AlertRule.Scope.values:
        errors["scope"] = [_("Choose the whole organisation, one portfolio or one project.")]
    elif scope != AlertRule.Scope.ALL and metric is not None and not metric.is_project_metric:
        errors["scope"] = [_("Only project metrics can be narrowed to a portfolio or a project.")]
    elif scope == AlertRule.Scope.PORTFOLIO and portfolio is None and "portfolio" not in errors:
        errors["portfolio"] = [_("Choose the portfolio.")]
    elif scope == AlertRule.Scope.PROJECT and project is None and "project" not in errors:
        errors["project"] = [_("Choose the project.")]
    cleaned["portfolio"] = portfolio if scope == AlertRule.Scope.PORTFOLIO else None
    cleaned["project"] = project if scope == AlertRule.Scope.PROJECT else None
    roles = cleaned.get("notify_roles") or []
    if isinstance(roles, str) or not isinstance(roles, Iterable):
        errors["notify_roles"] = [_("Give a list of roles.")]
        roles = []
    roles = list(dict.fromkeys(str(role) for role in roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        errors["notify_roles"] = [_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)}]
    cleaned["notify_roles"] = [role for role in Role.values if role in roles]
    cleaned["notify_owner"] = bool(cleaned.get("notify_owner", True))
    cleaned["enabled"] = bool(cleaned.get("enabled", True))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def alert_rule_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    metric: str,
    operator: str,
    threshold: Any,
    severity: str = Severity.WARNING,
    scope: str = AlertRule.Scope.ALL,
    portfolio: Portfolio | int | None = None,
    project: Project | int | None = None,
    notify_roles: Iterable[str] = (),
    notify_owner: bool = True,
    enabled: bool = True,
) -> AlertRule:
    """A new rule (``ALERT_RULES_MANAGE``). It takes effect at the next scan."""
    _require(_access(organization, actor).can(permissions.MANAGE_RULES))
    values = _clean_rule(
        organization,
        {
            "name": name,
            "metric": metric,
            "operator": operator,
            "threshold": threshold,
            "severity": severity,
            "scope": scope,
            "portfolio": portfolio,
            "project": project,
            "notify_roles": notify_roles,
            "notify_owner": notify_owner,
            "enabled": enabled,
        },
    )
    return AlertRule.objects.create(organization=organization, created_by=actor, **values)


def _lock_rule(organization: Organization, rule: AlertRule, version: int | None) -> AlertRule:
    locked = AlertRule.objects.select_for_update().get(organization=organization, pk=rule.pk)
    if version is not None and version != locked.version:
        raise RuleStale()
    return locked


def _save_rule(rule: AlertRule, values: dict[str, Any]) -> AlertRule:
    changed = [name for name, value in values.items() if getattr(rule, name) != value]
    if not changed:
        return rule
    for name in changed:
        setattr(rule, name, values[name])
    rule.version = F("version") + 1
    rule.updated_at = timezone.now()
    rule.save(update_fields=[*changed, "version", "updated_at"])
    rule.refresh_from_db()
    return rule


@transaction.atomic
def alert_rule_update(
    *, organization: Organization, actor: Any, rule: AlertRule, version: int | None = None, **fields: Any
) -> AlertRule:
    """Change some of a rule's fields (``ALERT_RULES_MANAGE``). ``version``, when given, must be the stored one
    (else ``RuleStale``, 409). The whole rule is checked again; the open alerts follow at the next scan (a new
    threshold updates them, a rule no longer breached resolves them), except that a new metric resolves them at
    once."""
    _require(_access(organization, actor).can(permissions.MANAGE_RULES))
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    locked = _lock_rule(organization, rule, version)
    current = {name: getattr(locked, name) for name in RULE_FIELDS}
    values = _clean_rule(organization, {**current, **fields})
    if values["metric"] != locked.metric:
        # The open alerts measured another metric: they end here, and the next scan opens the new metric's.
        now = timezone.now()
        Alert.objects.filter(organization=organization, rule=locked).exclude(state=Alert.State.RESOLVED).update(
            state=Alert.State.RESOLVED, resolved_at=now, last_evaluated_at=now
        )
    return _save_rule(locked, values)


@transaction.atomic
def alert_rule_set_enabled(
    *, organization: Organization, actor: Any, rule: AlertRule, enabled: bool, version: int | None = None
) -> AlertRule:
    """Switch a rule on or off (``ALERT_RULES_MANAGE``). A disabled rule's open alerts resolve at the next scan."""
    _require(_access(organization, actor).can(permissions.MANAGE_RULES))
    locked = _lock_rule(organization, rule, version)
    return _save_rule(locked, {"enabled": bool(enabled)})


@transaction.atomic
def alert_rule_delete(*, organization: Organization, actor: Any, rule: AlertRule, version: int | None = None) -> None:
    """Delete a rule and, with it, its alerts and their history (``ALERT_RULES_MANAGE``). To keep the history,
    disable the rule instead."""
    _require(_access(organization, actor).can(permissions.MANAGE_RULES))
    locked = _lock_rule(organization, rule, version)
    locked.delete()


# --- Alerts --------------------------------------------------------------------------------------------------------


def may_acknowledge(*, access: OrgAccess, alert: Alert) -> bool:
    """The PMO and admins acknowledge any alert; a manager those of projects they may change."""
    if not access.can(permissions.ACKNOWLEDGE):
        return False
    if access.can(permissions.ACKNOWLEDGE_ALL):
        return True
    project = alert.project
    return (
        alert.subject_type == SubjectType.PROJECT
        and project is not None
        and project_can_change(access=access, project=project)
    )


@transaction.atomic
def alert_acknowledge(*, organization: Organization, actor: Any, alert: Alert, note: str = "") -> Alert:
    """Mark an open alert as seen and being handled: open → acknowledged, with who, when and a note. An
    acknowledged alert still resolves itself when the metric recovers. Already acknowledged or resolved →
    ``AlertConflict`` (409)."""
    access = _access(organization, actor)
    locked = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(organization=organization, pk=alert.pk)
    )
    _require(may_acknowledge(access=access, alert=locked), _("You may not acknowledge this alert."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [_("Keep the note under 2000 characters.")]})
    if locked.state != Alert.State.OPEN:
        raise AlertConflict(
            _("This alert is already acknowledged.")
            if locked.state == Alert.State.ACKNOWLEDGED
            else _("This alert is already resolved.")
        )
    locked.state = Alert.State.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor
    locked.acknowledgement_note = note
    locked.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    return locked
