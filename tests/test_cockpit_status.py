"""The cockpit's "Status reports this week" tiles add up: a returned report is not in (and not submitted), *Late*
counts the rows the table shows as late, *Missing* the late ones never submitted, and the reminder line says to whom
the reminders due now go."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership
from projects.models import Project, StatusReport
from projects.policy import control_policy_get, current_week_start, status_due_at
from reports.cockpit.selectors import status_week
from tests.conftest import OrgWorld
from tests.factories import PASSWORD, ProjectFactory
from tests.factories_reminders import set_policy

pytestmark = pytest.mark.django_db

S = StatusReport.State


def access_of(world: OrgWorld, role: str = "pmo") -> OrgAccess:
    with world.ctx():
        membership = Membership.objects.get(organization=world.organization, user=world.users[role])
    return OrgAccess(organization=world.organization, membership=membership)


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def this_weeks_reports(world: OrgWorld, now: dt.datetime) -> tuple[dt.datetime, dict[str, str]]:
    """Five monitored projects with this week's report in each state (the world's three and two more): accepted, on
    time; submitted, late; returned (first submitted on time); draft; none. Returns the week's due time and the code
    of each case."""
    organization = world.organization
    extra = [
        ProjectFactory(organization=organization, portfolio=world.projects[0].portfolio, code=f"ST-{n}", manager=None)
        for n in range(2)
    ]
    projects = [*world.projects, *extra]
    with world.ctx():
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(status=Project.Status.ACTIVE)
        policy = control_policy_get(organization=organization)
        week = current_week_start(organization=organization, now=now)
        due = status_due_at(organization=organization, policy=policy, week_start=week)
        cases = {
            "accepted": (S.ACCEPTED, due - dt.timedelta(hours=5)),
            "submitted_late": (S.SUBMITTED, due + dt.timedelta(hours=1)),
            "returned": (S.RETURNED, due - dt.timedelta(hours=3)),
            "draft": (S.DRAFT, None),
        }
        codes = {}
        for project, (case, (state, first)) in zip(projects, cases.items(), strict=False):
            StatusReport.objects.create(
                organization=organization,
                project=project,
                week_start=week,
                due_at=due,
                state=state,
                revision=1,
                first_submitted_at=first,
                submitted_at=first,
            )
            codes[case] = project.code
        codes["none"] = projects[4].code
    return due, codes


def test_tiles_add_up_once_the_week_is_due(org_a: OrgWorld) -> None:
    due, codes = this_weeks_reports(org_a, timezone.now())
    with org_a.ctx():
        week = status_week(access=access_of(org_a), now=due + dt.timedelta(minutes=30))
    not_in = {item.project.code: item for item in week.not_in}
    assert sorted(not_in) == sorted([codes["returned"], codes["draft"], codes["none"]])
    assert (week.total, week.submitted, len(week.not_in)) == (5, 2, 3)
    assert week.submitted + len(week.not_in) == week.total
    # Half an hour past due is already late (one hour, rounded up), returned included; the late-submitted report is
    # in, so it is not among the late ones the table shows.
    assert all(item.late and item.hours_late == 1 for item in week.not_in)
    assert week.late == 3
    assert week.missing == 2  # the draft and the absent report; the returned one was submitted once


def test_before_the_due_time_nothing_is_late_but_returned_is_still_not_in(org_a: OrgWorld) -> None:
    due, codes = this_weeks_reports(org_a, timezone.now())
    with org_a.ctx():
        week = status_week(access=access_of(org_a), now=due - dt.timedelta(hours=1))
    assert (week.submitted, len(week.not_in), week.late, week.missing) == (2, 3, 0, 0)
    assert codes["returned"] in {item.project.code for item in week.not_in}


def tile(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"><div class="stat-value">(\d+)', html)
    assert match, testid
    return match.group(1)


def test_page_tiles_match_the_table(org_a: OrgWorld) -> None:
    this_weeks_reports(org_a, timezone.now())
    html = client_for(org_a.users["pmo"]).get(f"/o/{org_a.slug}/cockpit/").content.decode()
    assert re.search(r'data-testid="status-submitted"><div class="stat-value">2<span class="stat-of"> / 5</span>', html)
    assert tile(html, "status-not-in") == "3"
    rows = re.findall(r'data-testid="status-row" data-project="[^"]+">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    shown_late = sum(1 for row in rows if 'class="warn-text"' in row)
    assert int(tile(html, "status-late")) == shown_late
    assert int(tile(html, "status-missing")) <= shown_late


def test_the_reminder_line_says_to_whom_they_go(org_a: OrgWorld) -> None:
    # A week-long lead keeps some week in its reminder window whatever the moment the test runs.
    set_policy(org_a, status_lead_hours=168)
    with org_a.ctx():
        Project.objects.filter(organization=org_a.organization).update(
            created_at=timezone.now() - dt.timedelta(days=90), status=Project.Status.ACTIVE
        )
    html = client_for(org_a.users["pmo"]).get(f"/o/{org_a.slug}/cockpit/").content.decode()
    line = re.search(r'data-testid="reminders-due" data-managers="(\d+)" data-pmo="(\d+)">(.*?)</span>', html, re.S)
    assert line
    to_managers, to_pmo, text = int(line.group(1)), int(line.group(2)), " ".join(line.group(3).split())
    pending = int(re.search(r'data-pending="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert to_managers >= 1
    assert to_managers + to_pmo == pending
    assert text.startswith(f"{pending} reminder")
    # Every world project is run by the one manager (or nobody): the messages go to one person.
    assert f"{to_managers} to 1 project manager" in text
    assert ("overdue summar" in text) == bool(to_pmo)
