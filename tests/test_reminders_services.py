"""Status and timesheet reminders, time-travelled with an explicit ``now`` in Asia/Shanghai around ISO week 2026-W47
(status and timesheets due Friday 2026-11-20 18:00; reminders 24 h before; status escalates 24 h after, timesheets
72 h after — on the Monday of the next week). Each run sends each message once; another organisation is untouched;
the plan's queries do not grow with the number of projects or people; the Celery entry points run the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Project, StatusReport
from reports.models import Notification, ReminderPolicy
from reports.reminders import selectors, services, tasks
from resources.models import Timesheet
from tests.conftest import OrgWorld
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.factories_reminders import (
    LABEL,
    allocate,
    at,
    notification,
    person,
    sent,
    set_policy,
    settle,
    status_report,
    timesheet,
)

pytestmark = pytest.mark.django_db

BEFORE_WINDOW = at(3, 17, 59)  # Thursday 17:59, one minute before the reminder window opens
IN_WINDOW = at(3, 18)  # Thursday 18:00
AFTER_DUE = at(5, 17, 59)  # Saturday 17:59: due passed, not yet escalated
ESCALATED = at(5, 18)  # Saturday 18:00
TIMESHEETS_ESCALATED = at(7, 18)  # next Monday 18:00


@pytest.fixture
def world(org_a: OrgWorld, org_b: OrgWorld) -> OrgWorld:
    settle(org_a)
    settle(org_b)
    return org_a


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 1

    monkeypatch.setattr(services, "webhook_emit", record)
    return calls


def run_status(world: OrgWorld, now: dt.datetime) -> services.RunResult:
    with world.ctx():
        return services.status_reminders_send(organization=world.organization, now=now)


def run_timesheets(world: OrgWorld, now: dt.datetime) -> services.RunResult:
    with world.ctx():
        return services.timesheet_reminders_send(organization=world.organization, now=now)


# --- Status -------------------------------------------------------------------------------------------------------


def test_before_the_lead_window_nothing_is_sent(world: OrgWorld) -> None:
    assert run_status(world, BEFORE_WINDOW).notifications == 0
    assert sent(world) == []


def test_inside_the_window_the_manager_is_reminded_once(world: OrgWorld, org_b: OrgWorld) -> None:
    project = world.projects[0]

    first = run_status(world, IN_WINDOW)
    again = run_status(world, IN_WINDOW + dt.timedelta(minutes=15))

    key = f"status-reminder:{project.pk}:{LABEL}"
    assert first.notifications == 1
    assert again.notifications == 0
    # Only projects[0] has a manager: the other two are skipped (no escalation yet either).
    assert sent(world) == [("manager@alpha.test", "status_reminder", key)]
    message = notification(world, "manager@alpha.test", key)
    assert message.params == {
        "audience": "manager",
        "project_id": project.pk,
        "project_code": project.code,
        "project_name": project.name,
        "week": LABEL,
        "due": "2026-11-20T10:00:00+00:00",
    }
    assert message.url == reverse("project-status", kwargs={"org_slug": world.slug, "pk": project.pk})
    assert message.severity == "info"
    assert sent(org_b) == []


@pytest.mark.parametrize("state", [StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED])
def test_a_submitted_report_gets_no_reminder_nor_escalation(world: OrgWorld, state: str) -> None:
    for project in world.projects:
        status_report(world, project, state)

    assert run_status(world, IN_WINDOW).notifications == 0
    assert run_status(world, ESCALATED).notifications == 0
    assert sent(world) == []


@pytest.mark.parametrize("state", [StatusReport.State.DRAFT, StatusReport.State.RETURNED])
def test_a_draft_or_returned_report_still_counts_as_missing(world: OrgWorld, state: str) -> None:
    status_report(world, world.projects[0], state)

    assert run_status(world, IN_WINDOW).notifications == 1
    assert [row[1] for row in sent(world)] == ["status_reminder"]


def test_a_report_of_another_week_does_not_count(world: OrgWorld) -> None:
    status_report(world, world.projects[0], StatusReport.State.SUBMITTED, week=dt.date(2026, 11, 9))

    assert run_status(world, IN_WINDOW).notifications == 1


def test_between_due_and_escalation_nothing_new_is_sent(world: OrgWorld) -> None:
    assert run_status(world, AFTER_DUE).notifications == 0


def test_after_the_escalation_delay_the_pmo_and_the_manager_are_told_once(
    world: OrgWorld, org_b: OrgWorld, webhooks: list[dict[str, Any]]
) -> None:
    status_report(world, world.projects[1], StatusReport.State.SUBMITTED)
    status_report(world, world.projects[2], StatusReport.State.RETURNED)
    run_status(world, IN_WINDOW)

    first = run_status(world, ESCALATED)
    again = run_status(world, ESCALATED + dt.timedelta(hours=1))

    overdue, returned = world.projects[0], world.projects[2]
    assert first.notifications == 2
    assert again.notifications == 0
    assert sent(world) == [
        ("manager@alpha.test", "status_overdue", f"status-overdue:{overdue.pk}:{LABEL}"),
        ("manager@alpha.test", "status_reminder", f"status-reminder:{overdue.pk}:{LABEL}"),
        ("pmo@alpha.test", "status_overdue", f"status-overdue:{LABEL}"),
    ]
    summary = notification(world, "pmo@alpha.test", f"status-overdue:{LABEL}")
    assert summary.severity == "warning"
    assert summary.params["projects"] == [
        {"id": overdue.pk, "code": overdue.code, "name": overdue.name, "manager": "Manager of alpha"},
        {"id": returned.pk, "code": returned.code, "name": returned.name, "manager": ""},
    ]
    assert summary.params["count"] == 2
    assert summary.url == reverse("status-list", kwargs={"org_slug": world.slug}) + f"?week={LABEL}"
    # The webhook event goes out with each run's plan but is idempotent on its event id (once per week).
    assert {call["event_id"] for call in webhooks} == {f"status-overdue:{LABEL}"}
    assert webhooks[0]["event"] == "status.overdue"
    assert webhooks[0]["kind"] == "status_overdue"
    assert webhooks[0]["payload"] == {**summary.params, "organization": world.slug, "url": summary.url}
    assert sent(org_b) == []


def test_the_pmo_summary_names_at_most_fifty_projects_and_counts_all(world: OrgWorld) -> None:
    for i in range(52):
        ProjectFactory(organization=world.organization, code=f"BULK-{i:02d}", status=Project.Status.ON_HOLD)
    settle(world)

    run_status(world, ESCALATED)

    params = notification(world, "pmo@alpha.test", f"status-overdue:{LABEL}").params
    assert params["count"] == 55
    assert len(params["projects"]) == 50


def test_projects_that_are_not_running_or_started_after_the_due_time_are_not_chased(world: OrgWorld) -> None:
    with world.ctx():
        Project.objects.filter(pk=world.projects[1].pk).update(status=Project.Status.CLOSED)
        Project.objects.filter(pk=world.projects[2].pk).update(status=Project.Status.PLANNING)
        Project.objects.filter(pk=world.projects[0].pk).update(created_at=at(4, 19))

    assert run_status(world, ESCALATED).notifications == 0


def test_a_project_created_after_the_due_time_is_chased_only_when_it_already_reports(world: OrgWorld) -> None:
    late, imported = world.projects[0], world.projects[1]
    with world.ctx():
        Project.objects.filter(pk__in=[late.pk, imported.pk]).update(created_at=at(4, 19))
        Project.objects.filter(pk=world.projects[2].pk).update(status=Project.Status.CLOSED)
    status_report(world, imported, StatusReport.State.SUBMITTED, week=dt.date(2026, 11, 9))  # its history

    run_status(world, ESCALATED)

    params = notification(world, "pmo@alpha.test", f"status-overdue:{LABEL}").params
    assert [item["id"] for item in params["projects"]] == [imported.pk]


def test_a_manager_who_left_the_organisation_is_not_told_but_the_pmo_is(world: OrgWorld) -> None:
    with world.ctx():
        from pmo.tenancy.models import Membership

        Membership.objects.filter(user=world.users["manager"]).delete()

    run_status(world, IN_WINDOW)
    run_status(world, ESCALATED)

    assert [row[0] for row in sent(world)] == ["pmo@alpha.test"]


def test_a_disabled_policy_sends_nothing(world: OrgWorld, webhooks: list[dict[str, Any]]) -> None:
    set_policy(world, enabled=False)

    for moment in (IN_WINDOW, ESCALATED):
        assert run_status(world, moment).notifications == 0
        assert run_timesheets(world, moment).notifications == 0
    assert sent(world) == []
    assert webhooks == []


def test_the_lead_and_escalation_hours_follow_the_policy(world: OrgWorld) -> None:
    set_policy(world, status_lead_hours=2, status_escalate_hours=0)

    assert run_status(world, at(4, 15, 59)).notifications == 0
    assert run_status(world, at(4, 16)).notifications == 1
    assert run_status(world, at(4, 18)).notifications == 2  # due time: escalated at once (PMO + manager)


def test_the_due_time_follows_the_control_policy(world: OrgWorld) -> None:
    from projects.models import ControlPolicy
    from projects.policy import control_policy_get

    with world.ctx():
        control_policy_get(organization=world.organization)
        ControlPolicy.objects.update(status_due_weekday=0, status_due_time=dt.time(9, 0))  # Monday 09:00

    # Sunday 10:00 of W46 is within 24 h of W47's Monday 09:00 due time.
    assert run_status(world, at(-1, 10)).notifications == 1
    assert sent(world)[0][2].endswith(LABEL)


# --- Timesheets ---------------------------------------------------------------------------------------------------


@pytest.fixture
def staffed(world: OrgWorld) -> dict[str, Any]:
    """The member and the viewer allocated to the manager's project; the executive to a project without a
    manager; a person without a user account; the admin allocated only to a closed project."""
    member = person(world, "member")
    viewer = person(world, "viewer")
    executive = person(world, "executive")
    nobody = person(world, None, "No Account")
    admin = person(world, "admin")
    allocate(world, member, world.projects[0])
    allocate(world, viewer, world.projects[0])
    allocate(world, executive, world.projects[1])
    allocate(world, nobody, world.projects[0])
    allocate(world, admin, world.projects[2])
    with world.ctx():
        Project.objects.filter(pk=world.projects[2].pk).update(status=Project.Status.CLOSED)
    return {"member": member, "viewer": viewer, "executive": executive, "nobody": nobody, "admin": admin}


def test_timesheets_before_the_window_nothing(world: OrgWorld, staffed: dict[str, Any]) -> None:
    assert run_timesheets(world, BEFORE_WINDOW).notifications == 0
    assert sent(world) == []


def test_timesheet_reminders_go_to_allocated_people_without_a_submitted_sheet(
    world: OrgWorld, org_b: OrgWorld, staffed: dict[str, Any]
) -> None:
    timesheet(world, staffed["viewer"], Timesheet.State.SUBMITTED)
    timesheet(world, staffed["executive"], Timesheet.State.RETURNED)

    first = run_timesheets(world, IN_WINDOW)
    again = run_timesheets(world, IN_WINDOW + dt.timedelta(minutes=30))

    member, executive = staffed["member"], staffed["executive"]
    assert (first.notifications, again.notifications) == (2, 0)
    assert sent(world) == [
        ("executive@alpha.test", "timesheet_reminder", f"timesheet-reminder:{executive.pk}:{LABEL}"),
        ("member@alpha.test", "timesheet_reminder", f"timesheet-reminder:{member.pk}:{LABEL}"),
    ]
    message = notification(world, "member@alpha.test", f"timesheet-reminder:{member.pk}:{LABEL}")
    assert message.params["person_name"] == member.full_name
    assert message.url == reverse("timesheet-mine", kwargs={"org_slug": world.slug}) + f"?week={LABEL}"
    assert sent(org_b) == []


@pytest.mark.parametrize("state", [Timesheet.State.SUBMITTED, Timesheet.State.APPROVED])
def test_a_submitted_timesheet_gets_no_reminder(world: OrgWorld, staffed: dict[str, Any], state: str) -> None:
    for key in ("member", "viewer", "executive"):
        timesheet(world, staffed[key], state)

    assert run_timesheets(world, IN_WINDOW).notifications == 0
    assert run_timesheets(world, TIMESHEETS_ESCALATED).notifications == 0


def test_overdue_timesheets_tell_the_person_and_their_approvers_once(world: OrgWorld, staffed: dict[str, Any]) -> None:
    timesheet(world, staffed["viewer"], Timesheet.State.DRAFT)

    assert run_timesheets(world, TIMESHEETS_ESCALATED - dt.timedelta(minutes=1)).notifications == 0
    first = run_timesheets(world, TIMESHEETS_ESCALATED)
    again = run_timesheets(world, TIMESHEETS_ESCALATED + dt.timedelta(hours=2))

    member, viewer, executive = staffed["member"], staffed["viewer"], staffed["executive"]
    team = f"timesheet-overdue:team:{LABEL}"
    assert again.notifications == 0
    assert sent(world) == [
        ("executive@alpha.test", "timesheet_overdue", f"timesheet-overdue:{executive.pk}:{LABEL}"),
        ("manager@alpha.test", "timesheet_overdue", team),
        ("member@alpha.test", "timesheet_overdue", f"timesheet-overdue:{member.pk}:{LABEL}"),
        ("pmo@alpha.test", "timesheet_overdue", team),
        ("viewer@alpha.test", "timesheet_overdue", f"timesheet-overdue:{viewer.pk}:{LABEL}"),
    ]
    assert first.notifications == 5
    # The manager approves the hours on their project; the executive's project has no manager: the PMO is told.
    manager = notification(world, "manager@alpha.test", team).params
    assert manager["count"] == 2
    assert manager["people"] == [
        {"id": member.pk, "name": member.full_name},
        {"id": viewer.pk, "name": viewer.full_name},
    ]
    pmo = notification(world, "pmo@alpha.test", team).params
    assert (pmo["people"], pmo["count"]) == ([{"id": executive.pk, "name": executive.full_name}], 1)
    assert notification(world, "pmo@alpha.test", team).url == reverse(
        "timesheet-approvals", kwargs={"org_slug": world.slug}
    )


def test_a_manager_is_not_their_own_approver(world: OrgWorld) -> None:
    manager = person(world, "manager")
    allocate(world, manager, world.projects[0])

    run_timesheets(world, TIMESHEETS_ESCALATED)

    team = f"timesheet-overdue:team:{LABEL}"
    assert ("manager@alpha.test", "timesheet_overdue", team) not in sent(world)
    assert notification(world, "pmo@alpha.test", team).params["people"] == [
        {"id": manager.pk, "name": manager.full_name}
    ]


# --- Preview, query counts, Celery --------------------------------------------------------------------------------


def test_the_preview_lists_what_would_be_sent_and_what_already_was(world: OrgWorld, staffed: dict[str, Any]) -> None:
    with world.ctx():
        policy = services.reminder_policy_get(organization=world.organization)
        before = selectors.reminder_preview(organization=world.organization, policy=policy, now=IN_WINDOW)
    assert sorted((item.kind, item.subject, [u.email for u in item.pending]) for item in before.items) == [
        ("status_reminder", f"{world.projects[0].code} {world.projects[0].name}", ["manager@alpha.test"]),
        ("timesheet_reminder", staffed["executive"].full_name, ["executive@alpha.test"]),
        ("timesheet_reminder", staffed["member"].full_name, ["member@alpha.test"]),
        ("timesheet_reminder", staffed["viewer"].full_name, ["viewer@alpha.test"]),
    ]
    assert before.pending_count == 4
    assert sent(world) == []  # a dry run

    run_status(world, IN_WINDOW)
    with world.ctx():
        after = selectors.reminder_preview(organization=world.organization, policy=policy, now=IN_WINDOW)
    assert after.pending_count == 3
    assert [item.pending for item in after.status] == [[]]


def grow(world: OrgWorld, size: int) -> None:
    """``size`` more running projects run by the manager, each with a member (a user) allocated."""
    start = len(world.projects)
    for i in range(start, start + size):
        project = ProjectFactory(organization=world.organization, code=f"G-{i:03d}", manager=world.users["manager"])
        user = UserFactory(email=f"grown{i}@{world.slug}.test")
        MembershipFactory(organization=world.organization, user=user, role="member")
        world.users[f"grown{i}"] = user
        world.projects.append(project)
        allocate(world, person(world, f"grown{i}"), project)
        with world.ctx():
            Project.objects.filter(pk=project.pk).update(created_at=at(0, 8))


def count_queries(world: OrgWorld, call: Any) -> int:
    with world.ctx(), CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.mark.parametrize("moment", [IN_WINDOW, ESCALATED, TIMESHEETS_ESCALATED])
def test_plans_and_repeated_runs_take_the_same_queries_at_two_sizes(world: OrgWorld, moment: dt.datetime) -> None:
    def preview() -> None:
        policy = services.reminder_policy_get(organization=world.organization)
        selectors.reminder_preview(organization=world.organization, policy=policy, now=moment)

    def runs() -> None:
        services.status_reminders_send(organization=world.organization, now=moment)
        services.timesheet_reminders_send(organization=world.organization, now=moment)

    grow(world, 3)
    count_queries(world, runs)  # first run: sends
    small = (count_queries(world, preview), count_queries(world, runs))
    grow(world, 20)
    with world.ctx():  # the new projects' and people's messages are sent once more, then steady again
        services.status_reminders_send(organization=world.organization, now=moment)
        services.timesheet_reminders_send(organization=world.organization, now=moment)
    large = (count_queries(world, preview), count_queries(world, runs))

    assert small == large
    assert large[0] <= 12


def test_a_first_run_reads_in_constant_queries_besides_one_notify_per_new_message(
    world: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queries outside ``notify()`` (the plan and the already-sent check) do not grow with the messages sent;
    ``notify()`` is called once per new message."""
    inside: list[int] = []
    real_notify = services.notify

    def counted(**kwargs: Any) -> list[int]:
        with CaptureQueriesContext(connection) as captured:
            result = real_notify(**kwargs)
        inside.append(len(captured))
        return result

    monkeypatch.setattr(services, "notify", counted)
    run_status(world, BEFORE_WINDOW)  # creates the policies on first use

    def first_run() -> tuple[int, int]:
        with world.ctx():
            Notification.objects.all().delete()
        inside.clear()
        total = count_queries(
            world, lambda: services.status_reminders_send(organization=world.organization, now=IN_WINDOW)
        )
        return total - sum(inside), len(inside)

    grow(world, 5)
    small_reads, small_calls = first_run()
    grow(world, 10)
    large_reads, large_calls = first_run()

    assert (small_calls, large_calls) == (6, 16)
    assert small_reads == large_reads


def test_the_celery_entry_points_fan_out_to_every_organisation(
    world: OrgWorld, org_b: OrgWorld, staffed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: IN_WINDOW.astimezone(dt.UTC))

    assert tasks.status_all.delay().get() >= 2
    assert tasks.timesheets_all.delay().get() >= 2
    assert tasks.status_organization.delay(organization_id=world.organization.pk).get() == 0  # idempotent

    assert [row[1] for row in sent(world)].count("status_reminder") == 1
    assert [row[1] for row in sent(world)].count("timesheet_reminder") == 3
    assert [row[1] for row in sent(org_b)] == ["status_reminder"]


def test_the_organisation_setup_installs_the_default_policy_once(world: OrgWorld) -> None:
    with world.ctx():
        ReminderPolicy.objects.all().delete()
        first = services.reminder_policy_install_default(organization=world.organization)
        second = services.reminder_policy_install_default(organization=world.organization)
        assert first.pk == second.pk
        assert ReminderPolicy.objects.count() == 1
        assert (first.status_lead_hours, first.timesheet_due_weekday, first.enabled) == (24, 4, True)
