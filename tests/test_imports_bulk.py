"""The bulk services behind imports (``risks_create_many``, ``milestones_create_many``, ``people_create_many``,
``allocations_create_many``, ``projects_create_many``): a batch leaves the same rows and the same history as the
single-row services called row by row; the first row those would refuse is named with their exception and
nothing is written; two bulk risk imports at once never share a number; an import's queries do not grow with
its rows."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from pmo.core.bulk import RowRefused
from pmo.imports import services as imports
from portfolio.models import Portfolio, Programme
from projects import services as project_services
from projects.models import (
    Baseline,
    GateReview,
    Milestone,
    ProcessTemplate,
    Project,
    ProjectDeliverable,
    ProjectPhase,
    ProjectUserObjectPermission,
)
from projects.services import NewMilestone, NewProject, ProjectReadOnly
from resources import allocations as allocation_services
from resources import services as resource_services
from resources.allocations import NewAllocation
from resources.models import Allocation, Department, Person, PersonSkill, Skill
from resources.services import NewPerson
from risks import services as risk_services
from risks.models import Risk
from risks.services import NewRisk
from tests.conftest import OrgWorld
from tests.factories import ProjectFactory
from tests.test_imports_support import csv_bytes

# --- Comparing what two organisations hold ------------------------------------------------------------------------

# Columns that differ between two equal runs (keys, times, the audit context) or name the organisation.
IGNORED = {
    "id",
    "organization_id",
    "pgh_id",
    "pgh_obj_id",
    "pgh_created_at",
    "pgh_context",
    "pgh_context_id",
    "created_at",
    "updated_at",
    "last_reviewed_at",
    "started_at",
    "approved_at",
}
USER_COLUMNS = {"owner_id", "created_by_id", "escalated_by_id", "user_id", "approved_by_id", "manager_id", "sponsor_id"}


def _names(world: OrgWorld) -> dict[str, dict[Any, Any]]:
    """Each foreign key column → what its ids stand for, the same in every organisation."""
    org = world.organization
    projects = dict(Project.objects.filter(organization=org).values_list("pk", "code"))
    phases = {
        pk: (projects[project_id], key)
        for pk, project_id, key in ProjectPhase.objects.filter(organization=org).values_list("pk", "project_id", "key")
    }
    return {
        "users": {user.pk: role for role, user in world.users.items()},
        "project_id": projects,
        "content_object_id": projects,
        "phase_id": phases,
        "current_phase_id": phases,
        "person_id": dict(Person.objects.filter(organization=org).values_list("pk", "full_name")),
        "skill_id": dict(Skill.objects.filter(organization=org).values_list("pk", "name")),
        "department_id": dict(Department.objects.filter(organization=org).values_list("pk", "name")),
        "portfolio_id": dict(Portfolio.objects.filter(organization=org).values_list("pk", "name")),
        "programme_id": dict(Programme.objects.filter(organization=org).values_list("pk", "name")),
        "template_id": dict(ProcessTemplate.objects.filter(organization=org).values_list("pk", "kind")),
        "permission_id": dict(ProjectUserObjectPermission.objects.values_list("permission_id", "permission__codename")),
        "milestone": dict(Milestone.objects.filter(organization=org).values_list("pk", "name")),
    }


def _canon(world: OrgWorld, names: dict[str, dict[Any, Any]], row: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(world.slug.upper(), "ORG").replace(world.slug, "org")
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: names["milestone"][item] if key == "milestone" else plain(item) for key, item in value.items()}
        if isinstance(value, tuple):
            return tuple(plain(item) for item in value)
        return value

    canon = {}
    for column, value in row.items():
        if column in IGNORED:
            continue
        if column.endswith("_id") and value is not None:
            value = names["users" if column in USER_COLUMNS else column][value]
        canon[column] = plain(value)
    return canon


def holdings(world: OrgWorld, tracked: Iterable[type[models.Model]], since: dict[str, set[int]]) -> dict[str, Any]:
    """The rows of ``tracked`` created after ``since`` (``existing``), and their history, in comparable form."""
    with world.ctx():
        names = _names(world)
        held: dict[str, Any] = {}
        for model in tracked:
            label = model.__name__
            rows = model._default_manager.filter(organization=world.organization).exclude(pk__in=since[label])
            held[label] = [_canon(world, names, row) for row in rows.order_by("pk").values()]
            events = getattr(model, "pgh_event_model", None)
            if events is not None:
                history = events.objects.filter(pgh_obj_id__in=rows.values("pk")).order_by("pgh_obj_id", "pgh_id")
                held[f"{label} history"] = [_canon(world, names, row) for row in history.values()]
    return held


def existing(world: OrgWorld, tracked: Iterable[type[models.Model]]) -> dict[str, set[int]]:
    with world.ctx():
        return {
            model.__name__: set(
                model._default_manager.filter(organization=world.organization).values_list("pk", flat=True)
            )
            for model in tracked
        }


def arguments(item: Any) -> dict[str, Any]:
    """A ``New…`` row as the single service's keyword arguments."""
    return {field.name: getattr(item, field.name) for field in fields(item)}


def same_as_row_by_row(
    single_world: OrgWorld,
    bulk_world: OrgWorld,
    tracked: list[type[models.Model]],
    single: Callable[[OrgWorld], list[Any]],
    bulk: Callable[[OrgWorld], list[Any]],
) -> dict[str, Any]:
    """Run ``single`` (row by row) in one organisation and ``bulk`` in the other; both hold the same; what they hold."""
    before = existing(single_world, tracked), existing(bulk_world, tracked)
    with single_world.ctx():
        by_row = single(single_world)
    with bulk_world.ctx():
        in_bulk = bulk(bulk_world)
    assert len(by_row) == len(in_bulk)
    held = holdings(single_world, tracked, before[0])
    assert held == holdings(bulk_world, tracked, before[1])
    return held


def refusal(exc: Exception) -> Any:
    """What an exception says, comparable between two raises."""
    if isinstance(exc, ValidationError):
        return type(exc), exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return type(exc), str(exc)


def refused_alone(world: OrgWorld, call: Callable[[], Any]) -> Any:
    """The exception a single-row call raises, rolled back."""
    with world.ctx(), pytest.raises(Exception) as caught, transaction.atomic():
        call()
    return refusal(caught.value)


# --- Risks --------------------------------------------------------------------------------------------------------


def new_risks(world: OrgWorld) -> list[NewRisk]:
    projects, manager = world.projects, world.users["manager"]
    portfolio = projects[0].portfolio
    return [
        NewRisk(
            title=f" Risk {n} ",
            category=["schedule", "cost", "technical"][n % 3],
            probability=1 + n % 5,
            impact=1 + (n * 2) % 5,
            strategy=["mitigate", "accept"][n % 2],
            project=None if n == 4 else projects[n % 2],
            portfolio=portfolio if n == 4 else None,
            owner=manager if n % 3 else manager.pk,
            proximity=dt.date(2027, 1, 1) + dt.timedelta(days=n),
            cause=f"cause {n}",
            response_plan="plan" if n % 2 else "",
        )
        for n in range(8)
    ]


def test_risks_in_bulk_are_those_created_one_by_one_numbers_fields_and_history(
    org_a: OrgWorld, org_b: OrgWorld
) -> None:
    def one_by_one(world: OrgWorld) -> list[Risk]:
        pmo = world.users["pmo"]
        return [
            risk_services.risk_create(organization=world.organization, actor=pmo, **arguments(new))
            for new in new_risks(world)
        ]

    def in_bulk(world: OrgWorld) -> list[Risk]:
        return risk_services.risks_create_many(
            organization=world.organization, actor=world.users["pmo"], risks=new_risks(world)
        )

    held = same_as_row_by_row(org_a, org_b, [Risk], one_by_one, in_bulk)
    risks = held["Risk"]
    assert [risk["number"] for risk in risks] == list(range(1, 9))
    assert risks[1] | {"number": 2} == risks[1]
    assert (risks[1]["title"], risks[1]["score"], risks[1]["owner_id"], risks[1]["project_id"]) == (
        "Risk 1",
        2 * 3,
        "manager",
        "ORG-1",
    )
    assert (risks[4]["project_id"], risks[4]["portfolio_id"]) == (None, "org portfolio")
    # The history triggers fire on the bulk INSERT too: one "insert" event per risk, with its values.
    assert [event["pgh_label"] for event in held["Risk history"]] == ["insert"] * 8
    assert [event["number"] for event in held["Risk history"]] == list(range(1, 9))


def test_numbers_continue_after_the_existing_risks(org_a: OrgWorld) -> None:
    pmo = org_a.users["pmo"]
    with org_a.ctx():
        risk_services.risk_create(
            organization=org_a.organization, actor=pmo, title="First", category="cost", probability=1, impact=1,
            project=org_a.projects[0],
        )  # fmt: skip
        created = risk_services.risks_create_many(organization=org_a.organization, actor=pmo, risks=new_risks(org_a))
    assert [risk.number for risk in created] == list(range(2, 10))
    assert [risk.code for risk in created][:2] == ["R-002", "R-003"]


def test_the_first_risk_the_single_service_would_refuse_is_named_and_nothing_is_written(
    org_a: OrgWorld, org_b: OrgWorld
) -> None:
    pmo, manager = org_a.users["pmo"], org_a.users["manager"]
    closed = ProjectFactory(organization=org_a.organization, code="CLOSED", status=Project.Status.CLOSED)
    risks = new_risks(org_a)[:3]
    cases: list[tuple[Any, list[NewRisk], int, type[Exception]]] = [
        # A rating off the scale (row 2) comes before a closed project (row 3).
        (pmo, [*risks[:2], NewRisk(title="Off", category="cost", probability=9, impact=1, project=org_a.projects[0]),
               NewRisk(title="Closed", category="cost", probability=1, impact=1, project=closed)], 2, ValidationError),
        (pmo, [risks[0], NewRisk(title="Closed", category="cost", probability=1, impact=1, project=closed),
               NewRisk(title="", category="cost", probability=1, impact=1, project=org_a.projects[0])], 1,
         ProjectReadOnly),
        # The manager may not keep the risks of a project not granted to them, nor portfolio-level ones.
        (manager, [NewRisk(title="Mine", category="cost", probability=1, impact=1, project=org_a.projects[0]),
                   NewRisk(title="Not mine", category="cost", probability=1, impact=1, project=org_a.projects[2])],
         1, PermissionDenied),
        (pmo, [risks[0], NewRisk(title="Owner", category="cost", probability=1, impact=1, project=org_a.projects[0],
                                 owner=org_b.users["pmo"]), NewRisk(title="Scope", category="cost", probability=1,
                                                                     impact=1)], 1, ValidationError),
        (pmo, [risks[0], risks[1], NewRisk(title="Scope", category="weather", probability=1, impact=1)], 2,
         ValidationError),
    ]  # fmt: skip
    for actor, rows, index, kind in cases:
        with org_a.ctx(), pytest.raises(RowRefused) as refused:
            risk_services.risks_create_many(organization=org_a.organization, actor=actor, risks=rows)
        assert refused.value.index == index and isinstance(refused.value.error, kind)

        def alone(actor: Any = actor, new: NewRisk = rows[index]) -> Risk:
            return risk_services.risk_create(organization=org_a.organization, actor=actor, **arguments(new))

        assert refusal(refused.value.error) == refused_alone(org_a, alone)
        with org_a.ctx():
            assert not Risk.objects.filter(organization=org_a.organization).exists()
            assert not Risk.pgh_event_model.objects.exists()


def test_a_non_member_is_refused_on_the_first_row_and_single_raises_the_plain_error(
    org_a: OrgWorld, org_b: OrgWorld
) -> None:
    with org_a.ctx(), pytest.raises(RowRefused) as refused:
        risk_services.risks_create_many(
            organization=org_a.organization, actor=org_b.users["pmo"], risks=new_risks(org_a)
        )
    assert refused.value.index == 0 and isinstance(refused.value.error, PermissionDenied)
    with org_a.ctx(), pytest.raises(PermissionDenied):
        risk_services.risk_create(
            organization=org_a.organization, actor=org_b.users["pmo"], **arguments(new_risks(org_a)[0])
        )
    with org_a.ctx():
        assert (
            risk_services.risks_create_many(organization=org_a.organization, actor=org_a.users["pmo"], risks=[]) == []
        )
        assert not Risk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_bulk_imports_of_risks_at_once_never_share_a_number(org_a: OrgWorld) -> None:
    """The risk-settings lock serialises numbering: the second batch waits and numbers after the first, no gap."""
    barrier = threading.Barrier(2)
    numbers: dict[str, list[int]] = {}
    failures: list[BaseException] = []

    def import_batch(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            with org_a.ctx():
                created = risk_services.risks_create_many(
                    organization=org_a.organization,
                    actor=org_a.users["pmo"],
                    risks=[
                        NewRisk(
                            title=f"{name} {n}", category="cost", probability=2, impact=2, project=org_a.projects[0]
                        )
                        for n in range(40)
                    ],
                )
            numbers[name] = [risk.number for risk in created]
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=import_batch, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert sorted(numbers["left"] + numbers["right"]) == list(range(1, 81))
    for batch in numbers.values():
        assert batch == list(range(batch[0], batch[0] + 40))
    with org_a.ctx():
        stored = sorted(Risk.objects.filter(organization=org_a.organization).values_list("number", flat=True))
    assert stored == list(range(1, 81))


# --- Milestones ---------------------------------------------------------------------------------------------------


def new_milestones(world: OrgWorld) -> list[NewMilestone]:
    with world.ctx():
        phase = ProjectPhase.objects.create(
            organization=world.organization, project=world.projects[1], order=1, key="build", name="Build"
        )
    return [
        NewMilestone(
            project=world.projects[n % 2],
            name=f" M {n} ",
            forecast_date=dt.date(2027, 3, 1) + dt.timedelta(weeks=n),
            actual_date=dt.date(2026, 1, 5) if n == 2 else None,
            phase=phase if n % 2 else None,
            weight=1 + n,
        )
        for n in range(6)
    ]


def test_milestones_in_bulk_are_those_created_one_by_one(org_a: OrgWorld, org_b: OrgWorld) -> None:
    for world in (org_a, org_b):
        with world.ctx():
            project_services.milestone_create(
                organization=world.organization, actor=world.users["pmo"], project=world.projects[0], name="Existing"
            )

    def one_by_one(world: OrgWorld) -> list[Milestone]:
        return [
            project_services.milestone_create(
                organization=world.organization, actor=world.users["pmo"], **arguments(new)
            )
            for new in new_milestones(world)
        ]

    def in_bulk(world: OrgWorld) -> list[Milestone]:
        return project_services.milestones_create_many(
            organization=world.organization, actor=world.users["pmo"], milestones=new_milestones(world)
        )

    held = same_as_row_by_row(org_a, org_b, [Milestone], one_by_one, in_bulk)
    # Each at the end of its project's list, after what it had.
    assert [(row["project_id"], row["name"], row["order"]) for row in held["Milestone"]] == [
        ("ORG-0", "M 0", 2), ("ORG-1", "M 1", 1), ("ORG-0", "M 2", 3),
        ("ORG-1", "M 3", 2), ("ORG-0", "M 4", 4), ("ORG-1", "M 5", 3),
    ]  # fmt: skip
    assert held["Milestone"][1]["phase_id"] == ("ORG-1", "build")
    assert [event["pgh_label"] for event in held["Milestone history"]] == ["insert"] * 6


def test_a_milestone_name_taken_by_an_earlier_row_is_refused_there(org_a: OrgWorld) -> None:
    pmo, project = org_a.users["pmo"], org_a.projects[0]
    rows = [
        NewMilestone(project=project, name="Design"),
        NewMilestone(project=org_a.projects[1], name="Build"),
        NewMilestone(project=project, name=" Design "),
        NewMilestone(project=project, name="Later", actual_date=dt.date(2999, 1, 1)),
    ]
    with org_a.ctx(), pytest.raises(RowRefused) as refused:
        project_services.milestones_create_many(organization=org_a.organization, actor=pmo, milestones=rows)
    assert refused.value.index == 2
    assert refusal(refused.value.error) == (
        ValidationError,
        {"name": ["This project has a milestone of that name already."]},
    )
    with org_a.ctx(), pytest.raises(RowRefused) as refused:
        project_services.milestones_create_many(organization=org_a.organization, actor=pmo, milestones=rows[3:])
    assert refused.value.index == 0
    assert refusal(refused.value.error) == (
        ValidationError,
        {"actual_date": ["An actual date cannot lie in the future."]},
    )
    with org_a.ctx():
        assert not Milestone.objects.filter(organization=org_a.organization).exists()


# --- People -------------------------------------------------------------------------------------------------------


def catalogue(world: OrgWorld) -> dict[str, Any]:
    pmo = world.users["pmo"]
    with world.ctx():
        return {
            "department": resource_services.department_create(organization=world.organization, actor=pmo, name="Eng"),
            "python": resource_services.skill_create(organization=world.organization, actor=pmo, name="Python"),
            "sql": resource_services.skill_create(organization=world.organization, actor=pmo, name="SQL"),
        }


def new_people(world: OrgWorld, made: dict[str, Any]) -> list[NewPerson]:
    return [
        NewPerson(
            full_name=f" Person {n} ",
            email=f"P{n}@{world.slug}.test" if n != 3 else "",
            department=made["department"] if n % 2 else None,
            job_role="Dev",
            cost_rate=Decimal("12.345") * n,
            weekly_capacity=32 + n,
            active=n != 4,
            user_id=world.users["member"].pk if n == 1 else None,
            skills={made["python"]: 1 + n % 5, made["sql"]: 3} if n % 2 else {},
        )
        for n in range(5)
    ]


def test_people_in_bulk_are_those_created_one_by_one_with_their_skills(org_a: OrgWorld, org_b: OrgWorld) -> None:
    made = {world.slug: catalogue(world) for world in (org_a, org_b)}

    def one_by_one(world: OrgWorld) -> list[Person]:
        created = []
        for new in new_people(world, made[world.slug]):
            values = arguments(new)
            skills = values.pop("skills")
            person = resource_services.person_create(
                organization=world.organization, actor=world.users["pmo"], **values
            )
            if skills:
                resource_services.person_skills_set(
                    organization=world.organization, actor=world.users["pmo"], person=person, levels=skills
                )
            created.append(person)
        return created

    def in_bulk(world: OrgWorld) -> list[Person]:
        return resource_services.people_create_many(
            organization=world.organization, actor=world.users["pmo"], people=new_people(world, made[world.slug])
        )

    held = same_as_row_by_row(org_a, org_b, [Person, PersonSkill], one_by_one, in_bulk)
    people = held["Person"]
    assert [(p["full_name"], p["email"], p["user_id"]) for p in people[:4]] == [
        ("Person 0", "p0@org.test", None), ("Person 1", "p1@org.test", "member"),
        ("Person 2", "p2@org.test", None), ("Person 3", "", None),
    ]  # fmt: skip
    assert (people[3]["cost_rate"], people[3]["weekly_capacity"], people[4]["active"]) == (
        Decimal("37.04"),
        Decimal(35),
        False,
    )
    assert [(s["person_id"], s["skill_id"], s["level"]) for s in held["PersonSkill"]] == [
        ("Person 1", "Python", 2), ("Person 1", "SQL", 3), ("Person 3", "Python", 4), ("Person 3", "SQL", 3),
    ]  # fmt: skip
    assert [event["pgh_label"] for event in held["Person history"]] == ["insert"] * 5


def test_people_refusals_name_the_first_row(org_a: OrgWorld) -> None:
    made = catalogue(org_a)
    member = org_a.users["member"].pk
    cases = [
        ([NewPerson(full_name="A", user_id=member), NewPerson(full_name="B", user_id=member)], 1,
         {"user": ["This user is linked to A already."]}),
        ([NewPerson(full_name="A"), NewPerson(full_name="  ")], 1, {"full_name": ["Give the person's name."]}),
        ([NewPerson(full_name="A", skills={made["python"]: 6}), NewPerson(full_name="")], 0,
         {"skills": ["The level of Python must be a whole number from 1 to 5."]}),
        ([NewPerson(full_name="A", user_id=org_a.users["pmo"].pk + 10_000)], 0,
         {"user": ["Link a member of this organisation."]}),
    ]  # fmt: skip
    for rows, index, message in cases:
        with org_a.ctx(), pytest.raises(RowRefused) as refused:
            resource_services.people_create_many(organization=org_a.organization, actor=org_a.users["pmo"], people=rows)
        assert (refused.value.index, refusal(refused.value.error)) == (index, (ValidationError, message))
    with org_a.ctx(), pytest.raises(RowRefused) as refused:
        resource_services.people_create_many(
            organization=org_a.organization, actor=org_a.users["manager"], people=[NewPerson(full_name="A")]
        )
    assert isinstance(refused.value.error, PermissionDenied)
    with org_a.ctx():
        assert not Person.objects.filter(organization=org_a.organization).exists()
        assert not PersonSkill.objects.exists()


# --- Allocations --------------------------------------------------------------------------------------------------


def staff(world: OrgWorld) -> list[Person]:
    with world.ctx():
        return [
            resource_services.person_create(
                organization=world.organization, actor=world.users["pmo"], full_name=name, email=f"{name}@x.test"
            )
            for name in ("ann", "bob")
        ]


def monday(week: int) -> dt.date:
    return dt.date.fromisocalendar(2027, week, 1)


def new_allocations(world: OrgWorld, people: list[Person]) -> list[NewAllocation]:
    return [
        NewAllocation(
            person=people[n % 2],
            project=world.projects[n // 2 % 2],
            start_week=monday(1 + 3 * n),
            end_week=monday(2 + 3 * n),
            hours_per_week=Decimal("4.5") * (n + 1),
            role=f" role {n} ",
        )
        for n in range(6)
    ]


def test_allocations_in_bulk_are_those_created_one_by_one(org_a: OrgWorld, org_b: OrgWorld) -> None:
    people = {world.slug: staff(world) for world in (org_a, org_b)}

    def one_by_one(world: OrgWorld) -> list[Allocation]:
        return [
            allocation_services.allocation_create(
                organization=world.organization, actor=world.users["manager"], **arguments(new)
            )
            for new in new_allocations(world, people[world.slug])
            if new.project == world.projects[0]
        ]

    def in_bulk(world: OrgWorld) -> list[Allocation]:
        rows = [new for new in new_allocations(world, people[world.slug]) if new.project == world.projects[0]]
        return allocation_services.allocations_create_many(
            organization=world.organization, actor=world.users["manager"], allocations=rows
        )

    held = same_as_row_by_row(org_a, org_b, [Allocation], one_by_one, in_bulk)
    assert [(a["person_id"], a["project_id"], a["hours_per_week"], a["role"]) for a in held["Allocation"]] == [
        ("ann", "ORG-0", Decimal("4.50"), "role 0"), ("bob", "ORG-0", Decimal("9.00"), "role 1"),
        ("ann", "ORG-0", Decimal("22.50"), "role 4"), ("bob", "ORG-0", Decimal("27.00"), "role 5"),
    ]  # fmt: skip
    assert [event["pgh_label"] for event in held["Allocation history"]] == ["insert"] * 4


def test_allocation_refusals_name_the_first_row(org_a: OrgWorld) -> None:
    ann, bob = staff(org_a)
    manager = org_a.users["manager"]
    mine, other = org_a.projects[0], org_a.projects[2]
    with org_a.ctx():
        allocation_services.allocation_create(
            organization=org_a.organization, actor=manager, person=bob, project=mine, start_week=monday(10),
            end_week=monday(12), hours_per_week=8,
        )  # fmt: skip
        resource_services.person_deactivate(
            organization=org_a.organization, actor=org_a.users["pmo"], person=resource_services.person_create(
                organization=org_a.organization, actor=org_a.users["pmo"], full_name="idle"))  # fmt: skip
        idle = Person.objects.get(full_name="idle")

    def row(person: Person, first: int, last: int, project: Project = mine, hours: Any = 8) -> NewAllocation:
        return NewAllocation(
            person=person, project=project, start_week=monday(first), end_week=monday(last), hours_per_week=hours
        )

    cases = [
        # Overlaps an earlier row of the batch: refused there, naming that row's weeks.
        ([row(ann, 1, 4), row(ann, 6, 8), row(ann, 3, 5)], 2),
        ([row(ann, 1, 2), row(bob, 12, 13)], 1),  # overlaps a stored one
        ([row(ann, 1, 2), row(ann, 3, 4, project=other)], 1),  # not the manager's project
        ([row(ann, 1, 2, hours=0), row(idle, 1, 2)], 0),
        ([row(ann, 1, 2), row(idle, 1, 2)], 1),
    ]
    messages = []
    for rows, index in cases:
        with org_a.ctx(), pytest.raises(RowRefused) as refused:
            allocation_services.allocations_create_many(
                organization=org_a.organization, actor=manager, allocations=rows
            )
        assert refused.value.index == index

        def row_by_row(rows: list[NewAllocation] = rows) -> None:
            for new in rows:
                allocation_services.allocation_create(organization=org_a.organization, actor=manager, **arguments(new))

        assert refusal(refused.value.error) == refused_alone(org_a, row_by_row)
        messages.append(refusal(refused.value.error)[1])
    assert messages[0] == {
        "start_week": [
            "ann is already allocated to ALPHA-0 from 2027-W01 to 2027-W04: change that allocation instead of adding "
            "an overlapping one."
        ]
    }
    assert messages[2] == "You may change the allocations of your own projects only."
    with org_a.ctx():
        assert Allocation.objects.filter(organization=org_a.organization).count() == 1


# --- Projects -----------------------------------------------------------------------------------------------------


def new_projects(world: OrgWorld) -> list[NewProject]:
    with world.ctx():
        templates = {template.kind: template for template in project_services.templates_install_builtin(
            organization=world.organization)}  # fmt: skip
    return [
        NewProject(
            name=f"Project {n}",
            code="PRJ-007" if n == 1 else None,
            template=templates["standard" if n % 2 == 0 else "ipd"] if n != 3 else None,
            manager=world.users["manager"] if n % 2 else None,
            sponsor=world.users["executive"],
            portfolio=world.projects[0].portfolio,
            description=f"Why {n}",
            objectives="Goals" if n == 2 else "",
            planned_start=dt.date(2027, 1, 4) if n != 2 else None,
            planned_finish=dt.date(2027, 12, 31) if n != 2 else None,
            budget_at_completion=Decimal("1000.50") * n,
            tags=["a", "b"][: n % 3],
            milestones=[project_services.MilestoneSpec("Go-live", dt.date(2027, 6, 1), "execute")] if n == 4 else None,
            status=["planning", "active", "proposed"][n % 3],
        )
        for n in range(5)
    ]


PROJECT_TABLES: list[type[models.Model]] = [
    Project,
    ProjectPhase,
    ProjectDeliverable,
    GateReview,
    Milestone,
    Baseline,
    ProjectUserObjectPermission,
]


def test_projects_in_bulk_are_those_created_one_by_one(org_a: OrgWorld, org_b: OrgWorld) -> None:
    """Codes, phases (the first active and current), deliverables, gates with their planned dates, milestones,
    baseline v1, the manager's permissions, and the history of each."""

    def one_by_one(world: OrgWorld) -> list[Project]:
        return [
            project_services.project_create(organization=world.organization, actor=world.users["pmo"], **arguments(new))
            for new in new_projects(world)
        ]

    def in_bulk(world: OrgWorld) -> list[Project]:
        return project_services.projects_create_many(
            organization=world.organization, actor=world.users["pmo"], projects=new_projects(world)
        )

    held = same_as_row_by_row(org_a, org_b, PROJECT_TABLES, one_by_one, in_bulk)
    projects = held["Project"]
    # A code left empty takes the next free one after the codes of the earlier rows.
    assert [project["code"] for project in projects] == ["PRJ-001", "PRJ-007", "PRJ-008", "PRJ-009", "PRJ-010"]
    assert projects[0]["current_phase_id"] == ("PRJ-001", held["ProjectPhase"][0]["key"])
    assert projects[3]["current_phase_id"] is None and projects[3]["template_id"] is None
    first_phases = [phase for phase in held["ProjectPhase"] if phase["order"] == 1]
    assert {phase["status"] for phase in first_phases} == {"active"}
    assert {phase["status"] for phase in held["ProjectPhase"] if phase["order"] > 1} == {"not_started"}
    gates = {(gate["project_id"], gate["planned_date"] is None) for gate in held["GateReview"]}
    # Gates are planned over the planned dates unless the milestones were given (PRJ-010) or there are no dates.
    assert gates == {("PRJ-001", False), ("PRJ-007", False), ("PRJ-008", True), ("PRJ-010", True)}
    baselines = held["Baseline"]
    assert [(b["project_id"], b["version"], b["budget"]) for b in baselines][:2] == [
        ("PRJ-001", 1, Decimal("0.00")),
        ("PRJ-007", 1, Decimal("1000.50")),
    ]
    assert baselines[4]["milestone_dates"] == [{"milestone": "Go-live", "name": "Go-live", "date": "2027-06-01",
                                               "weight": 1}]  # fmt: skip
    assert baselines[2]["scope_statement"] == "Goals" and baselines[0]["scope_statement"] == "Why 0"
    assert {row["content_object_id"] for row in held["ProjectUserObjectPermission"]} == {"PRJ-007", "PRJ-009"}
    labels = {event["pgh_label"] for event in held["Project history"]}
    assert labels == {"insert", "update"}  # inserted, then given its current phase


def test_a_closed_project_is_refused_on_its_row(org_a: OrgWorld) -> None:
    rows = [NewProject(name="Open"), NewProject(name="Closed", status=Project.Status.CLOSED)]
    with org_a.ctx(), pytest.raises(RowRefused) as refused:
        project_services.projects_create_many(organization=org_a.organization, actor=org_a.users["pmo"], projects=rows)
    assert refused.value.index == 1 and isinstance(refused.value.error, ProjectReadOnly)
    with org_a.ctx():
        assert not Project.objects.filter(organization=org_a.organization, name__in=["Open", "Closed"]).exists()


# --- An import's queries ------------------------------------------------------------------------------------------

# Row ``n`` of a file of each entity; files of different ``n`` do not clash (allocations: week n // 10 + 1 of each
# of the ten person and project pairs).
FILES: dict[str, tuple[list[str], Callable[[OrgWorld, int], list[Any]]]] = {
    "risks": (["Project", "Title", "Category", "Probability", "Impact", "Owner"],
              lambda w, n: [w.projects[n % 2].code, f"R {n}", "cost", "2", "3", w.users["manager"].email]),
    "milestones": (["Project", "Milestone", "Forecast date", "Weight"],
                   lambda w, n: [w.projects[n % 2].code, f"M {n}", "2027-06-30", "2"]),
    "people": (["Full name", "E-mail", "Department", "Skills"],
               lambda w, n: [f"Person {n}", f"p{n}@x.test", "Eng", "Python:3, SQL" if n % 2 else ""]),
    "allocations": (["Person", "Project", "From week", "To week", "Hours per week"],
                    lambda w, n: [f"ann{n % 5}@x.test", w.projects[n % 2].code, f"2027-W{n // 10 + 1:02d}",
                                  f"2027-W{n // 10 + 1:02d}", "4"]),
    # Every project with a manager: the grants of all of them are one INSERT.
    "projects": (["Code", "Project name", "Portfolio", "Manager", "Planned start", "Planned finish"],
                 lambda w, n: ["", f"P {n}", "alpha portfolio", w.users["manager"].email, "2027-01-04",
                               "2027-06-30"]),
}  # fmt: skip


def commit_queries(world: OrgWorld, entity: str, numbers: range) -> int:
    header, row = FILES[entity]
    with world.ctx():
        outcome = imports.batch_create(
            organization=world.organization, actor=world.users["pmo"], entity=entity, file_name="rows.csv",
            content=csv_bytes(header, [row(world, n) for n in numbers]),
        )  # fmt: skip
        assert outcome.ok, outcome.errors[:3]
        with CaptureQueriesContext(connection) as queries:
            done = imports.batch_commit(organization=world.organization, actor=world.users["pmo"], batch=outcome.batch)
    assert done.ok and done.batch.imported_count == len(numbers)
    return len(queries)


@pytest.mark.parametrize("entity", list(FILES))
def test_an_import_commits_in_a_number_of_queries_that_does_not_grow_with_the_rows(
    org_a: OrgWorld, entity: str
) -> None:
    catalogue(org_a)
    with org_a.ctx():
        project_services.templates_install_builtin(organization=org_a.organization)
        Person.objects.bulk_create(
            [Person(organization=org_a.organization, full_name=f"Ann {n}", email=f"ann{n}@x.test") for n in range(5)]
        )
    small = commit_queries(org_a, entity, range(10))
    large = commit_queries(org_a, entity, range(10, 210))
    assert large == small, (entity, small, large)
    assert small < 40, small
