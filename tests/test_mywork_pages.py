"""My work (``/o/<org>/my/``): who may open it (every role but viewer; another organisation 404), which items each
section lists (a manager's projects only, never another organisation's; status, change requests, risks, actions,
team allocations; a member's allocations, timesheet, actions and issues), the button that starts this week's
pre-filled report, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from pmo.tenancy.permissions import object_permissions_grant
from projects import permissions as project_permissions
from projects.models import ChangeRequest, Project, StatusReport
from projects.policy import current_week_start, week_label
from reports.mywork import selectors
from resources.models import Timesheet
from risks.models import RiskAction
from tests.conftest import ROLES, OrgWorld
from tests.factories import ProjectFactory
from tests.factories_alerts import allocate, issue, milestone, person, report, risk, timesheet

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(world: OrgWorld) -> str:
    return reverse("my-work", kwargs={"org_slug": world.slug})


def this_week(world: OrgWorld) -> dt.date:
    return current_week_start(organization=world.organization)


def html_of(world: OrgWorld, role: str = "manager") -> str:
    response = client_for(world.users[role]).get(url(world))
    assert response.status_code == 200
    return response.content.decode()


def tagged(html: str, testid: str, attribute: str = "data-code") -> list[str]:
    """The ``attribute`` of every element with ``data-testid=testid``, in page order."""
    found = re.findall(rf'<[^>]*data-testid="{testid}"[^>]*>', html)
    return [m.group(1) for tag in found if (m := re.search(rf'{attribute}="([^"]*)"', tag))]


def work_of(world: OrgWorld, role: str) -> selectors.MyWork:
    from pmo.tenancy.access import resolve_organization

    with world.ctx():
        access = resolve_organization(user=world.users[role], org_slug=world.slug)
        return selectors.my_work(access=access, user=world.users[role])


def managed(world: OrgWorld, code: str, *, manager: str = "manager", **fields: Any) -> Project:
    """A project of ``world`` managed (and changeable) by the user of role ``manager``."""
    user = world.users[manager]
    project = cast(
        Project,
        ProjectFactory(organization=world.organization, code=code, name=f"Project {code}", manager=user, **fields),
    )
    with world.ctx():
        object_permissions_grant(
            organization=world.organization, obj=project, user=user, codenames=project_permissions.MANAGER_CODENAMES
        )
    return project


def action(world: OrgWorld, on_risk: Any, title: str, *, owner: Any, due: dt.date | None, done: bool = False) -> Any:
    from django.utils import timezone

    with world.ctx():
        return RiskAction.objects.create(
            organization=world.organization,
            risk=on_risk,
            title=title,
            owner=owner,
            due_date=due,
            done_at=timezone.now() if done else None,
        )


def change(world: OrgWorld, on: Project, number: int, *, status: str, raised_by: Any) -> ChangeRequest:
    with world.ctx():
        return ChangeRequest.objects.create(
            organization=world.organization,
            project=on,
            number=number,
            title=f"CR {number} of {on.code}",
            change_type="cost",
            description="d",
            justification="j",
            status=status,
            raised_by=raised_by,
            approvals_required=["pmo", "executive"] if status == "assessed" else [],
        )


# --- Who may open it ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_but_viewer_opens_my_work(org_a: OrgWorld, role: str) -> None:
    response = client_for(org_a.users[role]).get(url(org_a))
    assert response.status_code == (403 if role == "viewer" else 200)
    if role != "viewer":
        assert b'data-testid="mywork-tiles"' in response.content


def test_another_organisations_user_gets_404(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for role in ROLES:
        assert client_for(org_b.users[role]).get(url(org_a)).status_code == 404


def test_anonymous_user_is_sent_to_log_in(org_a: OrgWorld) -> None:
    response = Client().get(url(org_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["manager", "member"])
def test_the_organisation_home_is_my_work_for_managers_and_members(org_a: OrgWorld, role: str) -> None:
    response = client_for(org_a.users[role]).get(reverse("org-home", kwargs={"org_slug": org_a.slug}))
    assert response.status_code == 200
    assert b'data-testid="mywork-tiles"' in response.content


# --- The manager's part -----------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_open_projects(org_a: OrgWorld, org_b: OrgWorld) -> None:
    granted = ProjectFactory(organization=org_a.organization, code="ALPHA-GRANT", manager=org_a.users["pmo"])
    with org_a.ctx():
        object_permissions_grant(
            organization=org_a.organization,
            obj=granted,
            user=org_a.users["manager"],
            codenames=project_permissions.MANAGER_CODENAMES,
        )
    managed(org_a, "ALPHA-DONE", status=Project.Status.CLOSED)
    managed(org_b, "BETA-MINE")
    html = html_of(org_a)
    assert tagged(html, "my-project") == ["ALPHA-0", "ALPHA-GRANT"]
    assert "BETA" not in html
    # The other organisation's manager sees theirs only.
    assert tagged(html_of(org_b), "my-project") == ["BETA-0", "BETA-MINE"]


def test_a_pmo_user_sees_only_the_projects_they_manage_not_every_project_they_may_change(org_a: OrgWorld) -> None:
    assert work_of(org_a, "pmo").manager is None
    assert 'data-testid="my-projects"' not in html_of(org_a, "pmo")
    managed(org_a, "ALPHA-PMO", manager="pmo")
    html = html_of(org_a, "pmo")
    assert tagged(html, "my-project") == ["ALPHA-PMO"]


def test_a_manager_without_projects_is_told_so(org_a: OrgWorld) -> None:
    with org_a.ctx():
        Project.objects.filter(organization=org_a.organization).update(manager=None)
        from projects.models import ProjectUserObjectPermission

        ProjectUserObjectPermission.objects.filter(organization=org_a.organization).delete()
    html = html_of(org_a)
    assert "No projects of yours yet" in html
    assert tagged(html, "my-project") == []


def test_project_rows_show_latest_rag_trend_spi_next_milestone_and_open_risks(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    week = this_week(org_a)
    submitted = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report(org_a, project, week - dt.timedelta(weeks=2), submitted=submitted, rag_overall="green")
    report(
        org_a,
        project,
        week - dt.timedelta(weeks=1),
        submitted=submitted,
        rag_overall="amber",
        percent_complete=Decimal("42"),
        spi=Decimal("0.8712"),
        cpi=Decimal("1.0300"),
    )
    today = week + dt.timedelta(days=2)
    milestone(org_a, project, "Done long ago", forecast_date=today - dt.timedelta(days=40), actual_date=today)
    milestone(
        org_a,
        project,
        "Late one",
        baseline_date=today - dt.timedelta(days=20),
        forecast_date=today - dt.timedelta(days=10),
    )
    milestone(org_a, project, "Later one", forecast_date=today + dt.timedelta(days=30))
    risk(org_a, project, 1)
    risk(org_a, project, 2)
    risk(org_a, project, 3, status="closed")
    work = work_of(org_a, "manager")
    assert work.manager is not None
    (row,) = work.manager.projects
    assert (row.rag, row.trend) == ("amber", "worse")
    assert row.percent_complete == Decimal("42")
    assert row.spi == Decimal("0.8712")
    assert row.milestone_name == "Late one"
    assert row.milestone_late
    assert row.milestone_slip_days == 10
    assert row.open_risks == 2
    html = html_of(org_a)
    assert "0.87" in html and "42%" in html
    assert 'data-testid="milestone-late"' in html


def test_this_weeks_status_states_and_their_buttons(org_a: OrgWorld) -> None:
    week = this_week(org_a)
    draft, submitted, returned, planning = (
        managed(org_a, "S-DRAFT"),
        managed(org_a, "S-SUBMITTED"),
        managed(org_a, "S-RETURNED"),
        managed(org_a, "S-PLANNING", status=Project.Status.PLANNING),
    )
    report(org_a, draft, week)
    report(org_a, submitted, week, submitted=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    report(org_a, returned, week, state=StatusReport.State.RETURNED, review_comment="Fix the forecast")
    old = report(org_a, returned, week - dt.timedelta(weeks=3), state=StatusReport.State.RETURNED)
    html = html_of(org_a)
    assert tagged(html, "status-row", "data-state") == ["not_started", "draft", "returned", "submitted"]
    assert tagged(html, "status-row") == ["ALPHA-0", "S-DRAFT", "S-RETURNED", "S-SUBMITTED"]
    assert planning.code not in tagged(html, "status-row")  # a planning project does not report weekly
    assert tagged(html, "status-earlier") == [returned.code]
    assert week_label(old.week_start) in html
    assert "Fix the forecast" in html
    assert html.count('data-testid="start-report"') == 1
    assert html.count('data-testid="continue-report"') == 2


def test_the_start_button_starts_this_weeks_report_prefilled_from_the_week_before(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    week = this_week(org_a)
    report(
        org_a,
        project,
        week - dt.timedelta(weeks=1),
        submitted=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        percent_complete=Decimal("37"),
        rag_overall="amber",
        next_steps="Migrate the data",
    )
    client = client_for(org_a.users["manager"])
    html = client.get(url(org_a)).content.decode()
    action_url = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]*csrf', html)
    assert action_url is not None
    assert action_url.group(1) == reverse(
        "project-status-action",
        kwargs={"org_slug": org_a.slug, "pk": project.pk, "week": week_label(week), "verb": "start"},
    )
    response = client.post(action_url.group(1))
    assert response.status_code == 302
    with org_a.ctx():
        started = StatusReport.objects.get(organization=org_a.organization, project=project, week_start=week)
    assert started.state == StatusReport.State.DRAFT
    assert started.percent_complete == Decimal("37")
    assert started.rag_overall == "amber"
    assert started.accomplishments == "Migrate the data"
    assert tagged(client.get(url(org_a)).content.decode(), "status-row", "data-state") == ["draft"]


def test_my_change_requests_are_the_open_ones_i_raised_or_on_my_projects(org_a: OrgWorld) -> None:
    mine, other = org_a.projects[0], org_a.projects[2]
    manager, pmo = org_a.users["manager"], org_a.users["pmo"]
    change(org_a, mine, 1, status="draft", raised_by=manager)
    change(org_a, mine, 2, status="submitted", raised_by=pmo)
    change(org_a, mine, 3, status="assessed", raised_by=pmo)
    change(org_a, mine, 4, status="withdrawn", raised_by=manager)
    change(org_a, other, 1, status="submitted", raised_by=pmo)
    work = work_of(org_a, "manager")
    assert work.manager is not None
    rows = {(c.change_request.project.code, c.change_request.number): c.next_actor for c in work.manager.changes}
    assert rows == {("ALPHA-0", 1): "raiser", ("ALPHA-0", 2): "pmo", ("ALPHA-0", 3): "pmo"}
    html = html_of(org_a)
    assert html.count('data-testid="my-change"') == 3
    assert "You (submit or withdraw)" in html


def test_my_risks_top_by_score_and_actions_due_overdue_first(org_a: OrgWorld) -> None:
    mine, other = org_a.projects[0], org_a.projects[2]
    manager, member = org_a.users["manager"], org_a.users["member"]
    low = risk(org_a, mine, 1, probability=1, impact=2)
    high = risk(org_a, mine, 2, probability=5, impact=5, escalation_level="pmo")
    readable = org_a.projects[1]
    with org_a.ctx():
        object_permissions_grant(
            organization=org_a.organization,
            obj=readable,
            user=manager,
            codenames=[project_permissions.VIEW_CODENAME],
        )
    owned_elsewhere = risk(org_a, readable, 3, probability=3, impact=3, owner=manager)
    risk(org_a, other, 4, probability=5, impact=5, owner=manager)  # mine, but on a project I may not read
    risk(org_a, readable, 6, probability=5, impact=5)  # neither mine nor on my project
    risk(org_a, mine, 5, status="closed")
    today = work_of(org_a, "manager").today
    soon = action(org_a, high, "Soon", owner=member, due=today + dt.timedelta(days=5))
    overdue = action(org_a, low, "Overdue", owner=member, due=today - dt.timedelta(days=3))
    action(org_a, low, "Far away", owner=member, due=today + dt.timedelta(days=30))
    action(org_a, low, "Done", owner=member, due=today, done=True)
    own = action(org_a, high, "Mine", owner=manager, due=today - dt.timedelta(days=1))
    work = work_of(org_a, "manager")
    assert work.manager is not None
    assert [r.pk for r in work.manager.risks.top] == [high.pk, owned_elsewhere.pk, low.pk]
    assert work.manager.risks.total == 3
    assert [a.pk for a in work.manager.actions_due.rows] == [overdue.pk, soon.pk]
    # The manager's own actions are in "My actions", overdue counted.
    assert [a.pk for a in work.actions.rows] == [own.pk]
    assert work.overdue_actions == 1
    html = html_of(org_a)
    assert html.count('data-testid="my-risk"') == 3
    assert html.count('data-testid="action-due"') == 2


def test_team_allocations_flag_weeks_over_capacity_across_all_projects(org_a: OrgWorld) -> None:
    week = this_week(org_a)
    busy = person(org_a, "Busy Bee", capacity=40)
    calm = person(org_a, "Calm Cat", capacity=40)
    stranger = person(org_a, "Not On Mine", capacity=40)
    allocate(org_a, busy, org_a.projects[0], week, week + dt.timedelta(weeks=5), 24)
    allocate(org_a, busy, org_a.projects[2], week + dt.timedelta(weeks=1), week + dt.timedelta(weeks=1), 24)
    allocate(org_a, calm, org_a.projects[0], week + dt.timedelta(weeks=2), week + dt.timedelta(weeks=3), 16)
    allocate(org_a, stranger, org_a.projects[2], week, week, 60)
    work = work_of(org_a, "manager")
    assert work.manager is not None
    team = {row.person.full_name: row for row in work.manager.team}
    assert set(team) == {"Busy Bee", "Calm Cat"}
    busy_cells = team["Busy Bee"].cells
    assert [cell.hours for cell in busy_cells] == [Decimal(24)] * 6 + [Decimal(0)] * 2
    assert busy_cells[1].total == Decimal(48)
    # Holidays of the calendar may shorten a week; the flag follows capacity either way.
    assert [cell.over for cell in busy_cells] == [cell.total > cell.capacity for cell in busy_cells]
    assert busy_cells[1].over
    assert [cell.hours for cell in team["Calm Cat"].cells] == [0, 0, 16, 16, 0, 0, 0, 0]
    assert team["Calm Cat"].over_weeks == 0
    assert work.manager.team[0].person.full_name == "Busy Bee"  # over-allocated people first
    html = html_of(org_a)
    assert tagged(html, "team-row", "data-person") == ["Busy Bee", "Calm Cat"]
    assert 'data-over="1"' in html


def week_heads(html: str, testid: str) -> list[str]:
    """The short week labels of the head of the weekly grid ``testid``."""
    table = re.search(rf'data-testid="{testid}".*?</thead>', html, re.S)
    assert table is not None
    return re.findall(r"<abbr[^>]*>([^<]*)</abbr>", table.group(0))


def grid_body(html: str, testid: str) -> str:
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table is not None
    return table.group(0)


def test_both_weekly_grids_cover_the_same_eight_weeks_labelled_like_the_dashboard(org_a: OrgWorld) -> None:
    from reports.dashboard.presentation import week_label as dashboard_week_label

    week = this_week(org_a)
    me = person(org_a, "Manager Me", capacity=40, user=org_a.users["manager"])
    other = person(org_a, "Other One", capacity=40)
    allocate(org_a, me, org_a.projects[0], week, week, 10)
    allocate(org_a, other, org_a.projects[0], week + dt.timedelta(weeks=2), week + dt.timedelta(weeks=2), 8)
    html = html_of(org_a)
    weeks = [week + dt.timedelta(weeks=i) for i in range(8)]
    expected = [dashboard_week_label(day) for day in weeks]
    assert selectors.Week(dt.date(2026, 1, 5)).short == "W02"  # zero-padded, as on the dashboard's charts
    assert week_heads(html, "team-allocations") == expected
    assert week_heads(html, "my-allocations") == expected
    # One placeholder for an empty week in both grids.
    for testid in ("team-allocations", "my-allocations"):
        body = grid_body(html, testid)
        assert "·" not in body
        assert 'class="muted no-hours">—</span>' in body


def test_this_weeks_status_comes_first_and_its_buttons_do_not_wrap(org_a: OrgWorld) -> None:
    html = html_of(org_a)
    tiles, status, projects = (
        html.index(marker) for marker in ('data-testid="mywork-tiles"', 'id="status"', 'id="projects"')
    )
    assert tiles < status < projects
    button = re.search(r'<button[^>]*data-testid="start-report"', html)
    assert button is not None and "nowrap" in button.group(0)
    # The change requests and the (longer) risks are not paired in a grid row that leaves a blank beside the short one.
    between = html[html.index('id="changes"') - 200 : html.index('id="risks"')]
    assert "grid two" not in between


def more_actions_line(html: str, testid: str) -> str:
    found = re.search(rf'<p[^>]*data-testid="{testid}"[^>]*>(.*?)</p>', html)
    assert found is not None
    return found.group(1)


def test_the_more_line_counts_exactly_the_unlisted_actions_overdue_and_due_later(org_a: OrgWorld) -> None:
    manager, member = org_a.users["manager"], org_a.users["member"]
    today = work_of(org_a, "manager").today
    item = risk(org_a, org_a.projects[0], 1)
    for i in range(12):
        action(org_a, item, f"Late {i}", owner=manager, due=today - dt.timedelta(days=20 - i))
    action(org_a, item, "Later", owner=manager, due=today + dt.timedelta(days=3))
    action(org_a, item, "Undated", owner=manager, due=None)
    for i in range(11):
        action(org_a, item, f"Theirs late {i}", owner=member, due=today - dt.timedelta(days=15 - i))
    work = work_of(org_a, "manager")
    assert work.overdue_actions == 12
    assert len(work.actions.rows) == selectors.SHOWN_ACTIONS == 10
    assert (work.actions.more, work.actions.more_overdue, work.actions.more_later) == (4, 2, 2)
    assert work.manager is not None
    assert (work.manager.actions_due.more, work.manager.actions_due.more_overdue) == (1, 1)
    html = html_of(org_a)
    assert more_actions_line(html, "more-actions") == "And 4 more actions: 2 overdue, 2 due later."
    assert more_actions_line(html, "more-actions-due") == "And 1 more overdue action."


def test_the_more_line_says_due_later_when_no_unlisted_action_is_overdue(org_a: OrgWorld) -> None:
    manager = org_a.users["manager"]
    today = work_of(org_a, "manager").today
    item = risk(org_a, org_a.projects[0], 1)
    for i in range(12):
        action(org_a, item, f"Soon {i}", owner=manager, due=today + dt.timedelta(days=i))
    work = work_of(org_a, "manager")
    assert (work.overdue_actions, work.actions.more, work.actions.more_overdue) == (0, 2, 0)
    assert more_actions_line(html_of(org_a), "more-actions") == "And 2 more actions, due later."


def test_every_page_declares_an_icon_that_is_served(org_a: OrgWorld) -> None:
    from django.contrib.staticfiles import finders

    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', html_of(org_a))
    assert icon is not None
    assert finders.find(icon.group(1)) is not None


# --- The member's part ------------------------------------------------------------------------------------------


def test_member_sees_allocations_timesheet_actions_and_issues(org_a: OrgWorld) -> None:
    week = this_week(org_a)
    member = org_a.users["member"]
    me = person(org_a, "Member Me", capacity=40, user=member)
    allocate(org_a, me, org_a.projects[0], week, week + dt.timedelta(weeks=2), 30)
    allocate(org_a, me, org_a.projects[1], week + dt.timedelta(weeks=1), week + dt.timedelta(weeks=9), 20)
    timesheet(org_a, me, week - dt.timedelta(weeks=2), Timesheet.State.SUBMITTED)
    timesheet(org_a, me, week - dt.timedelta(weeks=3), Timesheet.State.RETURNED)
    timesheet(org_a, me, week - dt.timedelta(weeks=4), Timesheet.State.DRAFT)
    timesheet(org_a, me, week - dt.timedelta(weeks=5), Timesheet.State.RETURNED)
    project_risk = risk(org_a, org_a.projects[0], 1)
    hidden_risk = risk(org_a, org_a.projects[2], 2)  # a project the member may not read
    mine = action(org_a, project_risk, "Mine", owner=member, due=None)
    action(org_a, hidden_risk, "Hidden", owner=member, due=None)
    my_issue = issue(org_a, org_a.projects[0], 1, owner=member)
    issue(org_a, org_a.projects[0], 2, owner=member, status="resolved")
    work = work_of(org_a, "member")
    assert work.manager is None
    assert work.member is not None and work.member.allocations is not None and work.member.timesheets is not None
    allocations = work.member.allocations
    assert [row.project.code for row in allocations.rows] == ["ALPHA-0", "ALPHA-1"]
    assert [cell.total for cell in allocations.totals][:4] == [30, 50, 50, 20]
    assert allocations.totals[1].over == (allocations.totals[1].capacity < 50)
    sheets = work.member.timesheets
    assert sheets.this_week.state == selectors.NOT_STARTED
    assert sheets.this_week.expected == allocations.totals[0].capacity
    assert [(row.week_start, row.state) for row in sheets.earlier] == [
        (week - dt.timedelta(weeks=5), "returned"),
        (week - dt.timedelta(weeks=3), "returned"),
        (week - dt.timedelta(weeks=4), "draft"),
    ]
    assert [a.pk for a in work.actions.rows] == [mine.pk]
    assert [i.pk for i in work.issues.rows] == [my_issue.pk]
    html = html_of(org_a, "member")
    assert tagged(html, "allocation-row") == ["ALPHA-0", "ALPHA-1"]
    assert tagged(html, "timesheet-earlier", "data-state") == ["returned", "returned", "draft"]
    assert f'?week={week_label(week)}"' in html
    assert 'data-testid="my-projects"' not in html


def test_this_weeks_timesheet_shows_hours_entered(org_a: OrgWorld) -> None:
    from resources.models import TimesheetEntry

    week = this_week(org_a)
    me = person(org_a, "Member Me", capacity=40, user=org_a.users["member"])
    sheet = timesheet(org_a, me, week, Timesheet.State.DRAFT)
    with org_a.ctx():
        for project, hours in ((org_a.projects[0], 12), (org_a.projects[1], 6)):
            TimesheetEntry.objects.create(
                organization=org_a.organization, timesheet=sheet, project=project, hours=Decimal(hours)
            )
    work = work_of(org_a, "member")
    assert work.member is not None and work.member.timesheets is not None
    assert work.member.timesheets.this_week.state == "draft"
    assert work.member.timesheets.this_week.hours == Decimal(18)
    assert tagged(html_of(org_a, "member"), "timesheet-now", "data-state") == ["draft"]


def test_a_member_without_a_person_is_told_to_ask_the_pmo(org_a: OrgWorld) -> None:
    html = html_of(org_a, "member")
    assert 'data-testid="no-person"' in html


def test_an_executive_without_items_sees_the_empty_state(org_a: OrgWorld) -> None:
    html = html_of(org_a, "executive")
    assert 'data-testid="mywork-empty"' in html


def test_the_page_renders_in_chinese(org_a: OrgWorld) -> None:
    client = client_for(org_a.users["manager"])
    client.cookies["django_language"] = "zh-hans"
    response = client.get(url(org_a))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


# --- Speed ------------------------------------------------------------------------------------------------------


def grow(world: OrgWorld, size: int) -> None:
    """``size`` projects of the manager, each with a report, a milestone, a risk with an action, a change request
    and a person allocated (also on another project); the member allocated to each, with timesheets."""
    week = this_week(world)
    member = person(world, "The Member", user=world.users["member"]) if size else None
    manager_person = person(world, "The Manager", user=world.users["manager"])
    for i in range(size):
        project = managed(world, f"G-{i:03d}")
        report(world, project, week - dt.timedelta(weeks=1), submitted=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        report(world, project, week)
        milestone(world, project, f"M{i}", forecast_date=week + dt.timedelta(days=i))
        item = risk(world, project, 100 + i, owner=world.users["member"])
        action(world, item, f"A{i}", owner=world.users["manager"], due=week)
        action(world, item, f"B{i}", owner=world.users["member"], due=week)
        issue(world, project, 100 + i, owner=world.users["member"])
        change(world, project, 1, status="assessed", raised_by=world.users["pmo"])
        someone = person(world, f"Person {i}")
        allocate(world, someone, project, week, week + dt.timedelta(weeks=3), 20)
        allocate(world, someone, world.projects[2], week, week + dt.timedelta(weeks=3), 30)
        allocate(world, manager_person, project, week, week, 1)
        if member is not None:
            allocate(world, member, project, week, week + dt.timedelta(weeks=8), 2)
            object_permissions_grant(
                organization=world.organization,
                obj=project,
                user=world.users["member"],
                codenames=[project_permissions.VIEW_CODENAME],
            )
            timesheet(world, member, week - dt.timedelta(weeks=i + 1), Timesheet.State.RETURNED)


# The same bound at both sizes: the manager's page runs 39 queries at 3 and at 30 projects (session, tenancy, the
# navigation's badges, then the page's own fixed reads), the member's 28.
QUERY_BOUND = 39


@pytest.mark.parametrize("role", ["manager", "member"])
@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_the_data(
    org_a: OrgWorld, django_assert_max_num_queries: Any, role: str, size: int
) -> None:
    with org_a.ctx():
        grow(org_a, size)
    client = client_for(org_a.users[role])
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(url(org_a))
    assert response.status_code == 200
    html = response.content.decode()
    if role == "manager":
        assert html.count('data-testid="my-project"') == size + 1
    else:
        assert html.count('data-testid="allocation-row"') == size
