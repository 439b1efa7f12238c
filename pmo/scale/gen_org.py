"""An organisation's frame: the organisation, its users (one per role and the extra project managers) and
memberships, the defaults the setup hooks install, portfolios, programmes, strategic objectives and risk settings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from pmo.scale.gen_context import Gen
from pmo.scale.gen_plan import (
    EXTRA_MANAGER_NAMES_EN,
    EXTRA_MANAGER_NAMES_ZH,
    OBJECTIVES,
    PORTFOLIOS,
    PROGRAMME_KINDS,
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    OrgPlan,
)
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Role
from pmo.tenancy.services import organization_run_setup_hooks
from portfolio.models import Portfolio, Programme, StrategicObjective
from risks.models import RiskSettings

# One project manager for about this many projects (the manager@ user among them).
PROJECTS_PER_MANAGER = 8


def organization_create(plan: OrgPlan) -> Organization:
    """The organisation row (not a tenant row: it exists before any tenant context)."""
    return Organization.objects.create(
        slug=plan.slug,
        name=plan.name,
        pmo_type=plan.pmo_type,
        default_language=plan.language,
        time_zone=plan.time_zone,
        currency=plan.currency,
    )


def users_create(gen: Gen, *, password_hash: str) -> None:
    """``<role>@<slug>.example`` for every role and ``manager2@`` … for the other project managers, all with the
    demo password (hashed once by the caller), members of the organisation with their role."""
    plan = gen.plan
    names = ROLE_NAMES_ZH if plan.chinese else ROLE_NAMES_EN
    extra_names = EXTRA_MANAGER_NAMES_ZH if plan.chinese else EXTRA_MANAGER_NAMES_EN
    extra = max(0, -(-plan.projects // PROJECTS_PER_MANAGER) - 1)
    wanted: list[tuple[str, str, str]] = [
        (role.value, f"{role.value}@{plan.slug}.example", names[role]) for role in Role
    ]
    for n in range(2, extra + 2):
        name = extra_names[(n - 2) % len(extra_names)]
        if n - 2 >= len(extra_names):
            name = f"{name} {(n - 2) // len(extra_names) + 1}"
        wanted.append((Role.MANAGER.value, f"manager{n}@{plan.slug}.example", name))
    user_model = get_user_model()
    created = user_model._default_manager.bulk_create(
        [
            user_model(email=email, full_name=full_name, password=password_hash, language="", date_joined=gen.now)
            for _role, email, full_name in wanted
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(organization=gen.organization, user=user, role=role)
            for (role, _email, _name), user in zip(wanted, created, strict=True)
        ]
    )
    for (role, email, _name), user in zip(wanted, created, strict=True):
        if email.startswith(f"{role}@"):
            gen.users[role] = user
        if role == Role.MANAGER:
            gen.managers.append(user)


def defaults_install(gen: Gen) -> None:
    """What a new organisation gets from the setup hooks (templates, scoring model, control policy, alert rules,
    report schedules, reminder policy), and its risk settings."""
    organization_run_setup_hooks(organization=gen.organization)
    RiskSettings.objects.get_or_create(organization=gen.organization)


def portfolios_create(gen: Gen) -> None:
    """Two to eight portfolios (by size), one or two programmes in most, the strategic objectives."""
    org, rng = gen.organization, gen.rng
    count = max(2, min(len(PORTFOLIOS), 2 + gen.plan.projects // 50))
    portfolios = Portfolio.objects.bulk_create(
        [
            Portfolio(
                organization=org,
                name=gen.pick(PORTFOLIOS[i]),
                description=gen.t(
                    f"Every project of the {PORTFOLIOS[i][0].lower()} portfolio.", f"{PORTFOLIOS[i][1]}组合的全部项目。"
                ),
                owner=gen.users[Role.EXECUTIVE],
                created_at=gen.now,
            )
            for i in range(count)
        ]
    )
    programmes: list[Programme] = []
    for i, portfolio in enumerate(portfolios):
        for k in range(rng.choice((0, 1, 1, 2))):
            kind = PROGRAMME_KINDS[k % len(PROGRAMME_KINDS)]
            programmes.append(
                Programme(
                    organization=org,
                    portfolio=portfolio,
                    name=gen.t(f"{PORTFOLIOS[i][0]} {kind[0]}", f"{PORTFOLIOS[i][1]}{kind[1]}"),
                    manager=gen.users[Role.PMO] if k == 0 else rng.choice(gen.managers),
                    created_at=gen.now,
                )
            )
    Programme.objects.bulk_create(programmes)
    StrategicObjective.objects.bulk_create(
        [
            StrategicObjective(organization=org, code=f"OBJ-{n}", name=gen.t(english, chinese), weight=weight)
            for n, (english, chinese, weight) in enumerate(OBJECTIVES, start=1)
        ]
    )
    gen.portfolio_ids = [p.pk for p in portfolios]
    gen.programmes = {p.pk: [] for p in portfolios}
    for programme in programmes:
        gen.programmes[programme.portfolio_id].append(programme.pk)


def counted(gen: Gen, tables: dict[str, int]) -> None:
    """Add rows written through the ORM to the writer's counts."""
    for table, rows in tables.items():
        gen.writer.counts[table] += rows


def frame_counts(gen: Gen) -> dict[str, Any]:
    return {
        "tenancy_membership": len(gen.managers) + len(Role) - 1,
        "portfolio_portfolio": len(gen.portfolio_ids),
        "portfolio_programme": sum(len(ids) for ids in gen.programmes.values()),
        "portfolio_strategicobjective": len(OBJECTIVES),
    }
