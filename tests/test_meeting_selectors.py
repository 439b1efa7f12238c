"""The weekly meeting selector: two weeks of data built directly with the models (status reports with revisions,
baselines through ``baseline_create``, change requests with approval steps, milestone moves through
``milestone_update`` whose pghistory events are dated deliberately), and what the meeting of the second week shows.

The meeting week is 2026-W45 (Mon 2 – Sun 8 November 2026), compared with 2026-W44; the organisation's time zone
is Asia/Shanghai (UTC+8), so Sunday 23:30 there is still W45 and Monday 00:30 there (Sunday 16:30 UTC) is W46."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Max

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership
from projects import services
from projects.meetings.selectors import MilestoneEvent, weekly_meeting
from projects.models import (
    ChangeApproval,
    ChangeRequest,
    GateReview,
    Milestone,
    Project,
    ProjectPhase,
    StatusReport,
    StatusRevision,
)
from projects.policy import control_policy_get, parse_week, status_due_at
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.factories_projects import MilestoneFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEK = parse_week("2026-W45")  # Monday 2026-11-02
PREVIOUS = parse_week("2026-W44")
NEXT = parse_week("2026-W46")
EARLIER = dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)  # W43: the plan as it stood before
SUNDAY_LATE = dt.datetime(2026, 11, 8, 23, 30, tzinfo=SHANGHAI)  # still W45 in Shanghai
MONDAY_EARLY = dt.datetime(2026, 11, 9, 0, 30, tzinfo=SHANGHAI)  # W46 in Shanghai, Sunday in UTC
WEDNESDAY = dt.datetime(2026, 11, 4, 11, 0, tzinfo=SHANGHAI)
AFTER_ALL = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)  # "now" of the meeting: every due time has passed

GREEN = {f"rag_{d}": "green" for d in ("overall", "schedule", "cost", "scope", "quality", "resources", "risk")}


def access_of(world: OrgWorld, role: str = "pmo") -> OrgAccess:
    membership = Membership.objects.get(organization=world.organization, user=world.users[role])
    return OrgAccess(organization=world.organization, membership=membership)


def status_report(
    world: OrgWorld,
    project: Project,
    week_start: dt.date,
    *,
    state: str = StatusReport.State.ACCEPTED,
    late_by: dt.timedelta | None = None,
    escalations: list[dict[str, Any]] | None = None,
    review_comment: str = "",
    **content: Any,
) -> StatusReport:
    """A report of ``week_start`` in ``state``; anything but a draft has revision 1 (frozen as a StatusRevision)
    and was first submitted an hour before the due time, or ``late_by`` after it."""
    org = world.organization
    with world.ctx():
        due = status_due_at(organization=org, policy=control_policy_get(organization=org), week_start=week_start)
        values = {**GREEN, "escalations": escalations or [], "summary": "On track.", **content}
        submitted = state != StatusReport.State.DRAFT
        first = (due + late_by if late_by else due - dt.timedelta(hours=1)) if submitted else None
        report = StatusReport.objects.create(
            organization=org,
            project=project,
            week_start=week_start,
            state=state,
            revision=1 if submitted else 0,
            due_at=due,
            first_submitted_at=first,
            submitted_at=first,
            submitted_by=world.users["manager"] if submitted else None,
            created_by=world.users["manager"],
            review_comment=review_comment,
            **values,
        )
        if submitted:
            StatusRevision.objects.create(
                organization=org,
                report=report,
                project=project,
                number=1,
                submitted_by=world.users["manager"],
                submitted_at=first,
                **values,
            )
        return report


def date_last_event(world: OrgWorld, milestone: Milestone, at: dt.datetime) -> None:
    """Give the milestone's newest history event the time ``at`` (as if the change had been made then)."""
    with world.ctx():
        newest = MilestoneEvent.objects.filter(organization=world.organization, pgh_obj_id=milestone.pk).aggregate(
            n=Max("pgh_id")
        )["n"]
        MilestoneEvent.objects.filter(organization=world.organization, pgh_id=newest).update(pgh_created_at=at)


def date_all_events(world: OrgWorld, milestone: Milestone, at: dt.datetime) -> None:
    with world.ctx():
        MilestoneEvent.objects.filter(organization=world.organization, pgh_obj_id=milestone.pk).update(
            pgh_created_at=at
        )


def move_forecast(world: OrgWorld, milestone: Milestone, forecast: dt.date, at: dt.datetime) -> None:
    with world.ctx():
        services.milestone_update(
            organization=world.organization, actor=world.users["manager"], milestone=milestone, forecast_date=forecast
        )
    date_last_event(world, milestone, at)


def change_request(world: OrgWorld, project: Project, number: int, **fields: Any) -> ChangeRequest:
    values = {
        "title": f"Change {number}",
        "change_type": "cost",
        "description": f"What change {number} is about.",
        "justification": "Needed.",
        "raised_by": world.users["manager"],
        "raised_at": EARLIER,
        **fields,
    }
    with world.ctx():
        return ChangeRequest.objects.create(organization=world.organization, project=project, number=number, **values)


@dataclass
class TwoWeeks:
    world: OrgWorld
    changing: Project  # everything changes
    steady: Project  # same report both weeks: one line
    silent: Project  # no report this week: missing
    late: Project  # this week's report came after the due time
    returned: Project  # this week's report was returned by the PMO
    milestones: dict[str, Any] = field(default_factory=dict)
    crs: dict[str, ChangeRequest] = field(default_factory=dict)
    gate: GateReview | None = None


def build_two_weeks(world: OrgWorld) -> TwoWeeks:
    org, pmo = world.organization, world.users["pmo"]
    changing, steady, silent = world.projects
    late = ProjectFactory(organization=org, code="ALPHA-LATE", name="Late reporter")
    returned = ProjectFactory(organization=org, code="ALPHA-RET", name="Returned report")
    scene = TwoWeeks(world=world, changing=changing, steady=steady, silent=silent, late=late, returned=returned)
    with world.ctx():
        Project.objects.filter(pk=changing.pk).update(
            budget_at_completion=Decimal(100_000),
            planned_start=dt.date(2026, 1, 5),
            planned_finish=dt.date(2026, 12, 18),
        )
        changing.refresh_from_db()
        ms = scene.milestones
        ms["slipped"] = MilestoneFactory(
            organization=org,
            project=changing,
            name="Design freeze",
            baseline_date=dt.date(2026, 11, 20),
            forecast_date=dt.date(2026, 11, 20),
        )
        ms["after_week"] = MilestoneFactory(
            organization=org,
            project=changing,
            name="Pilot",
            baseline_date=dt.date(2026, 12, 1),
            forecast_date=dt.date(2026, 12, 1),
        )
        ms["earlier"] = MilestoneFactory(
            organization=org,
            project=changing,
            name="Training",
            baseline_date=dt.date(2026, 12, 10),
            forecast_date=dt.date(2026, 12, 10),
        )
        ms["missed"] = MilestoneFactory(
            organization=org,
            project=changing,
            name="Supplier contract",
            baseline_date=dt.date(2026, 11, 5),
            forecast_date=dt.date(2026, 11, 12),
        )
        ms["achieved"] = MilestoneFactory(
            organization=org,
            project=changing,
            name="Kick-off",
            baseline_date=dt.date(2026, 11, 4),
            forecast_date=dt.date(2026, 11, 4),
            actual_date=dt.date(2026, 11, 4),
        )
        services.baseline_create(
            organization=org,
            actor=pmo,
            project=changing,
            reason="Initial",
            reason_category="initial",
            approved_at=EARLIER,
        )
        v2 = services.baseline_create(
            organization=org,
            actor=pmo,
            project=changing,
            reason="New supplier costs more and needs two more weeks.",
            reason_category="cost",
            budget=Decimal(120_000),
            finish_date=dt.date(2027, 1, 1),
            approved_at=SUNDAY_LATE,
        )
        services.baseline_create(
            organization=org,
            actor=pmo,
            project=changing,
            reason="Scope trimmed.",
            reason_category="scope",
            approved_at=MONDAY_EARLY,
        )
    for milestone in ms.values():
        date_all_events(world, milestone, EARLIER)
    move_forecast(world, ms["slipped"], dt.date(2026, 11, 30), WEDNESDAY)  # +10 days, in the week
    move_forecast(world, ms["after_week"], dt.date(2026, 12, 20), MONDAY_EARLY)  # next week (Shanghai)
    move_forecast(world, ms["earlier"], dt.date(2026, 12, 5), WEDNESDAY)  # earlier: not a slip

    crs = scene.crs
    crs["approved"] = change_request(
        world,
        changing,
        1,
        title="Switch supplier",
        status="approved",
        submitted_at=EARLIER,
        decided_at=SUNDAY_LATE,
        baseline=v2,
        cost_delta=Decimal(20_000),
        finish_delta_days=14,
    )
    crs["submitted"] = change_request(
        world, changing, 2, title="Extra report", change_type="scope", status="submitted", submitted_at=WEDNESDAY
    )
    crs["needs_executive"] = change_request(
        world,
        changing,
        3,
        title="Second test rig",
        status="assessed",
        submitted_at=EARLIER,
        assessed_at=EARLIER,
        approvals_required=["pmo", "executive"],
    )
    crs["needs_pmo"] = change_request(
        world,
        steady,
        1,
        title="Move go-live",
        change_type="schedule",
        status="assessed",
        submitted_at=EARLIER,
        assessed_at=EARLIER,
        approvals_required=["pmo"],
    )
    crs["rejected_next_week"] = change_request(
        world, changing, 4, title="Gold plating", status="rejected", submitted_at=EARLIER, decided_at=MONDAY_EARLY
    )
    with world.ctx():
        ChangeApproval.objects.create(
            organization=org, change_request=crs["needs_executive"], step="pmo", decision="approved", decided_by=pmo
        )
        phase = ProjectPhase.objects.create(organization=org, project=steady, order=1, key="build", name="Build")
        scene.gate = GateReview.objects.create(
            organization=org,
            project=steady,
            phase=phase,
            code="G3",
            name="Release readiness",
            decider="executive",
            planned_date=dt.date(2026, 11, 6),
        )

    status_report(
        world,
        changing,
        PREVIOUS,
        escalations=[
            {"title": "Vendor delay", "detail": "Parts late.", "decision_needed": True, "decision_from": "Sponsor"},
            {"title": "Test lab", "detail": "Booked out.", "decision_needed": False, "decision_from": ""},
            {"title": "Old issue", "detail": "", "resolved": True},
        ],
    )
    status_report(
        world,
        changing,
        WEEK,
        state=StatusReport.State.SUBMITTED,
        **{**GREEN, "rag_overall": "amber", "rag_schedule": "red"},
        escalations=[
            {
                "title": "Vendor delay",
                "detail": "Parts four weeks late.",
                "decision_needed": True,
                "decision_from": "Sponsor",
            },
            {"title": "Budget overrun", "detail": "Supplier +20k.", "decision_needed": True, "decision_from": "pmo"},
            {"title": "Test lab", "detail": "Booked out.", "resolved": True},
        ],
    )
    status_report(world, steady, PREVIOUS, rag_overall="amber", rag_cost="amber")
    status_report(world, steady, WEEK, rag_overall="amber", rag_cost="amber")
    status_report(world, silent, PREVIOUS, rag_overall="red", rag_risk="red")
    status_report(world, late, PREVIOUS)
    status_report(world, late, WEEK, late_by=dt.timedelta(days=1))
    status_report(world, returned, PREVIOUS)
    ret = status_report(
        world, returned, WEEK, state=StatusReport.State.RETURNED, review_comment="Cost figure is missing."
    )
    with world.ctx():
        # The manager edits the returned working copy; the meeting reads what was submitted (revision 1).
        StatusReport.objects.filter(pk=ret.pk).update(rag_overall="red")
    return scene


@pytest.fixture
def two_weeks(org_a: OrgWorld) -> TwoWeeks:
    return build_two_weeks(org_a)


def meeting_of(world: OrgWorld, week_start: dt.date = WEEK, role: str = "pmo") -> Any:
    with world.ctx():
        return weekly_meeting(access=access_of(world, role), week_start=week_start, now=AFTER_ALL)


def row(meeting: Any, project: Project) -> Any:
    return next(p for p in meeting.projects if p.id == project.pk)


def test_rag_changes_overall_and_dimensions_with_direction(two_weeks: TwoWeeks) -> None:
    changing = row(meeting_of(two_weeks.world), two_weeks.changing)
    assert changing.rag == "amber"
    assert [(c.dimension, c.before, c.after, c.direction) for c in changing.rag_changes] == [
        ("overall", "green", "amber", "worse"),
        ("schedule", "green", "red", "worse"),
    ]


def test_escalations_new_changed_and_resolved(two_weeks: TwoWeeks) -> None:
    escalations = row(meeting_of(two_weeks.world), two_weeks.changing).escalations
    assert [e.title for e in escalations.new] == ["Budget overrun"]
    assert [(e.title, e.changed_fields, e.detail) for e in escalations.changed] == [
        ("Vendor delay", ("detail",), "Parts four weeks late.")
    ]
    # "Test lab" was open last week and is marked resolved now; "Old issue" was resolved already last week.
    assert [e.title for e in escalations.resolved] == ["Test lab"]


def test_slipped_milestones_moved_in_the_week_and_missed_baseline_dates(two_weeks: TwoWeeks) -> None:
    slips = row(meeting_of(two_weeks.world), two_weeks.changing).slipped_milestones
    ms = two_weeks.milestones
    assert [(s.id, s.kind) for s in slips] == [(ms["slipped"].pk, "moved"), (ms["missed"].pk, "missed")]
    moved, missed = slips
    assert (moved.before, moved.after, moved.moved_days, moved.late_days) == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 30),
        10,
        10,
    )
    assert missed.baseline_date == dt.date(2026, 11, 5)
    assert missed.after == dt.date(2026, 11, 12)
    assert missed.late_days == 4  # 5 Nov → end of Sunday 8 Nov


def test_baseline_changes_with_deltas_against_the_previous_version(two_weeks: TwoWeeks) -> None:
    changes = row(meeting_of(two_weeks.world), two_weeks.changing).baseline_changes
    assert [(b.version, b.category, b.budget_delta, b.finish_delta_days) for b in changes] == [
        (2, "cost", Decimal(20_000), 14)
    ]
    assert changes[0].reason.startswith("New supplier")


def test_change_requests_decided_and_submitted_in_the_week(two_weeks: TwoWeeks) -> None:
    events = row(meeting_of(two_weeks.world), two_weeks.changing).change_requests
    assert [(e.code, e.event) for e in events] == [("CR-002", "submitted"), ("CR-001", "approved")]
    approved = events[1]
    assert (approved.cost_delta, approved.finish_delta_days) == (Decimal(20_000), 14)


def test_week_boundaries_follow_the_organisation_time_zone(two_weeks: TwoWeeks) -> None:
    """Sunday 23:30 in Shanghai is the week's; Monday 00:30 in Shanghai (still Sunday in UTC) is the next week's."""
    this_week = row(meeting_of(two_weeks.world), two_weeks.changing)
    next_week = row(meeting_of(two_weeks.world, NEXT), two_weeks.changing)
    assert "CR-001" in [e.code for e in this_week.change_requests]  # decided Sunday 23:30
    assert "CR-004" not in [e.code for e in this_week.change_requests]  # decided Monday 00:30
    assert [e.code for e in next_week.change_requests] == ["CR-004"]
    assert [b.version for b in this_week.baseline_changes] == [2]
    assert [b.version for b in next_week.baseline_changes] == [3]
    assert two_weeks.milestones["after_week"].pk not in [s.id for s in this_week.slipped_milestones]
    assert [s.id for s in next_week.slipped_milestones if s.kind == "moved"] == [two_weeks.milestones["after_week"].pk]


def test_unchanged_project_takes_one_line(two_weeks: TwoWeeks) -> None:
    meeting = meeting_of(two_weeks.world)
    steady = row(meeting, two_weeks.steady)
    assert not steady.changed
    assert steady.rag == "amber"
    assert not (steady.rag_changes or steady.escalations or steady.slipped_milestones or steady.change_requests)
    assert [p.code for p in meeting.unchanged_projects] == [two_weeks.steady.code]
    assert two_weeks.changing.pk in [p.id for p in meeting.changed_projects]


def test_missing_late_and_returned_reports(two_weeks: TwoWeeks) -> None:
    meeting = meeting_of(two_weeks.world)
    silent, late, returned = (row(meeting, p) for p in (two_weeks.silent, two_weeks.late, two_weeks.returned))
    assert (silent.report.state, silent.report.missing, silent.changed) == ("none", True, True)
    assert (silent.rag, silent.rag_carried) == ("red", True)  # last week's RAG, marked as such
    assert (late.report.late, late.report.missing, late.changed) == (True, False, True)
    assert not late.rag_changes
    assert (returned.report.returned, returned.report.review_comment) == (True, "Cost figure is missing.")
    assert returned.rag == "green"  # as submitted, not the edited working copy
    assert not returned.rag_changes
    on_time = row(meeting, two_weeks.changing).report
    assert (on_time.late, on_time.missing, on_time.state) == (False, False, "submitted")


def test_reports_are_expected_of_active_and_on_hold_projects(two_weeks: TwoWeeks) -> None:
    world = two_weeks.world
    with world.ctx():
        on_hold = ProjectFactory(organization=world.organization, code="ALPHA-HOLD", status="on_hold")
        planning = ProjectFactory(organization=world.organization, code="ALPHA-PLAN", status="planning")
    meeting = meeting_of(world)
    assert row(meeting, on_hold).report.missing
    assert not row(meeting, planning).report.missing
    assert not row(meeting, planning).changed  # listed, one line: nothing to discuss yet


def test_a_report_not_yet_due_is_not_missing(two_weeks: TwoWeeks) -> None:
    with two_weeks.world.ctx():
        before_due = weekly_meeting(
            access=access_of(two_weeks.world),
            week_start=WEEK,
            now=dt.datetime(2026, 11, 6, 17, 0, tzinfo=SHANGHAI),  # Friday 17:00, due at 18:00
        )
    assert not row(before_due, two_weeks.silent).report.missing


def test_agenda_groups_decisions_by_whom(two_weeks: TwoWeeks) -> None:
    meeting = meeting_of(two_weeks.world)
    agenda = {group.by_whom: [(i.kind, i.project_code, i.title) for i in group.items] for group in meeting.agenda}
    changing, steady = two_weeks.changing.code, two_weeks.steady.code
    assert list(agenda) == ["Executive", "PMO", "Sponsor"]
    assert agenda["Executive"] == [
        ("change_request", changing, "CR-003 Second test rig"),  # the PMO signed, the executive has not
        ("gate", steady, "G3 Release readiness"),
    ]
    # "pmo" written in an escalation joins the PMO's group, with the change request awaiting the PMO's signature.
    assert agenda["PMO"] == [
        ("escalation", changing, "Budget overrun"),
        ("change_request", steady, "CR-001 Move go-live"),
    ]
    assert agenda["Sponsor"] == [("escalation", changing, "Vendor delay")]
    assert meeting.summary.decisions_needed == 5


def test_summary_counts(two_weeks: TwoWeeks) -> None:
    summary = meeting_of(two_weeks.world).summary
    assert (summary.projects, summary.changed) == (5, 4)
    assert (summary.red, summary.amber, summary.green, summary.unknown) == (1, 2, 2, 0)
    assert (summary.missing_reports, summary.late_reports) == (1, 1)


def test_projects_listed_running_or_with_activity(two_weeks: TwoWeeks) -> None:
    world = two_weeks.world
    with world.ctx():
        closed = ProjectFactory(organization=world.organization, code="ALPHA-OLD", status="closed")
        Project.objects.filter(pk=two_weeks.late.pk).update(status="cancelled")
    codes = [p.code for p in meeting_of(world).projects]
    assert closed.code not in codes  # closed, nothing happened in the week
    assert two_weeks.late.code in codes  # cancelled, but it reported in the week


def test_another_organisation_is_never_in_the_meeting(two_weeks: TwoWeeks, org_b: OrgWorld) -> None:
    other = build_two_weeks(org_b)
    meeting = meeting_of(two_weeks.world)
    ids = {p.id for p in meeting.projects}
    assert not ids & {p.pk for p in (other.changing, other.steady, other.silent, other.late, other.returned)}
    assert meeting.summary.decisions_needed == 5
