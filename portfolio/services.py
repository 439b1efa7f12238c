"""Writes for portfolios, programmes, objectives, the scoring model, intake requests and scenarios."""

from __future__ import annotations

from django.db import transaction

from pmo.tenancy.models import Organization
from portfolio.models import ScoringCriterion

# key, (English, Chinese) name, weight, higher_is_better
DEFAULT_CRITERIA = [
    ("strategic_alignment", ("Strategic alignment", "战略契合度"), 25, True),
    ("business_value", ("Business value", "业务价值"), 25, True),
    ("urgency", ("Urgency", "紧迫性"), 15, True),
    ("risk", ("Risk", "风险"), 10, False),
    ("cost", ("Cost", "成本"), 10, False),
    ("feasibility", ("Feasibility", "可行性"), 15, True),
]


@transaction.atomic
def scoring_model_install_defaults(*, organization: Organization) -> None:
    """Give ``organization`` the default scoring model (six criteria, weights summing to 100). Idempotent: an
    organisation that has any criterion keeps its own model."""
    if ScoringCriterion.objects.filter(organization=organization).exists():
        return
    chinese = organization.default_language.startswith("zh")
    ScoringCriterion.objects.bulk_create(
        [
            ScoringCriterion(
                organization=organization,
                key=key,
                name=names[1] if chinese else names[0],
                weight=weight,
                higher_is_better=higher,
                order=order,
            )
            for order, (key, names, weight, higher) in enumerate(DEFAULT_CRITERIA, start=1)
        ]
    )
