"""Shared fixtures: two organisations with a user of every role, projects and object permissions.

Tests run as the application role (neither superuser nor BYPASSRLS), so Row-Level Security is active in every test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from pmo.accounts.services import api_token_create
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from pmo.tenancy.permissions import object_permissions_grant
from pmo.tenancy.roles import Role
from projects import permissions as project_permissions
from projects.models import Project
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PortfolioFactory,
    ProjectFactory,
    UserFactory,
)

ROLES = [role.value for role in Role]


@dataclass
class OrgWorld:
    """One organisation: ``users[role]``; projects[0] run by the manager (the member may read it), projects[1]
    shared with the viewer, projects[2] granted to nobody."""

    organization: Organization
    users: dict[str, Any] = field(default_factory=dict)
    projects: list[Project] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.organization.slug

    def ctx(self) -> Any:
        return tenant_context(self.organization)


def build_world(slug: str) -> OrgWorld:
    organization = OrganizationFactory(slug=slug, name=f"{slug.title()} Ltd")
    world = OrgWorld(organization=organization)
    for role in ROLES:
        user = UserFactory(email=f"{role}@{slug}.test", full_name=f"{role.title()} of {slug}")
        MembershipFactory(organization=organization, user=user, role=role)
        world.users[role] = user
    portfolio = PortfolioFactory(organization=organization, name=f"{slug} portfolio")
    world.projects = [
        ProjectFactory(
            organization=organization,
            portfolio=portfolio,
            code=f"{slug.upper()}-{i}",
            name=f"{slug} project {i}",
            manager=world.users[Role.MANAGER] if i == 0 else None,
        )
        for i in range(3)
    ]
    with tenant_context(organization):
        object_permissions_grant(
            organization=organization,
            obj=world.projects[0],
            user=world.users[Role.MANAGER],
            codenames=project_permissions.MANAGER_CODENAMES,
        )
        object_permissions_grant(
            organization=organization,
            obj=world.projects[0],
            user=world.users[Role.MEMBER],
            codenames=[project_permissions.VIEW_CODENAME],
        )
        object_permissions_grant(
            organization=organization,
            obj=world.projects[1],
            user=world.users[Role.VIEWER],
            codenames=[project_permissions.VIEW_CODENAME],
        )
    return world


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters and other cached state never carry over from one test to the next."""
    cache.clear()


@pytest.fixture
def org_a(db: None) -> OrgWorld:
    return build_world("alpha")


@pytest.fixture
def org_b(db: None) -> OrgWorld:
    return build_world("beta")


@pytest.fixture
def api_client() -> Callable[[Any], APIClient]:
    """``api_client(user)`` → a DRF client authenticated with a fresh bearer token of ``user``."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            _, raw = api_token_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


# --- Browser tests: Debian's Chromium driven by Playwright for Python (no downloaded browser) ---------------------

CHROMIUM = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does)")
    # Playwright's sync API runs an event loop in this thread; the ORM is only used before it starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


# --- API conformance (tests/test_api_schemathesis.py, tests/test_api_cross_org.py) -----------------------------


@pytest.fixture(scope="module")
def demo_orgs(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """``seed_demo``'s acme and globex with tokens of their admins, seeded once per module inside a transaction
    that is rolled back after the module; each test's own transaction (``db``) is a savepoint inside it."""
    from django.db import transaction

    from tests.api_conformance_support import seed_demo_orgs

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_demo_orgs()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
