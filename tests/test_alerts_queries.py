"""The alert list page, the rules page and the ``alerts/`` and ``alert-rules/`` API lists cost the same number of
queries with 3 or 30 alerts (projects, people and rules): rows come joined, counts and permissions in SQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from reports.alerts import services
from reports.alerts.scan import alert_scan_organization
from reports.models import Alert, AlertRule
from tests.conftest import OrgWorld
from tests.factories import PASSWORD, ProjectFactory
from tests.factories_alerts import DUE_WEEK, NOW, age_projects, allocate, only_rule, person, set_spi, spi_report

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


def populate(world: OrgWorld, size: int) -> None:
    """``size`` projects breaching an SPI rule (the manager may change them all), ``size`` over-allocated people,
    ``size`` project-scoped rules; then scanned, and a third of the alerts acknowledged."""
    spi_rule = only_rule(world, "spi", "lt", "0.9", notify_roles=["pmo"])
    with world.ctx():
        AlertRule.objects.create(
            organization=world.organization,
            name="Over-allocated",
            metric="over_allocation_percent",
            operator="gt",
            threshold=Decimal(110),
        )
    projects = [
        ProjectFactory(
            organization=world.organization,
            portfolio=world.projects[0].portfolio,
            code=f"Q-{index:03d}",
            name=f"Queried project {index}",
            manager=world.users["manager"],
        )
        for index in range(size)
    ]
    age_projects(world)
    with world.ctx():
        for project in projects:
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["manager"],
                codenames=project_permissions.MANAGER_CODENAMES,
            )
            AlertRule.objects.create(
                organization=world.organization,
                name=f"SPI of {project.code}",
                metric="spi",
                operator="lt",
                threshold=Decimal("0.5"),
                scope=AlertRule.Scope.PROJECT,
                project=project,
            )
    for index, project in enumerate(projects):
        spi_report(world, project, "0.7")
        allocate(world, person(world, f"Person {index}"), project, DUE_WEEK, DUE_WEEK + dt.timedelta(weeks=4), 50)
    with world.ctx():
        alert_scan_organization(organization=world.organization, now=NOW)
        alerts = list(Alert.objects.filter(organization=world.organization, rule=spi_rule).order_by("pk"))
        for alert in alerts[: size // 3]:
            services.alert_acknowledge(
                organization=world.organization, actor=world.users["pmo"], alert=alert, note="seen"
            )
    for project in projects[-(size // 3) :]:
        set_spi(world, project, "0.95")
    with world.ctx():
        alert_scan_organization(organization=world.organization, now=NOW + dt.timedelta(minutes=15))
        states = Counter(Alert.objects.filter(organization=world.organization).values_list("state", flat=True))
    assert states == {"open": 2 * size - 2 * (size // 3), "acknowledged": size // 3, "resolved": size // 3}


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


# The alert list counts one query for its "Rule" filter's choices.
PAGE_BOUNDS = {"alerts/": 18, "alerts/?state=resolved": 17, "alerts/rules/": 12}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["pmo", "manager"])
@pytest.mark.parametrize("path", list(PAGE_BOUNDS))
def test_pages_cost_the_same_at_two_sizes(
    org_a: OrgWorld, django_assert_max_num_queries: Any, size: int, role: str, path: str
) -> None:
    populate(org_a, size)
    client = client_for(org_a.users[role])
    client.get(f"/o/{org_a.slug}/{path}")  # the session and language settle on the first request
    with django_assert_max_num_queries(PAGE_BOUNDS[path]):
        response = client.get(f"/o/{org_a.slug}/{path}")
    assert response.status_code == 200
    rows = response.content.decode().count('data-testid="alert-row"')
    if path == "alerts/":
        assert rows == 2 * size - size // 3
    elif path == "alerts/?state=resolved":
        assert rows == size // 3


API_BOUNDS = {"alerts/": 10, "alerts/?state=resolved": 10, "alert-rules/": 10}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["pmo", "manager"])
@pytest.mark.parametrize("path", list(API_BOUNDS))
def test_api_lists_cost_the_same_at_two_sizes(
    org_a: OrgWorld,
    api_client: Callable[[Any], Any],
    django_assert_max_num_queries: Any,
    size: int,
    role: str,
    path: str,
) -> None:
    populate(org_a, size)
    client = api_client(org_a.users[role])
    with django_assert_max_num_queries(API_BOUNDS[path]):
        response = client.get(f"/api/v1/orgs/{org_a.slug}/{path}")
    assert response.status_code == 200
    assert response.json()["count"] == {"alerts/": 2 * size, "alerts/?state=resolved": size // 3}.get(path, 2 + size)
