"""What importing a Microsoft Project plan does to a project (``projects.msproject.services``): phases and
milestones with the file's dates, baseline v1 from the file for a project without one, an existing baseline kept
(the differences said), matching by UID then name so that a second import updates instead of duplicating, new
phases placed in the file's order but never before a started one, and every refusal leaving the project as it
was."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import Baseline, GateReview, Milestone, MilestoneEvent, PlanImport, Project, ProjectPhase
from projects.msproject import services
from projects.msproject.parser import parse_mspdi
from projects.services import ProjectReadOnly, milestone_create
from tests.conftest import OrgWorld
from tests.factories_projects import lifecycle_project, pass_current_phase, project_state
from tests.msproject_sample import MILESTONES_EN, PHASES_EN, Row, build_xml, reference_rows, renamed, sample_xml

D = dt.date.fromisoformat


def build(world: OrgWorld, project: Project, data: bytes) -> services.ImportPlan:
    with world.ctx():
        return services.plan_build(organization=world.organization, project=project, parsed=parse_mspdi(data))


def apply(world: OrgWorld, project: Project, data: bytes, **kwargs: Any) -> services.ImportPlan:
    with world.ctx():
        return services.plan_apply(
            organization=world.organization,
            actor=world.users["manager"],
            project=project,
            parsed=parse_mspdi(data),
            file_name="crm.xml",
            **kwargs,
        )


def phases_of(world: OrgWorld, project: Project) -> list[tuple[str, dt.date | None, dt.date | None, str]]:
    with world.ctx():
        return list(
            ProjectPhase.objects.filter(project=project)
            .order_by("order")
            .values_list("name", "planned_start", "planned_finish", "status")
        )


def milestones_of(world: OrgWorld, project: Project) -> dict[str, tuple[Any, ...]]:
    with world.ctx():
        return {
            m.name: (m.phase.name if m.phase else None, m.forecast_date, m.baseline_date, m.actual_date)
            for m in Milestone.objects.filter(project=project).select_related("phase")
        }


def texts(plan: services.ImportPlan) -> list[str]:
    return [notice.text for notice in plan.notices]


# --- A project without a plan or baseline -----------------------------------------------------------------------


def test_a_project_without_a_plan_gets_phases_milestones_and_baseline_v1(org_a: OrgWorld) -> None:
    project = org_a.projects[0]

    plan = apply(org_a, project, sample_xml())

    assert plan.counts == {
        "phases_created": 5,
        "phases_updated": 0,
        "phases_unchanged": 0,
        "milestones_created": 6,
        "milestones_updated": 0,
        "milestones_unchanged": 0,
        "tasks_skipped": 18,
        "links_skipped": 20,
        "gates_planned": 0,
    }
    phases = phases_of(org_a, project)
    assert [name for name, *_ in phases] == PHASES_EN
    assert phases[0] == ("Initiation", D("2026-09-07"), D("2026-09-14"), "active")
    assert phases[3] == ("Testing and acceptance", D("2026-11-04"), D("2026-11-20"), "not_started")
    milestones = milestones_of(org_a, project)
    assert list(milestones) == MILESTONES_EN or set(milestones) == set(MILESTONES_EN)
    assert milestones["Charter approved"] == ("Initiation", D("2026-09-14"), D("2026-09-14"), D("2026-09-14"))
    assert milestones["Build complete"] == ("Execution", D("2026-11-03"), D("2026-11-03"), None)
    assert milestones["Go-live"][0] == "Closure"
    with org_a.ctx():
        refreshed = Project.objects.get(pk=project.pk)
        baseline = Baseline.objects.get(project=project)
        first = ProjectPhase.objects.get(project=project, order=1)
        assert refreshed.current_phase_id == first.pk
        assert (refreshed.planned_start, refreshed.planned_finish) == (D("2026-09-07"), D("2026-12-08"))
        assert baseline.version == 1 and baseline.reason_category == "initial"
        assert "crm.xml" in baseline.reason
        assert (baseline.start_date, baseline.finish_date) == (D("2026-09-07"), D("2026-12-08"))
        assert {m["name"]: m["date"] for m in baseline.milestone_dates}["UAT sign-off"] == "2026-11-20"
        assert [(p["name"], p["start"], p["finish"]) for p in baseline.phase_dates][1] == (
            "Planning",
            "2026-09-15",
            "2026-09-30",
        )
        assert ProjectPhase.objects.get(project=project, name="Planning").baseline_finish == D("2026-09-30")
        # The audited table keeps the history of every write.
        assert MilestoneEvent.objects.filter(pgh_obj_id__in=Milestone.objects.values("pk")).count() >= 6


def test_importing_the_same_file_again_changes_nothing(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    apply(org_a, project, sample_xml())
    with org_a.ctx():
        before = project_state(org_a, project)

    plan = build(org_a, project, sample_xml())
    again = apply(org_a, project, sample_xml())

    assert plan.changes == again.changes == 0
    assert {row.match for row in again.phases + again.milestones} == {"uid"}
    assert again.counts["phases_unchanged"] == 5 and again.counts["milestones_unchanged"] == 6
    assert project_state(org_a, project) == before


def test_a_later_version_of_the_plan_updates_what_it_imported(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    apply(org_a, project, sample_xml())
    rows = renamed(renamed(reference_rows(slip=4), "Go-live", "Go-live (wave 1)"), "Closure", "Close-out")

    plan = apply(org_a, project, build_xml(rows))

    assert plan.counts["phases_created"] == plan.counts["milestones_created"] == 0
    milestones = milestones_of(org_a, project)
    assert "Go-live" not in milestones and len(milestones) == 6
    # Slipped by four working days from Execution on; the baseline stays v1's.
    assert milestones["Build complete"] == ("Execution", D("2026-11-09"), D("2026-11-03"), None)
    assert milestones["Go-live (wave 1)"][0] == "Close-out"
    assert [name for name, *_ in phases_of(org_a, project)][-1] == "Close-out"
    with org_a.ctx():
        assert Baseline.objects.filter(project=project).count() == 1
    assert plan.baseline_action == "keep" and plan.baseline_differences == 0


def test_a_file_of_another_project_matches_by_name_only(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    apply(org_a, project, sample_xml())
    other = sample_xml().replace(b"6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", b"00000000-1111-2222-3333-444444444444")

    plan = build(org_a, project, other)

    assert {row.match for row in plan.milestones} == {"name"}
    assert plan.counts["milestones_created"] == 0


# --- A project on a lifecycle template, with baseline v1 ----------------------------------------------------------


def test_a_lifecycle_project_keeps_its_phases_and_its_baseline(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a, start=dt.date(2026, 9, 1))
    with org_a.ctx():
        template_milestones = set(Milestone.objects.filter(project=project).values_list("name", "baseline_date"))
        baseline_before = list(Baseline.objects.filter(project=project).values())

    plan = apply(org_a, project, sample_xml())

    assert [(row.name, row.action, row.match) for row in plan.phases] == [
        ("Initiation", "update", "name"),
        ("Planning", "update", "name"),
        ("Execution", "update", "name"),
        ("Testing and acceptance", "create", ""),
        ("Closure", "update", "name"),
    ]
    phases = phases_of(org_a, project)
    assert [(name, status) for name, _s, _f, status in phases] == [
        ("Initiation", "active"),
        ("Planning", "not_started"),
        ("Execution", "not_started"),
        ("Testing and acceptance", "not_started"),
        ("Closure", "not_started"),
    ]
    assert phases[2][1:3] == (D("2026-10-01"), D("2026-11-03"))
    with org_a.ctx():
        # The pending gates are planned on their phase's finish.
        assert dict(GateReview.objects.filter(project=project).values_list("code", "planned_date")) == {
            "G1": D("2026-09-14"),
            "G2": D("2026-09-30"),
            "G3": D("2026-11-03"),
            "G4": D("2026-12-08"),
        }
        # The baseline is immutable: the same single version, and the template's milestones keep their dates.
        assert list(Baseline.objects.filter(project=project).values()) == baseline_before
        assert template_milestones <= set(
            Milestone.objects.filter(project=project).values_list("name", "baseline_date")
        )
    new = milestones_of(org_a, project)["Plan approved"]
    assert new == ("Planning", D("2026-09-30"), None, None)
    assert plan.counts["gates_planned"] == 4
    assert plan.baseline_action == "keep" and plan.baseline_version == 1
    assert plan.baseline_differences == 7  # six new milestones and the finish
    assert any("finishes on 2026-12-08" in text for text in texts(plan))


def test_a_new_phase_never_comes_before_a_started_one(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a)
    pass_current_phase(org_a, project)  # Planning is current now
    rows = [Row("Discovery", 1), Row("Interviews", 2, 3), Row("Initiation", 1), Row("Charter", 2, 2)]
    rows += [Row("Planning", 1), Row("Plan", 2, 2)]

    plan = apply(org_a, project, build_xml(rows))

    names = [name for name, *_ in phases_of(org_a, project)]
    assert names == ["Initiation", "Planning", "Discovery", "Execution", "Closure"]
    assert any("“Discovery” cannot come before “Planning”" in text for text in texts(plan))
    assert any("left as they are: Execution, Closure" in text for text in texts(plan))


def test_new_phases_are_placed_in_the_file_order(org_a: OrgWorld) -> None:
    project = lifecycle_project(org_a, status=Project.Status.PLANNING)
    rows = [Row("Initiation", 1), Row("a", 2, 1), Row("Pilot", 1), Row("b", 2, 1), Row("Execution", 1)]
    rows += [Row("c", 2, 1), Row("Rollout", 1), Row("d", 2, 1), Row("Closure", 1), Row("e", 2, 1)]

    apply(org_a, project, build_xml(rows))

    with org_a.ctx():
        ordered = list(ProjectPhase.objects.filter(project=project).order_by("order").values_list("order", "name"))
    assert ordered == [
        (1, "Initiation"),
        (2, "Pilot"),
        (3, "Planning"),
        (4, "Execution"),
        (5, "Rollout"),
        (6, "Closure"),
    ]


# --- Milestones ---------------------------------------------------------------------------------------------------


def test_a_complete_milestone_in_the_future_stays_open(org_a: OrgWorld) -> None:
    later = timezone.localdate() + dt.timedelta(days=60)
    rows = [Row("Phase", 1), Row("Work", 2, 2, percent=100), Row("Done early?", 2, 0, percent=100)]

    plan = apply(org_a, org_a.projects[0], build_xml(rows, start=later))

    assert milestones_of(org_a, org_a.projects[0])["Done early?"][3] is None
    assert any("Done early?" in text and "stays open" in text for text in texts(plan))


def test_milestones_of_the_same_name_are_told_apart(org_a: OrgWorld) -> None:
    rows = [Row("Phase A", 1), Row("w", 2, 1), Row("Review", 2), Row("Phase B", 1), Row("v", 2, 1), Row("Review", 2)]

    plan = apply(org_a, org_a.projects[0], build_xml(rows))

    assert sorted(milestones_of(org_a, org_a.projects[0])) == ["Review", "Review (6)"]
    assert any("imported as “Review (6)”" in text for text in texts(plan))
    # Importing again finds both again (by UID) instead of adding more.
    assert apply(org_a, org_a.projects[0], build_xml(rows)).changes == 0


def test_a_milestone_outside_any_phase_and_flagged_milestones_with_a_duration(org_a: OrgWorld) -> None:
    rows = [Row("Contract signed", 1), Row("Phase", 1), Row("Workshop", 2, 3, milestone=True)]

    plan = apply(org_a, org_a.projects[0], build_xml(rows))

    milestones = milestones_of(org_a, org_a.projects[0])
    assert milestones["Contract signed"][0] is None
    assert milestones["Workshop"][:2] == ("Phase", D("2026-09-09"))
    assert any("“Contract signed” is not inside a phase" in text for text in texts(plan))


def test_inactive_and_nameless_tasks_are_left_out(org_a: OrgWorld) -> None:
    rows = [Row("Phase", 1), Row("Cancelled scope", 2, 0, active=False), Row("", 2), Row("Kept", 2)]

    plan = apply(org_a, org_a.projects[0], build_xml(rows))

    assert set(milestones_of(org_a, org_a.projects[0])) == {"Kept"}
    assert "1 inactive task was left out." in texts(plan)
    assert any("has no name" in text for text in texts(plan))


# --- Refusals: nothing changes ---------------------------------------------------------------------------------


def test_a_name_clash_with_a_milestone_the_file_does_not_mention_is_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    rows = [Row("Phase", 1), Row("Alpha", 2)]
    apply(org_a, project, build_xml(rows))
    with org_a.ctx():
        milestone_create(organization=org_a.organization, actor=org_a.users["manager"], project=project, name="Beta")
        before = project_state(org_a, project)

    with pytest.raises(ValidationError) as refused:
        apply(org_a, project, build_xml(renamed(rows, "Alpha", "Beta")))

    assert "another milestone named “Beta”" in str(refused.value)
    assert project_state(org_a, project) == before


def test_a_file_with_nothing_to_import_is_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    with org_a.ctx():
        before = project_state(org_a, project)

    with pytest.raises(ValidationError) as refused:
        apply(org_a, project, build_xml([Row("Just a task", 1, 3), Row("Another", 1, 2)]))

    assert "nothing to import" in str(refused.value)
    assert project_state(org_a, project) == before


def test_a_stale_preview_is_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    digest = build(org_a, project, sample_xml()).digest
    with org_a.ctx():
        Milestone.objects.create(organization=org_a.organization, project=project, name="Go-live", order=1)
        before = project_state(org_a, project)

    with pytest.raises(services.PlanChanged):
        apply(org_a, project, sample_xml(), digest=digest)

    assert project_state(org_a, project) == before
    assert apply(org_a, project, sample_xml(), digest=build(org_a, project, sample_xml()).digest).changes


def test_a_closed_or_cancelled_project_is_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    with org_a.ctx():
        Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
        project.refresh_from_db()
        before = project_state(org_a, project)

    with pytest.raises(ProjectReadOnly):
        apply(org_a, project, sample_xml())
    with pytest.raises(ProjectReadOnly), org_a.ctx():
        services.plan_import_create(
            organization=org_a.organization, actor=org_a.users["pmo"], project=project, file_name="a.xml", data=b"x"
        )

    assert project_state(org_a, project) == before
    with org_a.ctx():
        assert not PlanImport.objects.exists()


def test_a_stored_import_is_imported_once(org_a: OrgWorld) -> None:
    project = org_a.projects[0]
    with org_a.ctx():
        stored = services.plan_import_create(
            organization=org_a.organization,
            actor=org_a.users["manager"],
            project=project,
            file_name="crm.xml",
            data=sample_xml(),
        )
    apply(org_a, project, sample_xml(), plan_import=stored)

    with pytest.raises(services.AlreadyImported):
        apply(org_a, project, sample_xml(), plan_import=stored)

    with org_a.ctx():
        stored.refresh_from_db()
        assert stored.status == "applied" and stored.applied_by == org_a.users["manager"]
        assert stored.result["milestones_created"] == 6 and stored.result["baseline_version"] == 1


def test_damaged_plans_are_refused_or_imported_never_a_crash(org_a: OrgWorld) -> None:
    """Fields of the sample blanked, swapped with another field's value or given odd values, one at a time: the
    import either refuses the file with a reason or goes through; never another error."""
    sample = sample_xml().decode()
    read = {"UID", "ID", "Name", "OutlineLevel", "OutlineNumber", "Summary", "Milestone", "Start", "Finish"}
    read |= {"Duration", "PercentComplete", "Active", "IsNull", "Number", "PredecessorUID", "Type", "Title", "GUID"}
    values = [(tag, value) for tag, value in re.findall(r"<(\w+)>([^<]*)</\1>", sample) if tag in read]
    odd = ["", "0", "-1", "1", "99999999999", "PT0H0M0S", "P1Y", "2026-02-30T08:00:00", "x" * 300, "名称", "1.5"]
    rng = random.Random(8)
    outcomes = {"refused": 0, "imported": 0}
    for _round in range(150):
        tag, _value = rng.choice(values)
        replacement = rng.choice(odd + [v for _t, v in rng.sample(values, 3)])
        occurrence = rng.randrange(sample.count(f"<{tag}>"))
        parts = sample.split(f"<{tag}>")
        _old, tail = parts[occurrence + 1].split(f"</{tag}>", 1)
        parts[occurrence + 1] = f"{escape(replacement)}</{tag}>{tail}"
        damaged = f"<{tag}>".join(parts).encode()
        try:
            with transaction.atomic(), org_a.ctx():
                parsed = services.read_upload(damaged)
                services.plan_apply(
                    organization=org_a.organization, actor=org_a.users["pmo"], project=org_a.projects[0], parsed=parsed
                )
                outcomes["imported"] += 1
                transaction.set_rollback(True)
        except ValidationError:
            outcomes["refused"] += 1
    assert outcomes["refused"] and outcomes["imported"], outcomes
