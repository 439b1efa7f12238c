"""The default alert rules installed with each organisation (``ORGANIZATION_SETUP_HOOKS``).

Names are stored in the organisation's default language (it may rename them); pages also show each rule's summary —
metric label, operator and threshold — in the reader's language. The PMO is told of every default alert, the
executives of the critical ones too, and each alert's owner (the project's manager, the person) as well.

Thresholds are chosen so that a healthy portfolio raises few alerts: a critical alert (which also tells the
executives) is kept for a risk in the top corner of the 5 × 5 grid (20 or more: 4 × 5, 5 × 4, 5 × 5) — at 15 one
"possible and severe" risk in nearly every project paged the executives, while the register already flags every
risk from 12 up as high; and stale reviews alert from three risks overdue in a project — a single overdue review is
housekeeping the register already flags ("Stale"), several mean the project's register is being neglected.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Role
from reports.metrics import metric_get
from reports.models import AlertRule, Operator, Severity


@dataclass(frozen=True)
class DefaultRule:
    key: str
    name: Promise
    metric: str
    operator: str
    threshold: str
    severity: str

    @property
    def notify_roles(self) -> list[str]:
        roles = [Role.PMO.value]
        if self.severity == Severity.CRITICAL:
            roles.append(Role.EXECUTIVE.value)
        return roles


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule("spi_warning", _("SPI below 0.9"), "spi", Operator.LT, "0.9", Severity.WARNING),
    DefaultRule("spi_critical", _("SPI below 0.8"), "spi", Operator.LT, "0.8", Severity.CRITICAL),
    DefaultRule("cpi_warning", _("CPI below 0.9"), "cpi", Operator.LT, "0.9", Severity.WARNING),
    DefaultRule("cpi_critical", _("CPI below 0.8"), "cpi", Operator.LT, "0.8", Severity.CRITICAL),
    DefaultRule(
        "milestone_slip",
        _("Milestone slipped over 10 days"),
        "milestone_slip_days",
        Operator.GT,
        "10",
        Severity.WARNING,
    ),
    DefaultRule(
        "status_late", _("Weekly status over a day late"), "status_late_days", Operator.GT, "1", Severity.WARNING
    ),
    DefaultRule("risk_score", _("Risk scored 20 or more"), "highest_risk_score", Operator.GTE, "20", Severity.CRITICAL),
    DefaultRule("escalations", _("Open escalation"), "open_escalations", Operator.GTE, "1", Severity.WARNING),
    DefaultRule(
        "stale_risks",
        _("Three or more risks overdue for review"),
        "stale_risk_reviews",
        Operator.GTE,
        "3",
        Severity.INFO,
    ),
    DefaultRule(
        "over_allocation",
        _("Person allocated over 110 %"),
        "over_allocation_percent",
        Operator.GT,
        "110",
        Severity.WARNING,
    ),
    DefaultRule(
        "budget_burn",
        _("Budget spent 15 points ahead of progress"),
        "budget_consumed_vs_complete",
        Operator.GT,
        "15",
        Severity.WARNING,
    ),
    DefaultRule(
        "dependency_slip",
        _("Needed milestone expected late"),
        "dependency_slip_days",
        Operator.GT,
        "0",
        Severity.WARNING,
    ),
    DefaultRule(
        "missing_timesheets",
        _("Two or more timesheets missing"),
        "missing_timesheets",
        Operator.GTE,
        "2",
        Severity.INFO,
    ),
    DefaultRule(
        "status_compliance", _("Status compliance below 80 %"), "status_compliance", Operator.LT, "80", Severity.WARNING
    ),
)


@transaction.atomic
def alert_rules_install_defaults(*, organization: Organization) -> int:
    """Give ``organization`` the default rules it does not have yet (one INSERT; the unique ``default_key`` makes it
    idempotent, also against a concurrent install). A default rule the organisation deleted is installed again only
    by calling this again — which setup hooks do just once, when the organisation is created (and ``seed_demo``).
    Returns how many rules were added."""
    existing = set(
        AlertRule.objects.filter(organization=organization)
        .exclude(default_key="")
        .values_list("default_key", flat=True)
    )
    with translation.override(organization.default_language or None):
        names = {rule.key: str(rule.name) for rule in DEFAULT_RULES}
    rules = [
        AlertRule(
            organization=organization,
            name=names[rule.key],
            metric=metric_get(rule.metric).key,
            operator=rule.operator,
            threshold=Decimal(rule.threshold),
            severity=rule.severity,
            notify_roles=rule.notify_roles,
            notify_owner=True,
            default_key=rule.key,
        )
        for rule in DEFAULT_RULES
        if rule.key not in existing
    ]
    AlertRule.objects.bulk_create(rules, ignore_conflicts=True)
    return len(rules)
