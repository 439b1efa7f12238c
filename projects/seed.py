"""Demo content of the projects app: projects created through the same service as an approved request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects import permissions
from projects.models import ProcessTemplate, Project
from projects.services import project_create


def seed_demo(demo: Any) -> None:
    org, users, t = demo.organization, demo.users, demo.text
    prefix = "ACME" if org.slug == "acme" else "GX"
    if Project.objects.filter(organization=org, code__startswith=f"{prefix}-").exists():
        return
    templates = {tpl.kind: tpl for tpl in ProcessTemplate.objects.filter(organization=org, is_builtin=True)}
    portfolios = list(Portfolio.objects.filter(organization=org).order_by("name"))
    today = timezone.localdate()
    specs = [
        (t("ERP Replacement", "新一代智能手机研发"), "ipd", Project.Status.ACTIVE, -120, 240, 4_800_000),
        (t("Customer Portal", "供应链数字化"), "standard", Project.Status.ACTIVE, -60, 180, 1_200_000),
        (t("Data Platform", "海外市场拓展"), "standard", Project.Status.PLANNING, 10, 300, 2_500_000),
        (t("Mobile Field App", "云平台迁移"), "standard", Project.Status.ON_HOLD, -30, 150, 800_000),
        (t("Office Move", "客户服务中心升级"), "standard", Project.Status.ACTIVE, -200, 20, 600_000),
    ]
    projects = []
    for i, (name, kind, status, start, length, budget) in enumerate(specs, start=1):
        planned_start = today + dt.timedelta(days=start)
        projects.append(
            project_create(
                organization=org,
                actor=users[Role.PMO],
                code=f"{prefix}-{i:03d}",
                name=name,
                template=templates.get(kind),
                manager=users[Role.MANAGER],
                sponsor=users[Role.EXECUTIVE],
                portfolio=portfolios[i % len(portfolios)] if portfolios else None,
                planned_start=planned_start,
                planned_finish=planned_start + dt.timedelta(days=length),
                budget_at_completion=Decimal(budget),
                status=status,
            )
        )
    # The member works on the first project; the viewer may read the third.
    object_permissions_grant(
        organization=org, obj=projects[0], user=users[Role.MEMBER], codenames=[permissions.VIEW_CODENAME]
    )
    object_permissions_grant(
        organization=org, obj=projects[2], user=users[Role.VIEWER], codenames=[permissions.VIEW_CODENAME]
    )
