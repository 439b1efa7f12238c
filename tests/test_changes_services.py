"""Change-control services: numbering, the workflow, who must approve, re-baselining on approval (atomically,
once), segregation of duties, and the baseline-change statistics checked by hand."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Membership
from projects import services as project_services
from projects.changes import selectors
from projects.changes import services as cs
from projects.models import Baseline, ChangeApproval, ChangeRequest, Milestone, Project
from projects.policy import control_policy_update
from projects.services import ProjectReadOnly, StaleVersion
from tests.conftest import OrgWorld, build_world
from tests.factories_projects import close_project, set_pmo_type
from tests.test_changes_factories import bring_to, change_state, cr_project, raise_cr

S = ChangeRequest.Status


def access(world: OrgWorld, role: str) -> OrgAccess:
    with world.ctx():
        membership = Membership.objects.get(organization=world.organization, user=world.users[role])
    return OrgAccess(organization=world.organization, membership=membership)


def run(world: OrgWorld, service: Any, role: str, **kwargs: Any) -> Any:
    with world.ctx():
        return service(organization=world.organization, actor=world.users[role], **kwargs)


# --- Numbering ----------------------------------------------------------------------------------------------------


def test_numbers_are_per_project(org_a: OrgWorld) -> None:
    one, two = cr_project(org_a, code="P-1"), cr_project(org_a, code="P-2")

    codes = [raise_cr(org_a, one).code, raise_cr(org_a, one).code, raise_cr(org_a, two).code]

    assert codes == ["CR-001", "CR-002", "CR-001"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_on_one_project_get_distinct_numbers() -> None:
    """The first creation holds its transaction (and the project lock) open; the second waits and takes the next
    number instead of reading the same maximum and hitting the unique constraint."""
    world = build_world("gamma")
    project = cr_project(world)
    created = threading.Event()
    numbers: list[int] = []
    errors: list[Exception] = []

    def create(title: str, hold: bool) -> None:
        try:
            with tenant_context(world.organization):
                request = cs.change_request_create(
                    organization=world.organization,
                    actor=world.users["manager"],
                    project=project,
                    title=title,
                    change_type="scope",
                    description="d",
                    justification="j",
                )
                numbers.append(request.number)
                if hold:
                    created.set()
                    threading.Event().wait(0.5)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=create, args=("first", True))
    first.start()
    assert created.wait(10)
    second = threading.Thread(target=create, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)

    assert errors == []
    assert sorted(numbers) == [1, 2]


# --- Creating and editing -----------------------------------------------------------------------------------------


def test_create_needs_the_right_to_change_the_project(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    before = change_state(org_a, project)

    for role in ("member", "viewer", "executive"):
        with pytest.raises(PermissionDenied):
            raise_cr(org_a, project, actor=role)

    assert change_state(org_a, project) == before
    assert raise_cr(org_a, project, actor="pmo").status == S.DRAFT


def test_bad_input_is_refused_with_every_reason_and_nothing_saved(org_a: OrgWorld) -> None:
    project = cr_project(org_a)

    with pytest.raises(ValidationError) as error:
        run(
            org_a,
            cs.change_request_create,
            "manager",
            project=project,
            title="  ",
            change_type="budget",
            description="",
            justification=" ",
            finish_delta_days=99999,
        )

    assert set(error.value.message_dict) == {
        "title",
        "change_type",
        "description",
        "justification",
        "finish_delta_days",
    }
    with org_a.ctx():
        assert not ChangeRequest.objects.exists()


def test_a_closed_project_takes_no_change_request(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    draft = raise_cr(org_a, project)
    close_project(org_a, project)

    with pytest.raises(ProjectReadOnly):
        raise_cr(org_a, project)
    with pytest.raises(ProjectReadOnly):
        run(org_a, cs.change_request_submit, "manager", change_request=draft)


def test_update_of_a_draft_with_a_stale_version_is_409_and_loses_nothing(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    draft = raise_cr(org_a, project)
    edited = run(org_a, cs.change_request_update, "manager", change_request=draft, version=1, title="More sensors v2")
    assert (edited.title, edited.version) == ("More sensors v2", 2)

    with pytest.raises(StaleVersion):
        run(org_a, cs.change_request_update, "pmo", change_request=draft, version=1, title="Overwritten")

    with org_a.ctx():
        stored = ChangeRequest.objects.get(pk=draft.pk)
    assert (stored.title, stored.version) == ("More sensors v2", 2)


def test_only_a_draft_can_be_edited_and_unknown_fields_are_refused(org_a: OrgWorld) -> None:
    draft = raise_cr(org_a, cr_project(org_a))
    with pytest.raises(ValidationError) as error:
        run(org_a, cs.change_request_update, "manager", change_request=draft, status="approved")
    assert set(error.value.message_dict) == {"status"}

    submitted = bring_to(org_a, draft, "submitted")
    with pytest.raises(cs.ChangeRequestConflict):
        run(org_a, cs.change_request_update, "manager", change_request=submitted, title="Late edit")


# --- Who must approve -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pmo_type", "cost", "days", "expected"),
    [
        ("supportive", 10_000, 30, ["pmo"]),  # at both thresholds: not above
        ("supportive", 10_001, 0, ["executive"]),
        ("supportive", 0, 31, ["executive"]),
        ("controlling", 10_000, 30, ["pmo"]),
        ("controlling", 10_000.01, 0, ["pmo", "executive"]),
        ("controlling", 0, 31, ["pmo", "executive"]),
        ("controlling", -50_000, -60, ["pmo"]),  # savings and earlier finishes are never large
        ("directive", 0, 0, ["pmo", "executive"]),
        ("directive", 20_000, 45, ["pmo", "executive"]),
    ],
)
def test_approvals_required_follow_the_pmo_type_and_both_thresholds(
    org_a: OrgWorld, pmo_type: str, cost: float, days: int, expected: list[str]
) -> None:
    """Policy defaults: executive above 10 % of BAC or above 30 days; BAC 100 000 → cost threshold 10 000."""
    set_pmo_type(org_a, pmo_type)
    project = cr_project(org_a)
    change_request = ChangeRequest(cost_delta=Decimal(str(cost)), finish_delta_days=days)

    with org_a.ctx():
        assert cs.approvals_required(
            organization=org_a.organization, project=project, change_request=change_request
        ) == (expected)


def test_the_cost_threshold_uses_the_current_baseline_and_the_policy(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    with org_a.ctx():
        project_services.baseline_create(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            project=project,
            reason="Re-plan",
            reason_category="other",
            budget=Decimal(200_000),
        )
        large = ChangeRequest(cost_delta=Decimal(15_000), finish_delta_days=0)
        # 15 000 is above 10 % of v1's 100 000 but not of the current baseline's 200 000.
        assert cs.approvals_required(organization=org_a.organization, project=project, change_request=large) == ["pmo"]
        control_policy_update(
            organization=org_a.organization, actor=org_a.users["pmo"], cr_executive_cost_share=Decimal("0.05")
        )
        assert cs.approvals_required(organization=org_a.organization, project=project, change_request=large) == [
            "pmo",
            "executive",
        ]


# --- The workflow ---------------------------------------------------------------------------------------------------


def test_the_whole_workflow_of_a_large_cost_change(org_a: OrgWorld) -> None:
    """Controlling PMO (the default), cost 15 000 > 10 % of 100 000: the PMO and an executive must sign."""
    project = cr_project(org_a)
    with org_a.ctx():
        v1 = Baseline.objects.get(project=project, version=1)
    draft = raise_cr(org_a, project, cost=15_000, justification="Customer demand.")
    submitted = run(org_a, cs.change_request_submit, "manager", change_request=draft)
    assert (submitted.status, submitted.submitted_at is not None) == (S.SUBMITTED, True)

    assessed = run(org_a, cs.change_request_assess, "pmo", change_request=submitted, assessment="Worth it.")
    assert (assessed.status, assessed.approvals_required) == (S.ASSESSED, ["pmo", "executive"])

    after_pmo = run(org_a, cs.change_request_approve, "pmo", change_request=assessed, note="PMO agrees.")
    assert after_pmo.status == S.ASSESSED
    assert after_pmo.baseline_id is None
    with org_a.ctx():
        assert Baseline.objects.filter(project=project).count() == 1

    approved = run(org_a, cs.change_request_approve, "executive", change_request=after_pmo, note="Go.")

    assert approved.status == S.APPROVED
    assert approved.decided_by == org_a.users["executive"]
    with org_a.ctx():
        v2 = Baseline.objects.get(project=project, version=2)
        project.refresh_from_db()
        steps = list(ChangeApproval.objects.filter(change_request=approved).values_list("step", "decided_by"))
    assert approved.baseline_id == v2.pk
    assert v2.change_request_id == approved.pk
    assert v2.reason == "CR-001: More sensors. Customer demand."
    assert v2.reason_category == Baseline.ReasonCategory.COST
    assert v2.budget == v1.budget + 15_000
    assert v2.finish_date == v1.finish_date
    assert v2.approved_by == org_a.users["executive"]
    assert project.budget_at_completion == Decimal(115_000)
    assert project.version > 1
    assert steps == [("pmo", org_a.users["pmo"].pk), ("executive", org_a.users["executive"].pk)]


def test_a_schedule_change_moves_the_finish_and_the_open_milestones(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    with org_a.ctx():
        v1 = Baseline.objects.get(project=project, version=1)
        milestones = list(Milestone.objects.filter(project=project).order_by("order"))
        done, moved, untouched = milestones[0], milestones[1], milestones[2]
        done_date, moved_forecast = done.baseline_date, moved.baseline_date + dt.timedelta(days=12)
        Milestone.objects.filter(pk=done.pk).update(actual_date=done.baseline_date)
        Milestone.objects.filter(pk=moved.pk).update(forecast_date=moved_forecast)
    change_request = raise_cr(org_a, project, change_type="schedule", cost=0, days=20)

    approved = bring_to(org_a, change_request, "approved")

    with org_a.ctx():
        v2 = Baseline.objects.get(pk=approved.baseline_id)
        stored = {m.pk: m for m in Milestone.objects.filter(project=project)}
        project.refresh_from_db()
    assert v2.version == 2 and v2.reason_category == "schedule"
    assert v2.finish_date == v1.finish_date + dt.timedelta(days=20)
    assert project.planned_finish == v2.finish_date
    assert stored[done.pk].baseline_date == done_date  # achieved: stays
    assert stored[moved.pk].baseline_date == moved_forecast  # to the manager's forecast
    assert stored[untouched.pk].baseline_date == untouched.baseline_date + dt.timedelta(days=20)
    assert stored[untouched.pk].forecast_date == stored[untouched.pk].baseline_date
    dates = {row["milestone"]: row["date"] for row in v2.milestone_dates}
    assert dates[moved.pk] == moved_forecast.isoformat()


def test_a_small_change_is_approved_by_the_pmo_alone(org_a: OrgWorld) -> None:
    approved = bring_to(org_a, raise_cr(org_a, cr_project(org_a), cost=1000), "approved")

    assert approved.approvals_required == ["pmo"]
    assert approved.status == S.APPROVED
    assert approved.decided_by == org_a.users["pmo"]


def test_a_saving_below_zero_budget_is_refused_and_nothing_changes(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, cost=-100_001), "assessed")
    before = change_state(org_a, project)

    with pytest.raises(ValidationError) as error:
        run(org_a, cs.change_request_approve, "pmo", change_request=assessed)

    assert set(error.value.message_dict) == {"cost_delta"}
    assert change_state(org_a, project) == before


def test_a_failure_while_creating_the_baseline_leaves_the_request_unapproved(
    org_a: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, cost=1000), "assessed")
    before = change_state(org_a, project)

    def broken(**kwargs: Any) -> Baseline:
        Baseline.objects.create(
            organization=org_a.organization,
            project=project,
            version=99,
            budget=1,
            reason="half-written",
            approved_by=org_a.users["pmo"],
        )
        raise RuntimeError("disk full")

    monkeypatch.setattr(project_services, "baseline_create", broken)
    with pytest.raises(RuntimeError):
        run(org_a, cs.change_request_approve, "pmo", change_request=assessed)

    assert change_state(org_a, project) == before
    with org_a.ctx():
        assert ChangeRequest.objects.get(pk=assessed.pk).status == S.ASSESSED


def test_the_second_of_two_approvers_finds_the_request_decided(org_a: OrgWorld) -> None:
    """Both read the assessed request; the first signs (approving it), the second's stale copy is refused with 409
    and no second baseline is made."""
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, cost=1000), "assessed")
    run(org_a, cs.change_request_approve, "pmo", change_request=assessed)
    with pytest.raises(cs.ChangeRequestConflict):
        run(org_a, cs.change_request_approve, "admin", change_request=assessed)  # the copy read before

    with org_a.ctx():
        assert Baseline.objects.filter(project=project).count() == 2
        assert ChangeApproval.objects.filter(change_request=assessed).count() == 1


# --- Segregation of duties and permissions -------------------------------------------------------------------------


def test_the_raiser_may_not_approve_their_own_request(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, actor="pmo", cost=1000), "assessed")
    before = change_state(org_a, project)

    with pytest.raises(PermissionDenied, match="someone else must decide"):
        run(org_a, cs.change_request_approve, "pmo", change_request=assessed)

    assert change_state(org_a, project) == before
    assert run(org_a, cs.change_request_approve, "admin", change_request=assessed).status == S.APPROVED


def test_one_person_may_not_sign_two_steps(org_a: OrgWorld) -> None:
    """The admin holds both approval rights; having signed the PMO step, the executive step needs someone else."""
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, cost=50_000), "assessed")
    assert assessed.approvals_required == ["pmo", "executive"]
    run(org_a, cs.change_request_approve, "admin", change_request=assessed)
    before = change_state(org_a, project)

    with pytest.raises(PermissionDenied, match="signed an earlier step"):
        run(org_a, cs.change_request_approve, "admin", change_request=assessed)
    with pytest.raises(PermissionDenied, match="signed an earlier step"):
        run(org_a, cs.change_request_reject, "admin", change_request=assessed, note="No.")

    assert change_state(org_a, project) == before


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("pmo", True), ("executive", False), ("manager", False), ("member", False), ("viewer", False)],
)
def test_the_pmo_step_needs_the_pmo_approval_right(org_a: OrgWorld, role: str, allowed: bool) -> None:
    assessed = bring_to(
        org_a, raise_cr(org_a, cr_project(org_a), actor="admin" if role != "admin" else "pmo"), "assessed"
    )
    if allowed:
        assert run(org_a, cs.change_request_approve, role, change_request=assessed).status == S.APPROVED
    else:
        with pytest.raises(PermissionDenied):
            run(org_a, cs.change_request_approve, role, change_request=assessed)


def test_the_executive_step_needs_the_executive_approval_right(org_a: OrgWorld) -> None:
    assessed = bring_to(org_a, raise_cr(org_a, cr_project(org_a), cost=50_000), "assessed")
    run(org_a, cs.change_request_approve, "pmo", change_request=assessed)

    with pytest.raises(PermissionDenied, match="Executive"):
        run(org_a, cs.change_request_approve, "manager", change_request=assessed)

    assert run(org_a, cs.change_request_approve, "executive", change_request=assessed).status == S.APPROVED


def test_assessment_needs_the_pmo_and_a_text(org_a: OrgWorld) -> None:
    submitted = bring_to(org_a, raise_cr(org_a, cr_project(org_a)), "submitted")
    with pytest.raises(PermissionDenied):
        run(org_a, cs.change_request_assess, "executive", change_request=submitted, assessment="Fine.")
    with pytest.raises(ValidationError) as error:
        run(org_a, cs.change_request_assess, "pmo", change_request=submitted, assessment="  ")
    assert set(error.value.message_dict) == {"assessment"}
    with org_a.ctx():
        assert ChangeRequest.objects.get(pk=submitted.pk).status == S.SUBMITTED


# --- Reject and withdraw -------------------------------------------------------------------------------------------


def test_reject_needs_a_note_and_records_the_step_at_assessed(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    assessed = bring_to(org_a, raise_cr(org_a, project, cost=50_000), "assessed")
    run(org_a, cs.change_request_approve, "pmo", change_request=assessed)

    with pytest.raises(ValidationError):
        run(org_a, cs.change_request_reject, "executive", change_request=assessed, note=" ")
    rejected = run(org_a, cs.change_request_reject, "executive", change_request=assessed, note="Not this year.")

    assert (rejected.status, rejected.decision_note) == (S.REJECTED, "Not this year.")
    with org_a.ctx():
        decisions = list(ChangeApproval.objects.filter(change_request=rejected).values_list("step", "decision"))
        assert Baseline.objects.filter(project=project).count() == 1
    assert decisions == [("pmo", "approved"), ("executive", "rejected")]


def test_at_submitted_only_the_pmo_rejects(org_a: OrgWorld) -> None:
    submitted = bring_to(org_a, raise_cr(org_a, cr_project(org_a)), "submitted")
    with pytest.raises(PermissionDenied):
        run(org_a, cs.change_request_reject, "executive", change_request=submitted, note="No.")

    rejected = run(org_a, cs.change_request_reject, "pmo", change_request=submitted, note="Out of scope.")

    assert rejected.status == S.REJECTED
    with org_a.ctx():
        assert not ChangeApproval.objects.filter(change_request=rejected).exists()


def test_withdraw_by_the_raiser_or_a_changer_and_only_while_open(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    submitted = bring_to(org_a, raise_cr(org_a, project), "submitted")
    with pytest.raises(PermissionDenied):
        run(org_a, cs.change_request_withdraw, "executive", change_request=submitted)

    withdrawn = run(org_a, cs.change_request_withdraw, "manager", change_request=submitted)
    assert withdrawn.status == S.WITHDRAWN
    with pytest.raises(cs.ChangeRequestConflict):
        run(org_a, cs.change_request_withdraw, "manager", change_request=withdrawn)
    approved = bring_to(org_a, raise_cr(org_a, project), "approved")
    with pytest.raises(cs.ChangeRequestConflict):
        run(org_a, cs.change_request_withdraw, "pmo", change_request=approved)


# --- Selectors: queue and "awaiting my decision" -------------------------------------------------------------------


def test_awaiting_my_decision(org_a: OrgWorld) -> None:
    project = cr_project(org_a)
    submitted = bring_to(org_a, raise_cr(org_a, project, title="A"), "submitted")
    large = bring_to(org_a, raise_cr(org_a, project, title="B", cost=50_000), "assessed")
    bring_to(org_a, raise_cr(org_a, project, title="C"), "draft")

    def awaiting(role: str) -> set[str]:
        with org_a.ctx():
            rows = selectors.change_requests_visible_to(
                access=access(org_a, role), filters=selectors.ChangeRequestFilters(awaiting_me=True)
            )
            return {row.title for row in rows}

    assert awaiting("pmo") == {"A", "B"}
    assert awaiting("executive") == set()  # B's next step is the PMO's
    assert awaiting("manager") == set()
    run(org_a, cs.change_request_approve, "pmo", change_request=large)
    assert awaiting("pmo") == {"A"}
    assert awaiting("executive") == {"B"}
    assert awaiting("admin") == {"A", "B"}
    assert submitted.status == S.SUBMITTED


def test_the_queue_lists_only_projects_the_actor_may_read(org_a: OrgWorld) -> None:
    mine = cr_project(org_a, code="MINE")
    hidden = cr_project(org_a, code="HIDDEN", readers=())
    with org_a.ctx():
        Project.objects.filter(pk=hidden.pk).update(manager=None)
    raise_cr(org_a, mine, title="Visible")
    raise_cr(org_a, hidden, actor="pmo", title="Hidden")

    with org_a.ctx():
        member_sees = {r.title for r in selectors.change_requests_visible_to(access=access(org_a, "member"))}
        pmo_sees = {r.title for r in selectors.change_requests_visible_to(access=access(org_a, "pmo"))}
    assert member_sees == {"Visible"}
    assert pmo_sees == {"Visible", "Hidden"}


# --- Statistics, checked by hand -----------------------------------------------------------------------------------


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment in Shanghai time (the organisation's zone)."""
    import zoneinfo

    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_statistics_by_project_month_and_category(org_a: OrgWorld) -> None:
    """Two projects over three months:

    - P-A: CR cost +10 000 approved 2026-01-15; CR schedule +14 days approved 2026-02-10;
    - P-B: CR cost −5 000 approved 2026-01-31 23:30 Shanghai (still January there, 15:30 UTC);
      a re-baseline without a CR (budget +2 000, finish +7 days, category "other") on 2026-03-02;
    - a rejected CR on P-B: no baseline, but it counts in the cycle time.
    """
    a, b = cr_project(org_a, code="P-A"), cr_project(org_a, code="P-B")
    cr1 = raise_cr(org_a, a, cost=10_000, at=at("2026-01-10"))
    bring_to(org_a, cr1, "approved", at=at("2026-01-15"))  # submitted and decided the same moment: 0 days
    cr2 = raise_cr(org_a, a, change_type="schedule", cost=0, days=14)
    cr2 = bring_to(org_a, cr2, "submitted", at=at("2026-02-06"))
    with org_a.ctx():
        cr2 = cs.change_request_assess(
            organization=org_a.organization, actor=org_a.users["pmo"], change_request=cr2, assessment="ok"
        )
        cs.change_request_approve(
            organization=org_a.organization, actor=org_a.users["pmo"], change_request=cr2, at=at("2026-02-10")
        )
    cr3 = raise_cr(org_a, b, cost=-5000)
    cr3 = bring_to(org_a, cr3, "assessed", at=at("2026-01-29", 23))
    with org_a.ctx():
        cs.change_request_approve(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            change_request=cr3,
            at=at("2026-01-31", 23).replace(minute=30),
        )
        v_b = Baseline.objects.filter(project=b).order_by("-version").first()
        assert v_b is not None
        project_services.baseline_create(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            project=b,
            reason="Yearly re-plan",
            reason_category="other",
            budget=v_b.budget + 2000,
            finish_date=v_b.finish_date + dt.timedelta(days=7),
            approved_at=at("2026-03-02"),
        )
    cr4 = bring_to(org_a, raise_cr(org_a, b, cost=1), "submitted", at=at("2026-03-01"))
    with org_a.ctx():
        cs.change_request_reject(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            change_request=cr4,
            note="No",
            at=at("2026-03-04"),
        )

        stats = selectors.baseline_change_stats(access=access(org_a, "pmo"))

    def rows(group: list[selectors.ChangeRow]) -> list[tuple[Any, int, Decimal, int]]:
        return [(r.key, r.count, r.cost_delta, r.finish_delta_days) for r in group]

    assert rows(stats.by_project) == [(a.pk, 2, Decimal(10_000), 14), (b.pk, 2, Decimal(-3000), 7)]
    assert [r.label for r in stats.by_project] == [f"P-A {a.name}", f"P-B {b.name}"]
    assert rows(stats.by_month) == [
        ("2026-01", 2, Decimal(5000), 0),
        ("2026-02", 1, Decimal(0), 14),
        ("2026-03", 1, Decimal(2000), 7),
    ]
    assert sorted(rows(stats.by_category)) == [
        ("cost", 2, Decimal(5000), 0),
        ("other", 1, Decimal(2000), 7),
        ("schedule", 1, Decimal(0), 14),
    ]
    assert (stats.total.count, stats.total.cost_delta, stats.total.finish_delta_days) == (4, Decimal(7000), 21)
    # Cycle times: cr1 0 days, cr2 4 days, cr3 (29th 23:00 → 31st 23:30) 2.02 days, cr4 3 days → 9.02 / 4.
    assert stats.decided_requests == 4
    assert stats.cycle_time_days == Decimal("2.3")

    with org_a.ctx():
        february = selectors.baseline_change_stats(
            access=access(org_a, "pmo"), since=dt.date(2026, 2, 1), until=dt.date(2026, 2, 1)
        )
    assert rows(february.by_month) == [("2026-02", 1, Decimal(0), 14)]
    assert (february.total.count, february.decided_requests, february.cycle_time_days) == (1, 1, Decimal("4.0"))


def test_statistics_only_count_projects_the_actor_may_read(org_a: OrgWorld, org_b: OrgWorld) -> None:
    visible = cr_project(org_a, code="VIS")
    hidden = cr_project(org_a, code="HID", readers=())
    with org_a.ctx():
        Project.objects.filter(pk=hidden.pk).update(manager=None)
    bring_to(org_a, raise_cr(org_a, visible, cost=100), "approved")
    bring_to(org_a, raise_cr(org_a, hidden, actor="admin", cost=200), "approved")
    bring_to(org_b, raise_cr(org_b, cr_project(org_b, code="B-1"), cost=300), "approved")

    with org_a.ctx():
        member = selectors.baseline_change_stats(access=access(org_a, "member"))
        pmo = selectors.baseline_change_stats(access=access(org_a, "pmo"))

    assert [(r.key, r.cost_delta) for r in member.by_project] == [(visible.pk, Decimal(100))]
    assert pmo.total.cost_delta == Decimal(300)  # 100 + 200, nothing of beta
