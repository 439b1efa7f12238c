"""``python manage.py seed_demo``: two demo organisations, idempotent. Later features add their content here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Role
from pmo.tenancy.services import organization_run_setup_hooks

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo password (DESIGN.md)


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    pmo_type: str
    language: str
    people: dict[str, str]


@dataclass(frozen=True)
class DemoContext:
    """What each app's demo seeder gets: the organisation (active as tenant), its users by role, its language."""

    organization: Organization
    users: dict[str, Any]
    language: str

    def text(self, english: str, chinese: str) -> str:
        return chinese if self.language.startswith("zh") else english


# Each app seeds its own demo content, in this order, inside the organisation's tenant context; each is
# idempotent (it skips what exists).
DEMO_SEEDERS = [
    "portfolio.seed.seed_demo",
    "projects.seed.seed_demo",
    "projects.monitoring_seed.seed_demo",
    "resources.seed.seed_demo",
    "risks.seed.seed_demo",
    "projects.knowledge.seed.seed_demo",
    "projects.documents.seed.seed_demo",
    "reports.seed.seed_demo",
]

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
            organization_run_setup_hooks(organization=organization)
            demo_context = DemoContext(organization=organization, users=users, language=demo.language)
            # Text the services write (milestone names, baseline reasons …) comes out in the organisation's language.
            with translation.override(demo.language):
                for seeder in DEMO_SEEDERS:
                    import_string(seeder)(demo_context)
