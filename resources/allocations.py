"""Writes of allocations: a person planned on a project for a run of ISO weeks at so many hours per week.

Every service names its organisation and actor and is atomic. It locks the project row first (refusing a closed or
cancelled project: ``ProjectReadOnly``, 409), then the person row, and only then looks for overlapping
allocations: two concurrent saves for the same person wait for each other, so they cannot both pass the overlap
check. A person has at most one allocation per project and week, so weekly sums never count anything twice.

Refusals: ``ValidationError`` for bad input (API 400, nothing saved): weeks that are not Mondays, an end before the
start, hours outside 0.5–168, an inactive person, an overlap; ``PermissionDenied`` when the actor may not staff the
project (API 403); ``AllocationStale`` when the caller's ``version`` is not the stored one (API 409).

Who: ``resources.manage`` (the PMO), or whoever may change the project (its manager staffs it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from pmo.core.bulk import RowChecks, single
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability
from projects import permissions as project_permissions
from projects.changes.services import actor_access
from projects.models import Project, ProjectUserObjectPermission
from projects.policy import week_label
from projects.selectors import project_can_change
from projects.services import ProjectsConflict, _lock_project, _lock_projects, _refuse_read_only
from resources.models import Allocation, Person

MIN_HOURS = Decimal("0.5")
MAX_HOURS = Decimal(168)
EDITABLE_FIELDS = ("start_week", "end_week", "hours_per_week", "role")


class AllocationStale(ProjectsConflict):
    def __init__(self) -> None:
        super().__init__(_("Someone else changed this allocation in the meantime. Reload it and try again."))


def allocation_may_change(*, access: OrgAccess, project: Project) -> bool:
    """The PMO changes any allocation; anyone else those of the projects they may change."""
    return access.can(Capability.RESOURCES_MANAGE) or project_can_change(access=access, project=project)


def changeable_project_ids(*, access: OrgAccess) -> frozenset[int] | None:
    """The projects whose allocations ``access`` may change, in one query; ``None`` means every project."""
    if access.can(Capability.RESOURCES_MANAGE) or access.can(project_permissions.CHANGE_ALL):
        return None
    return frozenset(
        ProjectUserObjectPermission.objects.filter(
            organization=access.organization,
            user_id=access.membership.user_id,
            permission__codename=project_permissions.CHANGE_CODENAME,
        ).values_list("content_object_id", flat=True)
    )


def _not_yours() -> PermissionDenied:
    return PermissionDenied(_("You may change the allocations of your own projects only."))


def _require(*, organization: Organization, actor: Any, project: Project) -> None:
    access = actor_access(organization=organization, actor=actor)
    if not allocation_may_change(access=access, project=project):
        raise _not_yours()


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check weeks (Mondays, ordered) and hours; ``ValidationError`` with every problem."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for name in ("start_week", "end_week"):
        if name not in cleaned:
            continue
        week = cleaned[name]
        if not isinstance(week, dt.date) or isinstance(week, dt.datetime):
            errors[name] = [_("Give the week as an ISO week, e.g. 2026-W47.")]
        elif week.weekday() != 0:
            errors[name] = [
                _("A week starts on a Monday: %(day)s is not one (its week is %(week)s).")
                % {"day": week.isoformat(), "week": week_label(week - dt.timedelta(days=week.weekday()))}
            ]
    if "start_week" not in errors and "end_week" not in errors and cleaned["end_week"] < cleaned["start_week"]:
        errors["end_week"] = [_("The last week cannot be before the first week.")]
    if "hours_per_week" in cleaned:
        try:
            hours = Decimal(str(cleaned["hours_per_week"]))
        except (InvalidOperation, ValueError):
            hours = Decimal("NaN")
        if not hours.is_finite() or not MIN_HOURS <= hours <= MAX_HOURS:
            errors["hours_per_week"] = [
                _("Give the hours per week between %(min)s and %(max)s.") % {"min": MIN_HOURS, "max": MAX_HOURS}
            ]
        else:
            cleaned["hours_per_week"] = hours.quantize(Decimal("0.01"))
    if "role" in cleaned:
        cleaned["role"] = str(cleaned["role"] or "").strip()
        if len(cleaned["role"]) > 120:
            errors["role"] = [_("Keep the role under 120 characters.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _refuse_inactive(person: Person) -> Person:
    if not person.active:
        raise ValidationError({"person": [_("%(name)s is inactive and cannot be allocated.") % {"name": person}]})
    return person


def _lock_person(*, organization: Organization, person_id: int, require_active: bool = True) -> Person:
    """Lock the person row: the lock that serialises overlap checks of that person's allocations."""
    person = Person.objects.select_for_update().get(organization=organization, pk=person_id)
    return _refuse_inactive(person) if require_active else person


def _lock_people(*, organization: Organization, person_ids: Iterable[int]) -> dict[int, Person]:
    """Lock these person rows (in id order, in one query), by id; ``Person.DoesNotExist`` when one is missing."""
    wanted = sorted(set(person_ids))
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update().filter(organization=organization, pk__in=wanted).order_by("pk")
    }
    if len(locked) != len(wanted):
        raise Person.DoesNotExist("Person matching query does not exist.")
    return locked


def _refuse_overlap(
    *,
    organization: Organization,
    person: Person,
    project: Project,
    start: dt.date,
    end: dt.date,
    exclude: int | None,
    booked: Sequence[Allocation] | None = None,
) -> None:
    """Refuse a second allocation of ``person`` to ``project`` in any of these weeks. ``booked``: the person's
    allocations to the project, when the caller loaded them for a batch; else they are looked up."""
    if booked is None:
        clash = (
            Allocation.objects.filter(
                organization=organization, person=person, project=project, start_week__lte=end, end_week__gte=start
            )
            .exclude(pk=exclude)
            .order_by("start_week")
            .first()
        )
    else:
        overlapping = [item for item in booked if item.start_week <= end and item.end_week >= start]
        clash = min(overlapping, key=lambda item: item.start_week, default=None)
    if clash is not None:
        raise ValidationError(
            {
                "start_week": [
                    _(
                        "%(person)s is already allocated to %(project)s from %(first)s to %(last)s: change that "
                        "allocation instead of adding an overlapping one."
                    )
                    % {
                        "person": person,
                        "project": project.code,
                        "first": week_label(clash.start_week),
                        "last": week_label(clash.end_week),
                    }
                ]
            }
        )


@dataclass(frozen=True)
class NewAllocation:
    """An allocation to plan (``allocations_create_many``): the arguments of ``allocation_create``."""

    person: Person
    project: Project
    start_week: dt.date
    end_week: dt.date
    hours_per_week: Decimal | int | str
    role: str = ""


@transaction.atomic
def allocation_create(
    *,
    organization: Organization,
    actor: Any,
    person: Person,
    project: Project,
    start_week: dt.date,
    end_week: dt.date,
    hours_per_week: Decimal | int | str,
    role: str = "",
) -> Allocation:
    """Plan ``person`` on ``project`` for ``start_week``–``end_week`` (Mondays, inclusive) at ``hours_per_week``.
    Refuses an inactive person, a closed or cancelled project and an overlap with another allocation of the same
    person to the same project."""
    new = NewAllocation(
        person=person,
        project=project,
        start_week=start_week,
        end_week=end_week,
        hours_per_week=hours_per_week,
        role=role,
    )
    return single(lambda: allocations_create_many(organization=organization, actor=actor, allocations=[new]))


@transaction.atomic
def allocations_create_many(
    *, organization: Organization, actor: Any, allocations: Sequence[NewAllocation]
) -> list[Allocation]:
    """Plan ``allocations`` in one go, with the rules, locks and refusals of ``allocation_create``, all or none:
    the distinct projects are locked once (in id order), the actor's right checked once for all
    (``changeable_project_ids``), then the distinct people locked once (in id order) and their allocations to these
    projects read in one query, so an overlap with a stored allocation or an earlier row is refused; one INSERT for
    all. A refused row raises ``RowRefused`` with its index and ``allocation_create``'s exception for it."""
    if not allocations:
        return []
    checks = RowChecks(ProjectsConflict)
    projects = _lock_projects(organization=organization, project_ids=[new.project.pk for new in allocations])
    for index, new in checks.pending(allocations):
        with checks.row(index):
            _refuse_read_only(projects[new.project.pk])
    with checks.every_row(len(allocations)):
        changeable = changeable_project_ids(access=actor_access(organization=organization, actor=actor))
    values: dict[int, dict[str, Any]] = {}
    for index, new in checks.pending(allocations):
        with checks.row(index):
            if changeable is not None and new.project.pk not in changeable:
                raise _not_yours()
            values[index] = _clean(
                {
                    "start_week": new.start_week,
                    "end_week": new.end_week,
                    "hours_per_week": new.hours_per_week,
                    "role": new.role,
                }
            )
    people = _lock_people(organization=organization, person_ids=[new.person.pk for new in allocations])
    booked: dict[tuple[int, int], list[Allocation]] = {}
    for allocation in Allocation.objects.filter(
        organization=organization, person_id__in=list(people), project_id__in=list(projects)
    ):
        booked.setdefault((allocation.person_id, allocation.project_id), []).append(allocation)
    rows: list[Allocation] = []
    for index, new in checks.pending(allocations):
        person, project = people[new.person.pk], projects[new.project.pk]
        row = Allocation(organization=organization, person=person, project=project, **values[index])
        with checks.row(index):
            _refuse_inactive(person)
            _refuse_overlap(
                organization=organization,
                person=person,
                project=project,
                start=row.start_week,
                end=row.end_week,
                exclude=None,
                booked=booked.get((person.pk, project.pk), []),
            )
        booked.setdefault((person.pk, project.pk), []).append(row)
        rows.append(row)
    checks.raise_first()
    return Allocation.objects.bulk_create(rows)


def _lock_allocation(*, organization: Organization, allocation: Allocation) -> Allocation:
    _lock_project(organization=organization, project_id=allocation.project_id)
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("person", "project")
        .get(organization=organization, pk=allocation.pk)
    )


@transaction.atomic
def allocation_update(
    *, organization: Organization, actor: Any, allocation: Allocation, version: int | None = None, **fields: Any
) -> Allocation:
    """Change the weeks, hours or role (``EDITABLE_FIELDS``; person and project stay). ``version``, when given,
    must be the one the caller read (else ``AllocationStale`` and nothing is saved)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = _lock_allocation(organization=organization, allocation=allocation)
    _require(organization=organization, actor=actor, project=locked.project)
    if version is not None and version != locked.version:
        raise AllocationStale()
    merged = {name: fields.get(name, getattr(locked, name)) for name in EDITABLE_FIELDS}
    values = _clean(merged)
    changed = [name for name in EDITABLE_FIELDS if getattr(locked, name) != values[name]]
    if not changed:
        return locked
    # An inactive person's allocations may still be shortened or reduced (to clear over-allocation).
    person = _lock_person(organization=organization, person_id=locked.person_id, require_active=False)
    _refuse_overlap(
        organization=organization,
        person=person,
        project=locked.project,
        start=values["start_week"],
        end=values["end_week"],
        exclude=locked.pk,
    )
    for name in changed:
        setattr(locked, name, values[name])
    locked.version = F("version") + 1
    locked.save(update_fields=[*changed, "version"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def allocation_delete(
    *, organization: Organization, actor: Any, allocation: Allocation, version: int | None = None
) -> None:
    """Remove an allocation (same rules as changing it)."""
    locked = _lock_allocation(organization=organization, allocation=allocation)
    _require(organization=organization, actor=actor, project=locked.project)
    if version is not None and version != locked.version:
        raise AllocationStale()
    locked.delete()
