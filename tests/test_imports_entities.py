"""Each importable entity, CSV and XLSX: what a clean file creates (through the app's service, so permissions and
history are the service's), what each kind of bad row is told (row, column, words), headers in Chinese, errors in
Chinese, all or nothing, and validation queries that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from pmo.imports import services
from pmo.imports.models import ImportBatch
from pmo.imports.services import Outcome
from portfolio.models import Portfolio, Programme
from projects.models import Milestone, ProcessTemplate, Project, ProjectPhase
from projects.selectors import project_can_change
from projects.services import project_create, templates_install_builtin
from resources import allocations
from resources import services as resource_services
from resources.models import Allocation, Person, PersonSkill
from risks.models import Risk
from tests.conftest import OrgWorld
from tests.test_imports_support import csv_bytes, snapshot, xlsx_bytes


def preview(
    world: OrgWorld, entity: str, name: str, content: bytes, *, role: str = "pmo", language: str = "en"
) -> Outcome:
    with world.ctx(), translation.override(language):
        return services.batch_create(
            organization=world.organization, actor=world.users[role], entity=entity, file_name=name, content=content
        )


def commit(world: OrgWorld, batch: ImportBatch, *, role: str = "pmo") -> Outcome:
    with world.ctx():
        return services.batch_commit(organization=world.organization, actor=world.users[role], batch=batch)


def problems(outcome: Outcome) -> dict[tuple[int, str], str]:
    return {(error.line, error.column): error.message for error in outcome.errors}


def make_file(fmt: str, header: list[str], rows: list[list[Any]]) -> tuple[str, bytes]:
    return (f"data.{fmt}", xlsx_bytes(header, rows) if fmt == "xlsx" else csv_bytes(header, rows))


def access_of(world: OrgWorld, role: str) -> Any:
    from projects.changes.services import actor_access

    return actor_access(organization=world.organization, actor=world.users[role])


# --- Projects -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_projects_are_created_by_the_project_service(org_a: OrgWorld, fmt: str) -> None:
    with org_a.ctx():
        templates_install_builtin(organization=org_a.organization)
        standard = ProcessTemplate.objects.get(organization=org_a.organization, is_builtin=True, kind="standard")
    header = ["Code", "Project name", "Project status", "Priority", "Portfolio", "Manager", "Sponsor",
              "Planned start", "Planned finish", "Budget", "Tags", "Description"]  # fmt: skip
    rows = [
        ["NEW-1", "Portal relaunch", "Active", "高", "alpha portfolio", org_a.users["manager"].email.upper(),
         org_a.users["executive"].email, "2027-01-04", "2027/06/30", "1,250,000.50", "digital，customer", "Why"],
        ["", "Second", "", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    outcome = preview(org_a, "projects", *make_file(fmt, header, rows))
    assert outcome.ok, outcome.errors
    done = commit(org_a, outcome.batch)
    assert done.ok and done.batch.imported_count == 2
    with org_a.ctx():
        first = Project.objects.get(organization=org_a.organization, code="NEW-1")
        second = Project.objects.get(organization=org_a.organization, pk=done.batch.imported_ids[1])
        assert (first.name, first.status, first.priority) == ("Portal relaunch", "active", Project.Priority.HIGH)
        assert (first.manager, first.sponsor) == (org_a.users["manager"], org_a.users["executive"])
        assert (first.planned_start, first.planned_finish) == (dt.date(2027, 1, 4), dt.date(2027, 6, 30))
        assert first.budget_at_completion == Decimal("1250000.50") and first.tags == ["digital", "customer"]
        assert first.portfolio == org_a.projects[0].portfolio and first.template == standard
        # What project_create does: phases from the template, the first one active, baseline v1, the manager's rights.
        assert first.current_phase is not None and first.baselines.count() == 1
        assert project_can_change(access=access_of(org_a, "manager"), project=first)
        assert second.code == "PRJ-001" and second.status == "planning" and second.budget_at_completion == 0


def test_project_rows_that_are_refused(org_a: OrgWorld, org_b: OrgWorld) -> None:
    with org_a.ctx():
        other = Portfolio.objects.create(organization=org_a.organization, name="Other portfolio")
        Programme.objects.create(organization=org_a.organization, portfolio=other, name="Elsewhere")
    header = ["Code", "Project name", "Project status", "Portfolio", "Programme", "Manager", "Planned start",
              "Planned finish", "Budget"]  # fmt: skip
    rows = [
        ["ALPHA-0", "Taken code", "", "", "", "", "", "", ""],  # row 2
        ["DUP", "First", "", "", "", "", "", "", ""],  # row 3
        ["DUP", "Second", "", "", "", "", "", "", ""],  # row 4
        ["X-1", "Dates", "", "", "", "", "2027-06-01", "2027-01-01", ""],  # row 5
        ["X-2", "Programme", "", "alpha portfolio", "Elsewhere", "", "", "", ""],  # row 6
        ["X-3", "Outsider", "Closed", "Nowhere", "", org_b.users["manager"].email, "", "", "-5"],  # row 7
        ["X-4", "", "", "", "", "", "31.12.2027", "", "12,5"],  # row 8
    ]
    outcome = preview(org_a, "projects", *make_file("xlsx", header, rows))
    found = problems(outcome)
    assert found == {
        (2, "code"): "A project with this code exists already.",
        (4, "code"): "Row 3 has this code already.",
        (5, "planned_finish"): "The planned finish cannot be before the planned start.",
        (6, "programme"): "The programme belongs to another portfolio.",
        (7, "status"): "Choose one of: Proposed, Planning, Active.",
        (7, "portfolio"): "No portfolio is called Nowhere.",
        (7, "manager"): f"No member of the organisation has the e-mail {org_b.users['manager'].email}.",
        (7, "budget_at_completion"): "Give a number from 0 to 99999999999999.99, e.g. 1234.5.",
        (8, "name"): "A value is required.",
        (8, "planned_start"): "Give a date, e.g. 2026-11-30.",
        (8, "budget_at_completion"): "Give a number from 0 to 99999999999999.99, e.g. 1234.5.",
    }
    cells = {(error.line, error.column): f"{error.letter}{error.line}" for error in outcome.errors}
    assert cells[(7, "manager")] == "F7" and cells[(8, "planned_start")] == "G8"


# --- People -------------------------------------------------------------------------------------------------------


def catalogue(world: OrgWorld) -> None:
    with world.ctx():
        resource_services.department_create(organization=world.organization, actor=world.users["pmo"], name="工程部")
        for name in ("Python", "SQL"):
            resource_services.skill_create(organization=world.organization, actor=world.users["pmo"], name=name)


def test_people_from_a_gb18030_csv_with_chinese_headers(org_a: OrgWorld) -> None:
    catalogue(org_a)
    header = ["姓名", "电子邮箱", "部门", "岗位", "产能(每周小时数)", "每小时成本费率", "技能"]
    rows = [
        ["李娜", "li.na@alpha.test", "工程部", "开发", "32", "300", "python：4，SQL"],
        ["Member of alpha", org_a.users["member"].email, "", "", "", "", ""],
    ]
    outcome = preview(org_a, "people", "人员.csv", csv_bytes(header, rows, encoding="gb18030"), language="zh-hans")
    assert outcome.ok, outcome.errors
    assert commit(org_a, outcome.batch).ok
    with org_a.ctx():
        li = Person.objects.select_related("department").get(organization=org_a.organization, email="li.na@alpha.test")
        member = Person.objects.get(organization=org_a.organization, full_name="Member of alpha")
        levels = dict(PersonSkill.objects.filter(person=li).values_list("skill__name", "level"))
    assert (li.full_name, li.department.name if li.department else None, li.job_role) == ("李娜", "工程部", "开发")
    assert (li.weekly_capacity, li.cost_rate, li.user_id) == (Decimal(32), Decimal(300), None)
    assert levels == {"Python": 4, "SQL": PersonSkill.Level.WORKING}
    # The e-mail of a member links the person to them; capacity defaults to 40 hours.
    assert (member.user_id, member.weekly_capacity, member.active) == (org_a.users["member"].pk, Decimal(40), True)


def test_people_rows_that_are_refused(org_a: OrgWorld) -> None:
    catalogue(org_a)
    with org_a.ctx():
        resource_services.person_create(
            organization=org_a.organization, actor=org_a.users["pmo"], full_name="Existing", email="taken@alpha.test"
        )
    header = ["Full name", "E-mail", "Department", "Capacity (hours per week)", "Skills", "Active"]
    rows = [
        ["A", "TAKEN@alpha.test", "Marketing", "200", "Cobol", "maybe"],  # row 2
        ["B", "not an e-mail", "", "", "Python:7", ""],  # row 3
        ["C", "c@alpha.test", "", "", "", ""],  # row 4
        ["D", "C@alpha.test", "", "", "", "no"],  # row 5
    ]
    found = problems(preview(org_a, "people", *make_file("csv", header, rows)))
    assert found == {
        (2, "email"): "A person with this e-mail exists already.",
        (2, "department"): "No department is called Marketing: add it to the catalogue first.",
        (2, "weekly_capacity"): "Give the capacity in hours per week, from 0 to 168.",
        (2, "skills"): "No skill is called Cobol: add it to the catalogue first.",
        (2, "active"): "Write yes or no.",
        (3, "email"): "Give a valid e-mail address.",
        (3, "skills"): "The level of Python must be a whole number from 1 to 5.",
        (5, "email"): "Row 4 has this e-mail already.",
    }


# --- Allocations --------------------------------------------------------------------------------------------------


def people(world: OrgWorld) -> dict[str, Person]:
    with world.ctx():
        made = {
            name: resource_services.person_create(
                organization=world.organization, actor=world.users["pmo"], full_name=name, email=email
            )
            for name, email in (("Ann", "ann@alpha.test"), ("Bob", "bob@alpha.test"), ("Bob", "bob2@alpha.test"))
        }
        made["Idle"] = resource_services.person_create(
            organization=world.organization, actor=world.users["pmo"], full_name="Idle", active=False
        )
    return made


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_allocations_by_email_or_name_and_iso_week_or_monday(org_a: OrgWorld, fmt: str) -> None:
    people(org_a)
    header = ["Person", "Project", "From week", "To week", "Hours per week", "Role"]
    rows = [
        ["ann@alpha.test", "ALPHA-0", "2027-W02", "2027-W05", "20", "Developer"],
        ["Ann", "alpha-1", "2027-01-11", "2027-01-25", "7.5", ""],
    ]
    outcome = preview(org_a, "allocations", *make_file(fmt, header, rows))
    assert outcome.ok, outcome.errors
    assert commit(org_a, outcome.batch).ok
    with org_a.ctx():
        made = list(
            Allocation.objects.filter(organization=org_a.organization)
            .order_by("pk")
            .values_list("person__email", "project__code", "start_week", "end_week", "hours_per_week", "role")
        )
    assert made == [
        ("ann@alpha.test", "ALPHA-0", dt.date(2027, 1, 11), dt.date(2027, 2, 1), Decimal(20), "Developer"),
        ("ann@alpha.test", "ALPHA-1", dt.date(2027, 1, 11), dt.date(2027, 1, 25), Decimal("7.50"), ""),
    ]


def test_allocation_rows_that_are_refused(org_a: OrgWorld, org_b: OrgWorld) -> None:
    staff = people(org_a)
    with org_a.ctx():
        allocations.allocation_create(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            person=staff["Ann"],
            project=org_a.projects[0],
            start_week=dt.date(2027, 1, 4),
            end_week=dt.date(2027, 1, 25),
            hours_per_week=10,
        )
    header = ["Person", "Project", "From week", "To week", "Hours per week"]
    rows = [
        ["ann@alpha.test", "ALPHA-0", "2027-W03", "2027-W03", "8"],  # row 2: overlaps the stored one
        ["Bob", "ALPHA-1", "2027-W03", "2027-W03", "8"],  # row 3: two Bobs
        ["Idle", "ALPHA-1", "2027-01-12", "2027-W01", "0.2"],  # row 4
        ["bob@alpha.test", "BETA-0", "2027-W10", "2027-W08", "8"],  # row 5: another organisation's project
        ["bob@alpha.test", "ALPHA-2", "2027-W10", "2027-W12", "8"],  # row 6
        ["bob@alpha.test", "ALPHA-2", "2027-W12", "2027-W13", "8"],  # row 7: overlaps row 6
        ["nobody@alpha.test", "ALPHA-2", "2027-W99", "2027-W12", "8"],  # row 8
    ]
    found = problems(preview(org_a, "allocations", *make_file("xlsx", header, rows)))
    assert found == {
        (2, "start_week"): "Ann is already allocated to ALPHA-0 from 2027-W01 to 2027-W04: change that allocation "
        "instead of adding an overlapping one.",
        (3, "person"): "2 people are called Bob: give the e-mail.",
        (4, "person"): "Idle is inactive and cannot be allocated.",
        (4, "start_week"): "A week starts on a Monday: 2027-01-12 is not one (its week is 2027-W02).",
        (4, "hours_per_week"): "Give the hours per week between 0.5 and 168.",
        (5, "project"): "Project BETA-0 not found or not yours.",
        (5, "end_week"): "The last week cannot be before the first week.",
        (7, "start_week"): "Row 6 allocates Bob to ALPHA-2 in some of these weeks already.",
        (8, "person"): "No person has the e-mail or name nobody@alpha.test.",
        (8, "start_week"): "Give the week as an ISO week, e.g. 2026-W47.",
    }
    # The same file as the project's manager: only ALPHA-0 is theirs.
    found = problems(preview(org_a, "allocations", *make_file("xlsx", header, rows), role="manager"))
    assert found[(3, "project")] == "Project ALPHA-1 not found or not yours."
    assert found[(6, "project")] == "Project ALPHA-2 not found or not yours."
    assert found[(5, "project")] == "Project BETA-0 not found or not yours."


# --- Risks --------------------------------------------------------------------------------------------------------


def test_risks_with_chinese_headers_and_labels_and_errors_in_chinese(org_a: OrgWorld) -> None:
    header = ["项目", "标题", "分类", "概率", "影响", "应对策略", "负责人", "临近日期"]
    good = ["ALPHA-0", "供应商延期交货", "技术", "3", "4", "规避", org_a.users["manager"].email, "2027年3月31日"]
    bad = ["ALPHA-0", "概率超出", "技术", "9", "4", "", "", "下周"]
    outcome = preview(org_a, "risks", "风险.xlsx", xlsx_bytes(header, [good, bad]), role="manager", language="zh-hans")
    assert problems(outcome) == {
        (3, "probability"): "请按 1 到 5 评分（本组织的评分等级）。",
        (3, "proximity"): "请填写日期，例如 2026-11-30。",
    }
    outcome = preview(org_a, "risks", "风险.xlsx", xlsx_bytes(header, [good]), role="manager", language="zh-hans")
    assert commit(org_a, outcome.batch, role="manager").ok
    with org_a.ctx():
        risk = Risk.objects.get(organization=org_a.organization)
    assert (risk.title, risk.category, risk.probability, risk.impact, risk.strategy) == (
        "供应商延期交货",
        "technical",
        3,
        4,
        "avoid",
    )
    assert (risk.project_id, risk.owner_id, risk.proximity, risk.number) == (
        org_a.projects[0].pk,
        org_a.users["manager"].pk,
        dt.date(2027, 3, 31),
        1,
    )


def test_portfolio_level_risks_need_portfolio_management(org_a: OrgWorld) -> None:
    header = ["Project", "Portfolio", "Title", "Category", "Probability", "Impact"]
    rows = [
        ["", "alpha portfolio", "Market shift", "external", "2", "5"],  # row 2
        ["", "", "Nowhere", "cost", "1", "1"],  # row 3
        ["ALPHA-0", "alpha portfolio", "Both", "cost", "1", "1"],  # row 4
    ]
    found = problems(preview(org_a, "risks", *make_file("csv", header, rows)))
    assert found == {
        (3, "project"): "Choose a project, or a portfolio for a portfolio-level item.",
        (4, "portfolio"): "Give the project or the portfolio, not both.",
    }
    as_manager = problems(preview(org_a, "risks", *make_file("csv", header, rows[:1]), role="manager"))
    assert as_manager == {(2, "portfolio"): "Portfolio alpha portfolio not found or not yours."}
    outcome = preview(org_a, "risks", *make_file("csv", header, rows[:1]))
    assert commit(org_a, outcome.batch).ok
    with org_a.ctx():
        risk = Risk.objects.get(organization=org_a.organization)
    assert (risk.project_id, risk.portfolio_id, risk.score) == (None, org_a.projects[0].portfolio_id, 10)


# --- Milestones ---------------------------------------------------------------------------------------------------


def staged_project(world: OrgWorld) -> Project:
    with world.ctx():
        templates_install_builtin(organization=world.organization)
        template = ProcessTemplate.objects.get(organization=world.organization, is_builtin=True, kind="standard")
        return project_create(
            organization=world.organization,
            actor=world.users["pmo"],
            name="Staged",
            code="STAGED",
            template=template,
            manager=world.users["manager"],
            planned_start=dt.date(2027, 1, 4),
            planned_finish=dt.date(2027, 12, 31),
        )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_milestones_go_to_the_end_of_the_project_with_their_phase(org_a: OrgWorld, fmt: str) -> None:
    project = staged_project(org_a)
    with org_a.ctx():
        phase = ProjectPhase.objects.filter(organization=org_a.organization, project=project).order_by("order")[1]
        existing = Milestone.objects.filter(organization=org_a.organization, project=project).count()
    header = ["Project", "Milestone", "Phase", "Forecast date", "Actual date", "Weight"]
    rows = [["staged", "Pilot go-live", phase.name.upper(), "2027-05-31", "", "3"]]
    outcome = preview(org_a, "milestones", *make_file(fmt, header, rows), role="manager")
    assert outcome.ok, outcome.errors
    assert commit(org_a, outcome.batch, role="manager").ok
    with org_a.ctx():
        added = Milestone.objects.get(organization=org_a.organization, project=project, name="Pilot go-live")
    assert (added.phase_id, added.forecast_date, added.weight, added.baseline_date) == (
        phase.pk,
        dt.date(2027, 5, 31),
        3,
        None,
    )
    assert added.order == existing + 1


def test_milestone_rows_that_are_refused(org_a: OrgWorld) -> None:
    project = staged_project(org_a)
    with org_a.ctx():
        taken = Milestone.objects.filter(organization=org_a.organization, project=project).first()
        assert taken is not None
        Project.objects.filter(organization=org_a.organization, pk=org_a.projects[1].pk).update(status="closed")
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    header = ["Project", "Milestone", "Phase", "Actual date", "Weight"]
    rows = [
        ["STAGED", taken.name, "", "", ""],  # row 2
        ["STAGED", "New", "No such phase", future, "101"],  # row 3
        ["STAGED", "New", "", "", ""],  # row 4
        ["ALPHA-1", "Late", "", "", ""],  # row 5: closed
        ["ALPHA-2", "Not mine", "", "", ""],  # row 6
    ]
    found = problems(preview(org_a, "milestones", *make_file("xlsx", header, rows), role="manager"))
    assert found == {
        (2, "name"): "This project has a milestone of that name already.",
        (3, "phase"): "STAGED has no phase called No such phase.",
        (3, "actual_date"): "An actual date cannot lie in the future.",
        (3, "weight"): "A weight between 1 and 100.",
        (4, "name"): "Row 3 has this milestone already.",
        (5, "project"): "Project ALPHA-1 not found or not yours.",
        (6, "project"): "Project ALPHA-2 not found or not yours.",
    }
    # The PMO may change every project: a closed one it can see is named as read-only.
    found = problems(preview(org_a, "milestones", *make_file("xlsx", header, rows[3:4])))
    assert found == {(2, "project"): "Project ALPHA-1 is closed or cancelled: it is read-only."}


# --- Headers ------------------------------------------------------------------------------------------------------


def test_header_problems_are_one_clear_error_each_and_rows_wait(org_a: OrgWorld) -> None:
    header = ["project", "TITLE", "Colour", "", "Title", "Impact"]
    rows = [["ALPHA-0", "x", "red", "stray", "x", "9"]]
    outcome = preview(org_a, "risks", *make_file("xlsx", header, rows))
    messages = [(error.line, error.letter, error.message) for error in outcome.errors]
    assert messages[0][:2] == (1, "C") and messages[0][2].startswith("Unknown column “Colour”: use the headers")
    assert messages[1:] == [
        (1, "D", "Column D has values but no header."),
        (1, "E", "The column “Title” appears twice (columns B and E)."),
        (1, "", "The required column “Category” is missing."),
        (1, "", "The required column “Probability” is missing."),
    ]
    assert outcome.batch.status == "previewed" and outcome.error_count == 5


def test_no_two_columns_share_a_header_in_any_language() -> None:
    from pmo.imports.registry import entity_specs
    from pmo.imports.specs import header_key, in_every_language

    for spec in entity_specs().values():
        seen: dict[str, str] = {}
        for column in spec.columns:
            for text in {column.key, *in_every_language(column.header)}:
                owner = seen.setdefault(header_key(text), column.key)
                assert owner == column.key, (spec.key, text, owner, column.key)


# --- All or nothing -----------------------------------------------------------------------------------------------


def test_a_row_refused_by_the_service_on_commit_leaves_nothing(
    org_a: OrgWorld, org_b: OrgWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation cannot foresee everything a service checks under its locks: when the bulk service refuses the
    last row (after writing the others, here), everything is rolled back, the batch failed with that row named."""
    from django.core.exceptions import ValidationError

    from pmo.core.bulk import RowRefused
    from risks import services as risk_services

    real = risk_services.risks_create_many

    def refuse_the_last(**kwargs: Any) -> list[Risk]:
        real(**kwargs)
        last = [new.title for new in kwargs["risks"]].index("Risk 30")
        raise RowRefused(last, ValidationError({"title": ["Refused under the lock."]}))

    header = ["Project", "Title", "Category", "Probability", "Impact"]
    rows = [["ALPHA-0", f"Risk {n}", "cost", "2", "2"] for n in range(1, 31)]
    outcome = preview(org_a, "risks", *make_file("xlsx", header, rows))
    assert outcome.ok
    before = snapshot(org_a, org_b)
    monkeypatch.setattr(risk_services, "risks_create_many", refuse_the_last)
    failed = commit(org_a, outcome.batch)
    assert [(error.line, error.column, error.message) for error in failed.errors] == [
        (31, "title", "Refused under the lock.")
    ]
    after = snapshot(org_a, org_b)
    assert after["risks"] == before["risks"] == []
    with org_a.ctx():
        assert ImportBatch.objects.get(pk=outcome.batch.pk).status == "failed"


def test_a_row_that_became_invalid_since_the_preview_stops_the_import(org_a: OrgWorld) -> None:
    header = ["Project", "Title", "Category", "Probability", "Impact"]
    rows = [["ALPHA-0", "First", "cost", "2", "2"], ["ALPHA-1", "Last", "cost", "2", "2"]]
    outcome = preview(org_a, "risks", *make_file("csv", header, rows))
    assert outcome.ok
    with org_a.ctx():
        Project.objects.filter(organization=org_a.organization, pk=org_a.projects[1].pk).update(status="cancelled")
    failed = commit(org_a, outcome.batch)
    assert problems(failed) == {(3, "project"): "Project ALPHA-1 is closed or cancelled: it is read-only."}
    with org_a.ctx():
        assert not Risk.objects.filter(organization=org_a.organization).exists()
        assert ImportBatch.objects.get(pk=outcome.batch.pk).error_count == 1
    with pytest.raises(services.ImportConflict):
        commit(org_a, outcome.batch)


# --- Queries ------------------------------------------------------------------------------------------------------

FILES: dict[str, tuple[list[str], Any]] = {
    "projects": (["Code", "Project name", "Portfolio", "Manager"],
                 lambda w, n: [f"N-{n}", f"P {n}", "alpha portfolio", w.users["manager"].email]),
    "people": (["Full name", "E-mail", "Department", "Skills"],
               lambda w, n: [f"Person {n}", f"p{n}@alpha.test", "工程部", "Python:3"]),
    "allocations": (["Person", "Project", "From week", "To week", "Hours per week"],
                    lambda w, n: ["ann@alpha.test" if n % 2 else "Bob", "ALPHA-0", f"2027-W{n // 2 + 1:02d}",
                                  f"2027-W{n // 2 + 1:02d}", "4"]),
    "risks": (["Project", "Title", "Category", "Probability", "Impact", "Owner"],
              lambda w, n: ["ALPHA-0", f"R {n}", "cost", "2", "3", w.users["pmo"].email]),
    "milestones": (["Project", "Milestone", "Phase", "Forecast date"],
                   lambda w, n: ["STAGED", f"M {n}", "", "2027-06-30"]),
}  # fmt: skip


@pytest.mark.parametrize("entity", list(FILES))
def test_validation_queries_do_not_grow_with_the_rows(org_a: OrgWorld, entity: str) -> None:
    catalogue(org_a)
    with org_a.ctx():
        resource_services.person_create(
            organization=org_a.organization, actor=org_a.users["pmo"], full_name="Ann", email="ann@alpha.test"
        )
        resource_services.person_create(organization=org_a.organization, actor=org_a.users["pmo"], full_name="Bob")
    staged_project(org_a)
    header, make = FILES[entity]
    # A first validation creates what is created on first use (the organisation's risk settings).
    preview(org_a, entity, "data.xlsx", xlsx_bytes(header, [make(org_a, 99)]))
    counts = []
    for size in (3, 60):
        content = xlsx_bytes(header, [make(org_a, n) for n in range(size)])
        with CaptureQueriesContext(connection) as queries:
            outcome = preview(org_a, entity, "data.xlsx", content)
        assert outcome.ok, (entity, outcome.errors[:3])
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_names_stored_with_full_width_forms_are_found_as_typed(org_a: OrgWorld) -> None:
    with org_a.ctx():
        Portfolio.objects.create(organization=org_a.organization, name="数字化（一期）")
    header = ["Project name", "Portfolio"]
    outcome = preview(org_a, "projects", "p.csv", csv_bytes(header, [["A", "数字化（一期）"], ["B", "数字化(一期)  "]]))
    assert outcome.ok, outcome.errors
    portfolios = {row.values["portfolio"].name for row in outcome.validation.rows} if outcome.validation else set()
    assert portfolios == {"数字化（一期）"}
