"""The dashboard page, a drill-down (and its CSV) and the PDF's data cost the same number of queries with 3 or 30
projects, each with a report, milestones, risks, an escalation, a change request to sign and allocations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from pmo.tenancy.access import resolve_organization
from projects.models import ApproverRole, ChangeRequest, Milestone
from reports.dashboard.selectors import DashboardFilters, dashboard_data
from risks.models import EscalationLevel
from tests.conftest import OrgWorld
from tests.factories_kpis import allocate, person, project, report, risk
from tests.test_dashboard_pages import client_for, this_monday

pytestmark = pytest.mark.django_db

SIZES = [3, 30]
# The same bounds at both sizes (measured: 29 reads of the data, plus session, membership, form choices and the
# inbox badge on the page; the page computes, its test transaction having written, see pmo.core.datacache).
PAGE_QUERIES = 40
DRILL_QUERIES = 10
DATA_QUERIES = 29


def populate(world: OrgWorld, size: int) -> None:
    last_week = this_monday() - dt.timedelta(weeks=1)
    today = timezone.localdate()
    people = [person(world, f"Person {i}") for i in range(3)]
    for index in range(size):
        on = project(world, code=f"Q-{index:03d}", name=f"Queried {index}", manager=world.users["manager"])
        report(
            world,
            on,
            last_week,
            rag=("red", "amber", "green")[index % 3],
            spi=Decimal("0.9") + Decimal(index % 4) / 10,
            cpi=Decimal("1.1") - Decimal(index % 3) / 10,
            bac=Decimal(1000),
            ac=Decimal(400),
            eac=Decimal(1100),
            escalations=[{"title": f"Decide {index}", "decision_from": "CEO"}],
        )
        with world.ctx():
            Milestone.objects.create(
                organization=world.organization, project=on, name="Soon", forecast_date=today + dt.timedelta(days=5)
            )
            Milestone.objects.create(
                organization=world.organization, project=on, name="Late", baseline_date=today - dt.timedelta(days=5)
            )
            ChangeRequest.objects.create(
                organization=world.organization,
                project=on,
                number=1,
                title="More scope",
                change_type="scope",
                description="d",
                justification="j",
                status=ChangeRequest.Status.ASSESSED,
                raised_by=world.users["manager"],
                approvals_required=[ApproverRole.EXECUTIVE.value],
            )
        risk(world, on, index + 1, level=EscalationLevel.EXECUTIVE, escalated_at=timezone.now(), impact=1 + index % 5)
        allocate(world, people[index % 3], on, this_monday(), this_monday() + dt.timedelta(weeks=4), 10)


@pytest.mark.parametrize("size", SIZES)
def test_the_page_runs_a_fixed_number_of_queries(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    populate(org_a, size)
    client = client_for(org_a.users["executive"])
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(f"/o/{org_a.slug}/dashboard/", {"status": "running"})
    assert response.status_code == 200
    data = response.context["data"]
    assert data.counts["all"] == size + 3
    assert len(data.points) == size and len(data.decisions.report_escalations) == size


@pytest.mark.parametrize("size", SIZES)
def test_a_drill_down_and_its_csv_run_a_fixed_number_of_queries(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    populate(org_a, size)
    client = client_for(org_a.users["executive"])
    with django_assert_max_num_queries(DRILL_QUERIES):
        response = client.get(f"/o/{org_a.slug}/dashboard/projects/", {"figure": "milestones_slipped"})
    assert response.context["page"].paginator.count == size
    with django_assert_max_num_queries(DRILL_QUERIES):
        response = client.get(f"/o/{org_a.slug}/dashboard/projects/", {"figure": "all", "format": "csv"})
    assert len(response.content.decode("utf-8-sig").splitlines()) == size + 3 + 1


@pytest.mark.parametrize("size", SIZES)
def test_the_pdf_data_runs_a_fixed_number_of_queries(
    org_a: OrgWorld, size: int, django_assert_max_num_queries: Any
) -> None:
    populate(org_a, size)
    with org_a.ctx():
        access = resolve_organization(user=org_a.users["executive"], org_slug=org_a.slug)
        with django_assert_max_num_queries(DATA_QUERIES):
            data = dashboard_data(access=access, filters=DashboardFilters(), now=timezone.now())
    assert data.counts["all"] == size + 3
