"""Timesheet services: the workflow draft → submitted → returned → resubmitted → approved with the cost rate frozen,
one sheet per person and week (409), stale versions (409, nothing lost), bad input (400, nothing changed), who may
enter, segregation of duties, the approver's scope, labour-cost maths in SQL, and the earned-value AC rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.earnedvalue.selectors import project_evm_now
from projects.models import Project, StatusReport
from projects.status import services as status_services
from resources.models import Person, Timesheet
from resources.timesheets import selectors, services
from resources.timesheets.services import TimesheetExists, TimesheetStale, TimesheetStateConflict
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project
from tests.test_timesheets_factories import allocate, last_week, person, sheet, this_week, timesheet_state


@pytest.fixture
def member(org_a: OrgWorld) -> Person:
    return person(org_a, "member", cost_rate=50)


def call(world: OrgWorld, fn: Any, actor: str = "member", **kwargs: Any) -> Any:
    with world.ctx():
        return fn(organization=world.organization, actor=world.users[actor], **kwargs)


def fresh(world: OrgWorld, timesheet: Timesheet) -> Timesheet:
    with world.ctx():
        return Timesheet.objects.get(pk=timesheet.pk)


def test_the_whole_workflow_freezes_the_cost_rate_at_approval(org_a: OrgWorld, member: Person) -> None:
    week, project = last_week(org_a), org_a.projects[0]
    created = call(org_a, services.timesheet_create, person=member, week_start=week + dt.timedelta(days=3))
    assert created.week_start == week and created.state == "draft" and created.version == 1

    saved = call(
        org_a,
        services.timesheet_save,
        timesheet=created,
        entries=[{"project": project.pk, "hours": "32.5", "note": "Design"}],
        version=1,
    )
    assert saved.version == 2
    submitted = call(org_a, services.timesheet_submit, timesheet=saved, version=2)
    assert submitted.state == "submitted" and submitted.submitted_at is not None

    returned = call(org_a, services.timesheet_return, "manager", timesheet=submitted, comment="Add the Friday.")
    assert returned.state == "returned" and returned.comment == "Add the Friday." and returned.cost_rate is None
    resaved = call(
        org_a, services.timesheet_save, timesheet=returned, entries=[{"project": project.pk, "hours": 40}], version=4
    )
    resubmitted = call(org_a, services.timesheet_submit, timesheet=resaved)

    with org_a.ctx():
        Person.objects.filter(pk=member.pk).update(cost_rate=Decimal(50))
    approved = call(org_a, services.timesheet_approve, "manager", timesheet=resubmitted, comment="Thanks")
    assert approved.state == "approved" and approved.cost_rate == Decimal("50.00")
    assert approved.decided_by == org_a.users["manager"] and approved.decided_at is not None

    with org_a.ctx():  # a later rate change does not rewrite actual cost
        Person.objects.filter(pk=member.pk).update(cost_rate=Decimal(80))
        cost = selectors.project_labour_cost(organization=org_a.organization, project=project, until=week)
    assert cost == selectors.LabourCost(hours=Decimal("40.00"), cost=Decimal("2000.00"))


def test_a_second_sheet_of_the_same_week_is_409_and_changes_nothing(org_a: OrgWorld, member: Person) -> None:
    sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8})
    before = timesheet_state(org_a)

    with pytest.raises(TimesheetExists):
        call(org_a, services.timesheet_create, person=member, week_start=last_week(org_a))
    assert timesheet_state(org_a) == before


def test_a_stale_save_is_409_and_loses_nothing(org_a: OrgWorld, member: Person) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8})  # version 2
    before = timesheet_state(org_a)

    with pytest.raises(TimesheetStale):
        call(
            org_a,
            services.timesheet_save,
            timesheet=timesheet,
            entries=[{"project": org_a.projects[0].pk, "hours": 1}],
            version=1,
        )
    assert timesheet_state(org_a) == before


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"project": "P", "hours": 8}], "choose a project"),
        ([{"hours": 8}], "choose a project"),
        ([{"project": 0, "hours": -1}], "from 0 to 168"),
        ([{"project": 0, "hours": 169}], "from 0 to 168"),
        ([{"project": 0, "hours": "abc"}], "from 0 to 168"),
        ([{"project": 0, "hours": "1.555"}], "from 0 to 168"),
        ([{"project": 0, "hours": 8}, {"project": 0, "hours": 2}], "appears once"),
        ([{"project": 0, "hours": 100}, {"project": 2, "hours": 100}], "A week has 168 hours"),
        ([{"project": 1, "hours": 8}], "cannot book hours on this project"),
        ([{"project": "beta", "hours": 8}], "cannot book hours on this project"),
        ("not a list", "must be a list"),
    ],
)
def test_bad_entries_are_refused_with_the_reason_and_nothing_changes(
    org_a: OrgWorld, org_b: OrgWorld, member: Person, entries: Any, message: str
) -> None:
    allocate(org_a, member, org_a.projects[2], last_week(org_a))  # allocated, though the member cannot read it
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8})
    ids = {0: org_a.projects[0].pk, 1: org_a.projects[1].pk, 2: org_a.projects[2].pk, "beta": org_b.projects[0].pk}
    if isinstance(entries, list):
        entries = [{**e, "project": ids.get(e["project"], e["project"])} if "project" in e else e for e in entries]
    before = timesheet_state(org_a)

    with pytest.raises(ValidationError) as refused:
        call(org_a, services.timesheet_save, timesheet=timesheet, entries=entries, version=timesheet.version)

    assert message in " ".join(refused.value.message_dict["entries"])
    assert timesheet_state(org_a) == before


def test_bookable_projects_are_the_allocated_and_the_readable_ones(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    allocate(org_a, member, org_a.projects[2], week)
    with org_a.ctx():
        bookable = selectors.bookable_projects(organization=org_a.organization, person=member, week_start=week)
    assert bookable == {org_a.projects[0].pk, org_a.projects[2].pk}  # readable; allocated; never projects[1]

    timesheet = sheet(org_a, member, week, {org_a.projects[0]: 30, org_a.projects[2]: 10, org_a.projects[1]: 0})
    with org_a.ctx():
        entries = sorted(timesheet.entries.values_list("project_id", "hours"))
    assert entries == sorted([(org_a.projects[0].pk, Decimal("30.00")), (org_a.projects[2].pk, Decimal("10.00"))])


def test_a_closed_project_cannot_be_booked(org_a: OrgWorld, member: Person) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8})
    with org_a.ctx():
        Project.objects.filter(pk=org_a.projects[0].pk).update(status=Project.Status.CLOSED)
    before = timesheet_state(org_a)

    with pytest.raises(ValidationError) as refused:
        call(
            org_a,
            services.timesheet_save,
            timesheet=timesheet,
            entries=[{"project": org_a.projects[0].pk, "hours": 9}],
            version=timesheet.version,
        )
    assert "closed or cancelled" in str(refused.value)
    assert timesheet_state(org_a) == before


def test_future_weeks_empty_submissions_and_missing_versions_are_400(org_a: OrgWorld, member: Person) -> None:
    with pytest.raises(ValidationError, match="future week"):
        call(org_a, services.timesheet_create, person=member, week_start=this_week(org_a) + dt.timedelta(weeks=1))
    empty = call(org_a, services.timesheet_create, person=member, week_start=last_week(org_a))
    with pytest.raises(ValidationError, match="at least one project"):
        call(org_a, services.timesheet_submit, timesheet=empty)
    with pytest.raises(ValidationError, match="version"):
        call(org_a, services.timesheet_save, timesheet=empty, entries=[], version=None)
    with pytest.raises(ValidationError, match="corrected"):
        submitted = sheet(org_a, member, this_week(org_a), {org_a.projects[0]: 1}, stage="submitted")
        call(org_a, services.timesheet_return, "pmo", timesheet=submitted, comment="  ")
    assert fresh(org_a, empty).state == "draft" and fresh(org_a, submitted).state == "submitted"


def test_only_the_person_or_the_pmo_enters_a_sheet(org_a: OrgWorld, member: Person) -> None:
    week = last_week(org_a)
    for role in ("manager", "executive", "viewer"):
        with pytest.raises(PermissionDenied):
            call(org_a, services.timesheet_create, role, person=member, week_start=week)
    timesheet = call(org_a, services.timesheet_create, "pmo", person=member, week_start=week)  # the PMO may
    for role in ("manager", "executive"):
        with pytest.raises(PermissionDenied):
            call(
                org_a,
                services.timesheet_save,
                role,
                timesheet=timesheet,
                entries=[{"project": org_a.projects[0].pk, "hours": 1}],
                version=timesheet.version,
            )
    assert fresh(org_a, timesheet).version == 1


def test_nobody_approves_their_own_sheet(org_a: OrgWorld) -> None:
    manager = person(org_a, "manager")
    timesheet = sheet(org_a, manager, last_week(org_a), {org_a.projects[0]: 8}, stage="submitted", actor="manager")
    before = timesheet_state(org_a)

    with pytest.raises(PermissionDenied, match="your own timesheet"):
        call(org_a, services.timesheet_approve, "manager", timesheet=timesheet)
    assert timesheet_state(org_a) == before
    assert call(org_a, services.timesheet_approve, "pmo", timesheet=timesheet).state == "approved"


def test_a_manager_cannot_decide_a_sheet_with_hours_on_a_project_they_cannot_change(
    org_a: OrgWorld, member: Person
) -> None:
    week = last_week(org_a)
    allocate(org_a, member, org_a.projects[2], week)
    timesheet = sheet(org_a, member, week, {org_a.projects[0]: 20, org_a.projects[2]: 20}, stage="submitted")
    before = timesheet_state(org_a)

    for decide, extra in ((services.timesheet_approve, {}), (services.timesheet_return, {"comment": "No."})):
        with pytest.raises(PermissionDenied, match=org_a.projects[2].code):
            call(org_a, decide, "manager", timesheet=timesheet, **extra)
    with pytest.raises(PermissionDenied, match="permission to approve"):
        call(org_a, services.timesheet_approve, "executive", timesheet=timesheet)
    assert timesheet_state(org_a) == before
    assert call(org_a, services.timesheet_approve, "pmo", timesheet=timesheet).state == "approved"


def test_a_decided_sheet_cannot_be_decided_or_edited_again(org_a: OrgWorld, member: Person) -> None:
    timesheet = sheet(org_a, member, last_week(org_a), {org_a.projects[0]: 8}, stage="approved")
    before = timesheet_state(org_a)
    with pytest.raises(TimesheetStateConflict):
        call(org_a, services.timesheet_approve, "manager", timesheet=timesheet)
    with pytest.raises(TimesheetStateConflict):
        call(org_a, services.timesheet_submit, timesheet=timesheet)
    with pytest.raises(TimesheetStateConflict):
        call(org_a, services.timesheet_save, timesheet=timesheet, entries=[], version=timesheet.version)
    assert timesheet_state(org_a) == before


# --- Labour cost --------------------------------------------------------------------------------------------------


def test_labour_cost_sums_approved_hours_times_each_frozen_rate_up_to_the_date(org_a: OrgWorld) -> None:
    project, other = org_a.projects[0], org_a.projects[2]
    ann, bob = person(org_a, "member", cost_rate=50), person(org_a, None, name="Bob", cost_rate="72.50")
    week = last_week(org_a)
    for who in (ann, bob):
        allocate(org_a, who, other, week)
    allocate(org_a, bob, project, week)
    sheet(org_a, ann, week, {project: 40, other: 5}, stage="approved")  # 40 × 50 = 2000 on the project
    sheet(org_a, bob, week, {project: "10.5"}, stage="approved")  # 10.5 × 72.50 = 761.25
    sheet(org_a, ann, week - dt.timedelta(weeks=1), {project: 8}, stage="submitted")  # not approved
    sheet(org_a, bob, this_week(org_a), {project: 16}, stage="approved")  # after the date
    sheet(org_a, ann, this_week(org_a), {project: 7}, stage="returned")

    with org_a.ctx():
        cost = selectors.project_labour_cost(organization=org_a.organization, project=project, until=week)
        later = selectors.project_labour_cost(organization=org_a.organization, project=project, until=this_week(org_a))
        nothing = selectors.project_labour_cost(
            organization=org_a.organization, project=project, until=week - dt.timedelta(days=1)
        )
    assert cost == selectors.LabourCost(hours=Decimal("50.50"), cost=Decimal("2761.25"))
    assert later == selectors.LabourCost(hours=Decimal("66.50"), cost=Decimal("3921.25"))  # + 16 × 72.50
    assert nothing == selectors.LabourCost(hours=Decimal(0), cost=Decimal(0))


# --- The AC rule of earned value ----------------------------------------------------------------------------------


def submit_report(world: OrgWorld, project: Project, week: dt.date, actual_cost: int) -> StatusReport:
    with world.ctx():
        org, manager = world.organization, world.users["manager"]
        report = status_services.status_report_start(organization=org, actor=manager, project=project, week_start=week)
        return status_services.status_report_submit(
            organization=org,
            actor=manager,
            report=report,
            percent_complete=Decimal(10),
            actual_cost=Decimal(actual_cost),
            rag_overall="red",
            rag_justification="",
        )


@pytest.mark.parametrize(
    ("stage", "hours", "reported", "ac", "cpi"),
    [
        ("approved", 40, 1000, "2000.00", "5.0000"),  # labour 40 h × 50/h = 2000 is above the reported 1000
        ("approved", 10, 1000, "1000.00", "10.0000"),  # labour 500 is below: the reported cost stands
        ("submitted", 40, 1000, "1000.00", "10.0000"),  # not approved: does not count
        ("returned", 40, 1000, "1000.00", "10.0000"),
    ],
)
def test_ac_is_the_larger_of_the_reported_cost_and_approved_labour(
    org_a: OrgWorld, stage: str, hours: int, reported: int, ac: str, cpi: str
) -> None:
    project = lifecycle_project(org_a, budget=100_000)  # EV at 10 % = 10 000
    member = person(org_a, "member", cost_rate=50)
    week = last_week(org_a)
    sheet(org_a, member, week, {project: hours}, stage=stage, approver="manager")

    report = submit_report(org_a, project, week, reported)

    assert report.actual_cost == Decimal(reported)  # what the manager reported is kept as reported
    assert report.ac == Decimal(ac) and report.ev == Decimal("10000.00")
    assert report.cpi == Decimal(cpi) and report.cv == Decimal("10000.00") - Decimal(ac)
    with org_a.ctx():
        revision = report.revisions.get()
    assert revision.ac == Decimal(ac)


def test_todays_figures_use_the_same_ac_rule(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a, budget=100_000)
    member = person(org_a, "member", cost_rate=50)
    week = last_week(org_a)
    submit_report(org_a, project, week, 1000)
    sheet(org_a, member, week, {project: 40}, stage="approved", approver="manager")  # approved after the report

    with org_a.ctx():
        now = project_evm_now(organization=org_a.organization, project=project, on=week + dt.timedelta(days=6))

    assert now is not None
    assert now.actual_cost == Decimal("2000.00") and now.figures.ac == Decimal("2000.00")
    assert now.figures.cpi == Decimal("5.0000")
