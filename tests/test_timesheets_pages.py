"""Timesheet pages: my week (pre-filled from allocations, save, submit, errors, a member without a linked person),
the approval queue (approve, return with a comment, sheets the manager may not decide), one sheet's page; another
organisation's users get 404 and change nothing; query counts do not grow; Chinese pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from projects.policy import week_label
from resources.models import Person, Timesheet
from tests.conftest import ROLES, OrgWorld
from tests.test_timesheets_factories import allocate, last_week, person, sheet, this_week, timesheet_state


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(world: OrgWorld, path: str) -> str:
    return f"/o/{world.slug}/{path}"


@pytest.fixture
def member(org_a: OrgWorld) -> Person:
    return person(org_a, "member", cost_rate=50)


def test_a_member_without_a_linked_person_is_told_why(org_a: OrgWorld) -> None:
    response = client_for(org_a.users["member"]).get(url(org_a, "timesheets/"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-person"' in html and "No person is linked to your account" in html
    assert 'data-testid="sheet-form"' not in html
    refused = client_for(org_a.users["member"]).post(url(org_a, "timesheets/"), {"action": "save"})
    assert refused.status_code == 403


def test_my_week_is_prefilled_saved_and_submitted(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    allocate(org_a, member, org_a.projects[2], week, hours=24)
    client = client_for(org_a.users["member"])
    page = f"timesheets/?week={week_label(week)}"

    html = client.get(url(org_a, page)).content.decode()
    assert 'data-testid="row-ALPHA-2"' in html and ">24<" in html  # allocated, with the hint
    assert 'data-testid="row-ALPHA-0"' in html  # readable: offered as an extra row
    assert 'data-testid="row-ALPHA-1"' not in html

    p0, p2 = org_a.projects[0].pk, org_a.projects[2].pk
    saved = client.post(
        url(org_a, "timesheets/"), {"week": week_label(week), "action": "save", f"hours-{p2}": "20", f"hours-{p0}": ""}
    )
    assert saved.status_code == 302 and week_label(week) in saved["Location"]
    with org_a.ctx():
        timesheet = Timesheet.objects.get(person=member, week_start=week)
        assert list(timesheet.entries.values_list("project_id", "hours")) == [(p2, 20)]
    assert timesheet.state == "draft"

    submitted = client.post(
        url(org_a, "timesheets/"),
        {"week": week_label(week), "action": "submit", "version": timesheet.version, f"hours-{p2}": "22",
         f"note-{p2}": "Integration", f"hours-{p0}": "4"},
    )  # fmt: skip
    assert submitted.status_code == 302
    with org_a.ctx():
        timesheet.refresh_from_db()
        assert sorted(timesheet.entries.values_list("project_id", "hours", "note")) == sorted(
            [(p2, 22, "Integration"), (p0, 4, "")]
        )
    assert timesheet.state == "submitted"
    html = client.get(url(org_a, page)).content.decode()
    assert 'data-testid="read-only-note"' in html and 'data-testid="save"' not in html


def test_bad_hours_come_back_with_the_reason_and_a_stale_save_is_409(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    timesheet = sheet(org_a, member, week, {org_a.projects[0]: 8})
    before = timesheet_state(org_a)
    client = client_for(org_a.users["member"])
    p0 = org_a.projects[0].pk

    bad = client.post(
        url(org_a, "timesheets/"),
        {"week": week_label(week), "action": "save", "version": timesheet.version, f"hours-{p0}": "200"},
    )
    stale = client.post(
        url(org_a, "timesheets/"), {"week": week_label(week), "action": "save", "version": 1, f"hours-{p0}": "9"}
    )

    assert bad.status_code == 400 and "from 0 to 168" in bad.content.decode()
    assert 'value="200"' in bad.content.decode()  # the input is kept
    assert stale.status_code == 409 and "Someone else changed this timesheet" in stale.content.decode()
    assert timesheet_state(org_a) == before


def test_the_pmo_enters_anyones_sheet(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    client = client_for(org_a.users["pmo"])
    html = client.get(url(org_a, f"timesheets/?week={week_label(week)}&person={member.pk}")).content.decode()
    assert f"Timesheet of {member.full_name}" in html

    response = client.post(
        url(org_a, "timesheets/"),
        {"week": week_label(week), "person": member.pk, "action": "save", f"hours-{org_a.projects[0].pk}": "6"},
    )
    assert response.status_code == 302 and f"person={member.pk}" in response["Location"]
    with org_a.ctx():
        assert Timesheet.objects.get(person=member).entries.get().hours == 6
    # Anyone else naming a person gets their own (here: none) sheet, never the member's.
    html = client_for(org_a.users["manager"]).get(url(org_a, f"timesheets/?person={member.pk}")).content.decode()
    assert 'data-testid="no-person"' in html


def test_the_queue_approves_and_returns(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    first = sheet(org_a, member, week, {org_a.projects[0]: 30}, stage="submitted")
    second = sheet(org_a, member, week - dt.timedelta(weeks=1), {org_a.projects[0]: 10}, stage="submitted")
    client = client_for(org_a.users["manager"])

    html = client.get(url(org_a, "timesheets/approvals/")).content.decode()
    assert f'data-testid="approve-{first.pk}"' in html and f'data-testid="approve-{second.pk}"' in html

    approved = client.post(url(org_a, f"timesheets/{first.pk}/approve/"), {"next": "approvals"})
    no_comment = client.post(url(org_a, f"timesheets/{second.pk}/return/"), {"comment": " "})
    returned = client.post(url(org_a, f"timesheets/{second.pk}/return/"), {"comment": "Which tasks?"})

    assert approved.status_code == 302 and approved["Location"].endswith("/timesheets/approvals/")
    assert no_comment.status_code == 400 and "Say what should be corrected" in no_comment.content.decode()
    assert returned.status_code == 302
    with org_a.ctx():
        states = dict(Timesheet.objects.values_list("pk", "state"))
    assert states == {first.pk: "approved", second.pk: "returned"}
    member_view = client_for(org_a.users["member"]).get(
        url(org_a, f"timesheets/?week={week_label(week - dt.timedelta(weeks=1))}")
    )
    assert "Which tasks?" in member_view.content.decode() and 'data-testid="submit"' in member_view.content.decode()


def test_a_manager_sees_but_cannot_decide_a_sheet_with_hours_on_another_project(
    org_a: OrgWorld, member: Person
) -> None:
    week = last_week(org_a)
    allocate(org_a, member, org_a.projects[2], week)
    timesheet = sheet(org_a, member, week, {org_a.projects[0]: 20, org_a.projects[2]: 20}, stage="submitted")
    own = sheet(org_a, person(org_a, "manager"), week, {org_a.projects[0]: 40}, stage="submitted", actor="manager")
    before = timesheet_state(org_a)
    client = client_for(org_a.users["manager"])

    html = client.get(url(org_a, "timesheets/approvals/")).content.decode()
    refused = client.post(url(org_a, f"timesheets/{timesheet.pk}/approve/"))

    assert f'data-testid="blocked-{timesheet.pk}"' in html and "ALPHA-2" in html
    assert f'data-testid="queue-row-{own.pk}"' not in html  # never one's own
    assert refused.status_code == 403 and "ALPHA-2" in refused.content.decode()
    assert timesheet_state(org_a) == before


def test_the_sheet_page_shows_cost_to_approvers_only(org_a: OrgWorld, member: Person) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8}, stage="approved")
    pmo = client_for(org_a.users["pmo"]).get(url(org_a, f"timesheets/{timesheet.pk}/")).content.decode()
    mine = client_for(org_a.users["member"]).get(url(org_a, f"timesheets/{timesheet.pk}/")).content.decode()
    assert "400.00" in pmo and "Approved by" in pmo
    assert "400.00" not in mine and "Approved by" in mine
    assert client_for(org_a.users["executive"]).get(url(org_a, f"timesheets/{timesheet.pk}/")).status_code == 404
    assert client_for(org_a.users["viewer"]).get(url(org_a, "timesheets/")).status_code == 403
    assert client_for(org_a.users["member"]).get(url(org_a, "timesheets/approvals/")).status_code == 403


def test_pages_in_chinese(org_a: OrgWorld, member: Person) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8}, stage="submitted")
    client = client_for(org_a.users["pmo"])
    client.cookies["django_language"] = "zh-hans"
    paths = ("timesheets/", f"timesheets/?person={member.pk}", "timesheets/approvals/", f"timesheets/{timesheet.pk}/")
    for path in paths:
        response = client.get(url(org_a, path))
        assert response.status_code == 200 and '<html lang="zh-hans">' in response.content.decode(), path


@pytest.mark.parametrize("role", ROLES)
def test_another_organisations_users_get_404_and_change_nothing(
    org_a: OrgWorld, org_b: OrgWorld, member: Person, role: str
) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8}, stage="submitted")
    person(org_b, role)
    before = timesheet_state(org_a)
    client = client_for(org_b.users[role])

    gets = [client.get(url(org_a, p)) for p in ("timesheets/", "timesheets/approvals/", f"timesheets/{timesheet.pk}/")]
    posts = [
        client.post(url(org_a, "timesheets/"), {"week": week_label(this_week(org_a)), "action": "save"}),
        *(client.post(url(org_a, f"timesheets/{timesheet.pk}/{verb}/"), {"comment": "x"}) for verb in
          ("submit", "approve", "return")),
    ]  # fmt: skip
    own = client.get(url(org_b, f"timesheets/{timesheet.pk}/"))

    assert [r.status_code for r in [*gets, *posts]] == [404] * (len(gets) + len(posts))
    assert own.status_code in (403, 404) and own.status_code == (403 if role == "viewer" else 404)
    assert timesheet_state(org_a) == before


def grow(world: OrgWorld, n: int) -> Person:
    week = last_week(world)
    for i in range(n):
        who = person(world, None, name=f"Person {i}")
        for project in world.projects:
            allocate(world, who, project, week)
        sheet(world, who, week, {world.projects[0]: 10, world.projects[2]: 5}, stage="submitted")
        sheet(world, who, week - dt.timedelta(weeks=1), {world.projects[0]: 8}, stage="submitted")
    member = person(world, "member")
    for project in world.projects[: min(n, 3)]:
        allocate(world, member, project, week)
    return member


PAGES = {"queue": "timesheets/approvals/", "my week": "timesheets/?week={week}"}


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_query_counts_do_not_grow(
    org_a: OrgWorld, django_assert_max_num_queries: Any, name: str, size: int
) -> None:
    grow(org_a, size)
    path = PAGES[name].format(week=week_label(last_week(org_a)))
    for role in ("pmo", "manager", "member"):
        if name == "queue" and role == "member":
            continue
        client = client_for(org_a.users[role])
        with django_assert_max_num_queries(17):
            response = client.get(url(org_a, path))
        assert response.status_code == 200, (name, role)
        if name == "queue":
            assert response.content.decode().count('data-testid="queue-row-') == 2 * size, role
