"""Allocation services: who may staff, bad input refused with nothing saved, overlaps refused (also when two saves
race), stale versions, archived projects and inactive people."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from pmo.tenancy.context import tenant_context
from projects.models import Project
from projects.services import ProjectReadOnly
from resources import allocations as services
from resources.models import Allocation
from tests.conftest import OrgWorld
from tests.test_resources_capacity_support import allocate, allocation_rows, person, week


def create(world: OrgWorld, role: str = "pmo", **overrides: Any) -> Allocation:
    values: dict[str, Any] = {
        "person": overrides.pop("who", None) or person(world, "Ann"),
        "project": world.projects[0],
        "start_week": week(10),
        "end_week": week(12),
        "hours_per_week": 20,
    }
    values.update(overrides)
    with world.ctx():
        return services.allocation_create(organization=world.organization, actor=world.users[role], **values)


def test_the_pmo_allocates_and_hours_are_kept_to_the_cent(org_a: OrgWorld) -> None:
    allocation = create(org_a, hours_per_week="12.5")
    assert (allocation.start_week, allocation.end_week, allocation.hours_per_week) == (
        week(10),
        week(12),
        Decimal("12.50"),
    )
    assert allocation.version == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_week": week(10).replace(day=5)}, "start_week"),  # a Tuesday
        ({"end_week": week(9)}, "end_week"),
        ({"hours_per_week": 0}, "hours_per_week"),
        ({"hours_per_week": "168.5"}, "hours_per_week"),
        ({"hours_per_week": "abc"}, "hours_per_week"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_saved(
    org_a: OrgWorld, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(org_a, **overrides)
    assert field in refused.value.message_dict
    assert allocation_rows(org_a) == []


def test_a_tuesday_is_named_with_its_week(org_a: OrgWorld) -> None:
    with pytest.raises(ValidationError) as refused:
        create(org_a, start_week=week(10).replace(day=5))
    assert "2030-W10" in refused.value.message_dict["start_week"][0]


def test_an_overlap_with_the_same_person_and_project_is_refused(org_a: OrgWorld) -> None:
    ann = person(org_a, "Ann")
    create(org_a, who=ann, start_week=week(10), end_week=week(12))
    before = allocation_rows(org_a)

    with pytest.raises(ValidationError) as refused:
        create(org_a, who=ann, start_week=week(12), end_week=week(14))

    assert "2030-W10" in refused.value.message_dict["start_week"][0]
    assert allocation_rows(org_a) == before
    # Adjacent weeks and another project are fine.
    create(org_a, who=ann, start_week=week(13), end_week=week(14))
    create(org_a, who=ann, project=org_a.projects[1], start_week=week(10), end_week=week(12))
    assert len(allocation_rows(org_a)) == 3


def test_moving_an_allocation_onto_another_is_refused(org_a: OrgWorld) -> None:
    ann = person(org_a, "Ann")
    create(org_a, who=ann, start_week=week(10), end_week=week(11))
    later = create(org_a, who=ann, start_week=week(13), end_week=week(14))
    before = allocation_rows(org_a)
    with org_a.ctx(), pytest.raises(ValidationError):
        services.allocation_update(
            organization=org_a.organization, actor=org_a.users["pmo"], allocation=later, start_week=week(11)
        )
    assert allocation_rows(org_a) == before


def test_a_manager_staffs_their_own_project_only(org_a: OrgWorld) -> None:
    ann = person(org_a, "Ann")
    own = create(org_a, role="manager", who=ann)
    assert own.project == org_a.projects[0]
    for role, project in (
        ("manager", org_a.projects[1]),
        ("executive", org_a.projects[0]),
        ("member", org_a.projects[0]),
    ):
        with pytest.raises(PermissionDenied):
            create(org_a, role=role, who=ann, project=project, start_week=week(20), end_week=week(20))
    assert len(allocation_rows(org_a)) == 1


def test_archived_projects_and_inactive_people_are_refused(org_a: OrgWorld) -> None:
    project = org_a.projects[1]
    with org_a.ctx():
        Project.objects.filter(pk=project.pk).update(status=Project.Status.CLOSED)
    with pytest.raises(ProjectReadOnly):
        create(org_a, project=project)
    with pytest.raises(ValidationError) as refused:
        create(org_a, who=person(org_a, "Gone", active=False))
    assert "inactive" in refused.value.message_dict["person"][0]
    assert allocation_rows(org_a) == []


def test_a_stale_version_is_a_conflict_and_loses_nothing(org_a: OrgWorld) -> None:
    allocation = create(org_a)
    with org_a.ctx():
        services.allocation_update(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            allocation=allocation,
            version=1,
            hours_per_week=30,
        )
    before = allocation_rows(org_a)
    with org_a.ctx(), pytest.raises(services.AllocationStale):
        services.allocation_update(
            organization=org_a.organization,
            actor=org_a.users["pmo"],
            allocation=allocation,
            version=1,
            hours_per_week=5,
        )
    with org_a.ctx(), pytest.raises(services.AllocationStale):
        services.allocation_delete(
            organization=org_a.organization, actor=org_a.users["pmo"], allocation=allocation, version=1
        )
    assert allocation_rows(org_a) == before
    assert before[0][5:] == (Decimal("30.00"), 2)


def test_person_and_project_cannot_be_changed(org_a: OrgWorld) -> None:
    allocation = create(org_a)
    with org_a.ctx(), pytest.raises(ValidationError) as refused:
        services.allocation_update(
            organization=org_a.organization, actor=org_a.users["pmo"], allocation=allocation, project=org_a.projects[1]
        )
    assert "project" in refused.value.message_dict


def test_an_inactive_persons_allocation_can_still_be_reduced(org_a: OrgWorld) -> None:
    ann = person(org_a, "Ann")
    allocation = allocate(org_a, ann, org_a.projects[0], week(10), week(12), 30)
    with org_a.ctx():
        type(ann).objects.filter(pk=ann.pk).update(active=False)
        changed = services.allocation_update(
            organization=org_a.organization, actor=org_a.users["pmo"], allocation=allocation, hours_per_week=10
        )
    assert changed.hours_per_week == 10


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_overlapping_saves_cannot_both_pass(org_a: OrgWorld) -> None:
    ann = person(org_a, "Ann")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(first: int) -> None:
        try:
            barrier.wait()
            with tenant_context(org_a.organization):
                services.allocation_create(
                    organization=org_a.organization,
                    actor=org_a.users["pmo"],
                    person=ann,
                    project=org_a.projects[0],
                    start_week=week(first),
                    end_week=week(first + 2),
                    hours_per_week=10,
                )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in (10, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "saved"]
    assert len(allocation_rows(org_a)) == 1
