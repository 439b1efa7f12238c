"""``python manage.py seed_demo``: two demo organisations, idempotent. Later features add their content here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import Role
from portfolio.models import Portfolio
from projects import permissions as project_permissions
from projects.models import Project

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo password (DESIGN.md)


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    pmo_type: str
    language: str
    people: dict[str, str]
    portfolios: list[tuple[str, str]]
    # code, name, status, portfolio index, description
    projects: list[tuple[str, str, str, int, str]]


ACME = DemoOrg(
    slug="acme",
    name="Acme Corporation",
    pmo_type=Organization.PmoType.CONTROLLING,
    language="en",
    people={
        Role.ADMIN: "Alex Admin",
        Role.PMO: "Pat Office",
        Role.EXECUTIVE: "Erin Executive",
        Role.MANAGER: "Morgan Manager",
        Role.MEMBER: "Sam Member",
        Role.VIEWER: "Vic Viewer",
    },
    portfolios=[
        ("Digital Transformation", "Modernise the systems customers and staff use every day."),
        ("Operational Excellence", "Make the business cheaper and safer to run."),
    ],
    projects=[
        (
            "ACME-001",
            "ERP Replacement",
            Project.Status.ACTIVE,
            0,
            "Replace the legacy ERP with a cloud suite.",
        ),
        (
            "ACME-002",
            "Customer Portal",
            Project.Status.PLANNING,
            0,
            "Self-service portal for orders and invoices.",
        ),
        ("ACME-003", "Data Platform", Project.Status.ACTIVE, 0, "One governed warehouse for reporting."),
        ("ACME-004", "Office Move", Project.Status.CLOSED, 1, "Move headquarters to the new campus."),
        (
            "ACME-005",
            "Mobile Field App",
            Project.Status.PROPOSED,
            0,
            "Field engineers record work on tablets.",
        ),
        (
            "ACME-006",
            "Security Hardening",
            Project.Status.ON_HOLD,
            1,
            "Close the findings of the last audit.",
        ),
    ],
)

GLOBEX = DemoOrg(
    slug="globex",
    name="环球科技集团",
    pmo_type=Organization.PmoType.DIRECTIVE,
    language="zh-hans",
    people={
        Role.ADMIN: "王管理",
        Role.PMO: "李项目办",
        Role.EXECUTIVE: "张总",
        Role.MANAGER: "刘经理",
        Role.MEMBER: "陈成员",
        Role.VIEWER: "赵访客",
    },
    portfolios=[
        ("产品研发", "面向市场的新产品研发项目。"),
        ("运营提升", "提升内部运营效率与质量的项目。"),
    ],
    projects=[
        ("GX-001", "新一代智能手机研发", Project.Status.ACTIVE, 0, "按 IPD 流程开发新一代旗舰手机。"),
        ("GX-002", "供应链数字化", Project.Status.ACTIVE, 1, "打通采购、仓储与物流数据。"),
        ("GX-003", "海外市场拓展", Project.Status.PLANNING, 0, "进入东南亚三个国家的市场。"),
        ("GX-004", "云平台迁移", Project.Status.ON_HOLD, 1, "将核心系统迁移到私有云。"),
        ("GX-005", "客户服务中心升级", Project.Status.CLOSED, 1, "建设全渠道客服中心。"),
    ],
)


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo organisations acme and globex with users of every role."

    def handle(self, *args: Any, **options: Any) -> None:
        for demo in (ACME, GLOBEX):
            self._seed(demo)
        port = os.environ.get("PORT") or "8000"
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in at http://127.0.0.1:{port}/ with:"))
        for demo in (ACME, GLOBEX):
            for role in Role:
                self.stdout.write(f"  {role.value}@{demo.slug}.example".ljust(30) + f" {role.label} ({demo.slug})")
        self.stdout.write(f"Every demo password is {DEMO_PASSWORD}")

    @transaction.atomic
    def _seed(self, demo: DemoOrg) -> None:
        organization, _ = Organization.objects.update_or_create(
            slug=demo.slug,
            defaults={"name": demo.name, "pmo_type": demo.pmo_type, "default_language": demo.language},
        )
        users_model = get_user_model()
        users: dict[str, Any] = {}
        for role, full_name in demo.people.items():
            email = f"{role}@{demo.slug}.example"
            user = users_model._default_manager.filter(email=email).first()
            if user is None:
                user = users_model._default_manager.create_user(
                    email=email, password=DEMO_PASSWORD, full_name=full_name, language=""
                )
            users[role] = user
        with tenant_context(organization):
            for role, user in users.items():
                Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": role})
            portfolios = [
                Portfolio.objects.update_or_create(
                    organization=organization,
                    name=name,
                    defaults={"description": description, "owner": users[Role.EXECUTIVE]},
                )[0]
                for name, description in demo.portfolios
            ]
            projects = []
            for code, name, status, portfolio_index, description in demo.projects:
                project, _ = Project.objects.update_or_create(
                    organization=organization,
                    code=code,
                    defaults={
                        "name": name,
                        "status": status,
                        "description": description,
                        "portfolio": portfolios[portfolio_index],
                        "manager": users[Role.MANAGER],
                    },
                )
                projects.append(project)
            # The manager runs the first two projects; the member works on the first; the viewer may read the third.
            for project in projects[:2]:
                object_permissions_grant(
                    organization=organization,
                    obj=project,
                    user=users[Role.MANAGER],
                    codenames=project_permissions.MANAGER_CODENAMES,
                )
            object_permissions_grant(
                organization=organization,
                obj=projects[0],
                user=users[Role.MEMBER],
                codenames=[project_permissions.VIEW_CODENAME],
            )
            object_permissions_grant(
                organization=organization,
                obj=projects[2],
                user=users[Role.VIEWER],
                codenames=[project_permissions.VIEW_CODENAME],
            )
