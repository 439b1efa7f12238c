"""The framework floor: what every organisation page pays before its own work.

An organisation page reads the session and the user (Django), then resolves the organisation in three statements
(the user's id for RLS, the user's memberships with their organisations, the organisation for RLS); the header's
organisation switcher reuses those memberships and the inbox badge adds one COUNT. Nothing else runs per request.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.views import View
from django.views.generic import TemplateView

from pmo.tenancy import context
from pmo.tenancy.access import resolve_organization
from pmo.tenancy.views_base import OrganizationViewMixin
from tests.conftest import OrgWorld
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.urls(__name__)


class EmptyOrgView(OrganizationViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(b"ok")


class BaseLayoutView(OrganizationViewMixin, TemplateView):
    template_name = "base.html"


urlpatterns = [
    path("o/<slug:org_slug>/empty/", EmptyOrgView.as_view()),
    path("o/<slug:org_slug>/layout/", BaseLayoutView.as_view()),
    path("", include("pmo.urls")),
]

TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")
# pghistory prefixes its context to the statements that may write (here the test's savepoints).
HISTORY_PREFIX = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?; ", re.S)


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The captured SQL without transaction control (the test's savepoints, the request's BEGIN/COMMIT)."""
    sqls = [HISTORY_PREFIX.sub("", q["sql"]) for q in captured.captured_queries]
    return [sql for sql in sqls if not TRANSACTION_CONTROL.match(sql)]


def kinds(sqls: list[str]) -> list[str]:
    """A name for each statement: the setting it sets, or the first table it reads."""
    names = []
    for sql in sqls:
        setting = re.match(r"SELECT set_config\('([\w.]+)'", sql)
        table = re.search(r'FROM "(\w+)"', sql)
        names.append(f"set {setting.group(1)}" if setting else table.group(1) if table else sql[:40])
    return names


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_resolution_is_three_statements_and_keeps_the_memberships(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["member"]
    MembershipFactory(organization=org_b.organization, user=user, role="pmo")

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        access = resolve_organization(user=user, org_slug=org_b.slug)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.organization_id', true), current_setting('app.user_id', true)")
            settings_row = cursor.fetchone()
        active = context.current_organization_id()

    sqls = statements(captured)[:-1]
    assert kinds(sqls) == ["set app.user_id", "tenancy_membership", "set app.organization_id"]
    assert access.organization.pk == org_b.organization.pk
    assert access.role == "pmo"
    assert [m.organization.slug for m in access.memberships] == ["alpha", "beta"]
    assert settings_row == (str(org_b.organization.pk), str(user.pk))
    assert active == org_b.organization.pk


@pytest.mark.parametrize("case", ["non-member", "unknown", "inactive"])
def test_resolution_refuses_alike_and_activates_nothing(org_a: OrgWorld, org_b: OrgWorld, case: str) -> None:
    user = org_a.users["admin"]
    slug = {"non-member": org_b.slug, "unknown": "nowhere", "inactive": "closed"}[case]
    if case == "inactive":
        MembershipFactory(organization=OrganizationFactory(slug="closed", is_active=False), user=user, role="admin")

    with transaction.atomic():
        context.activate(None)
        with pytest.raises(Http404):
            resolve_organization(user=user, org_slug=slug)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.organization_id', true)")
            (setting,) = cursor.fetchone()
        active = context.current_organization_id()

    assert active is None
    assert setting in (None, "")


def test_an_empty_organisation_page_costs_the_session_the_user_and_the_resolution(org_a: OrgWorld) -> None:
    client = logged_in(org_a.users["viewer"])

    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/o/{org_a.slug}/empty/")

    assert response.status_code == 200
    assert kinds(statements(captured)) == [
        "django_session",
        "accounts_user",
        "set app.user_id",
        "tenancy_membership",
        "set app.organization_id",
    ]


def test_the_layout_reuses_the_resolved_memberships_and_counts_the_inbox_once(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["manager"]
    MembershipFactory(organization=org_b.organization, user=user, role="viewer")
    client = logged_in(user)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/o/{org_a.slug}/layout/")

    assert response.status_code == 200
    assert kinds(statements(captured)) == [
        "django_session",
        "accounts_user",
        "set app.user_id",
        "tenancy_membership",
        "set app.organization_id",
        "reports_notification",
    ]
    switcher = re.search(r'data-testid="org-switcher">(.*?)</details>', response.content.decode(), re.S)
    assert switcher is not None
    assert re.findall(r'href="/o/([\w-]+)/"', switcher.group(1)) == ["alpha", "beta"]
    assert [m.organization.slug for m in response.context["my_memberships"]] == ["alpha", "beta"]


def test_a_page_outside_an_organisation_still_lists_the_memberships(org_a: OrgWorld, org_b: OrgWorld) -> None:
    user = org_a.users["viewer"]
    MembershipFactory(organization=org_b.organization, user=user, role="member")

    response = logged_in(user).get("/")

    assert response.status_code == 200
    assert [m.organization.slug for m in response.context["my_memberships"]] == ["alpha", "beta"]
    assert response.context["org_access"] is None


@pytest.mark.parametrize("role", ["admin", "pmo", "executive", "manager", "member", "viewer"])
def test_the_navigation_is_each_roles_entries_in_its_organisation(org_a: OrgWorld, org_b: OrgWorld, role: str) -> None:
    from django.urls import reverse

    from pmo.tenancy.context_processors import ADMIN_KEYS, NAVIGATION
    from pmo.tenancy.roles import role_can

    for world in (org_a, org_b):
        response = logged_in(world.users[role]).get(f"/o/{world.slug}/layout/")

        expected = [
            (key, reverse(url_name, kwargs={"org_slug": world.slug}))
            for key, _label, url_name, capability in NAVIGATION
            if role_can(role, capability)
        ]
        shown = [
            (item.key, item.url) for item in [*response.context["nav_items"], *response.context["nav_admin_items"]]
        ]
        assert sorted(shown) == sorted(expected)
        assert all(item.admin == (item.key in ADMIN_KEYS) for item in response.context["nav_admin_items"])
        assert all(f"/o/{world.slug}/" in url for _key, url in shown)
