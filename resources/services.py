"""Writes of the people side of resources: people, departments, skills and skill levels, the organisation's working
calendar (holidays and make-up working days, 调休), time off and projects' staffing requirements. Allocations and
timesheets have their own modules (``resources.allocations``, ``resources.timesheets``).

Every service names its organisation and actor and is atomic. People, departments, skills, the calendar and time
off need ``RESOURCES_MANAGE``; a staffing requirement needs ``RESOURCES_MANAGE`` or the right to change its project.

Refusals: ``ValidationError`` for bad input (API 400, with the field); ``PermissionDenied`` when the actor may not
(API 403); ``ResourcesConflict`` (a ``ProjectsConflict``, API 409) for a write that the state of the data forbids —
a stale version, a department or skill still in use, a person with booked work, a date already in the calendar,
an archived project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from pmo.core.bulk import RowChecks, single
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability
from projects.changes.services import actor_access
from projects.models import Project
from projects.selectors import project_can_change
from projects.services import ProjectsConflict, _lock_project
from resources.models import (
    Allocation,
    CalendarDay,
    Department,
    Person,
    PersonSkill,
    Skill,
    StaffingRequirement,
    TimeOff,
    Timesheet,
)

MAX_NAME = 120
MAX_PERSON_NAME = 150
MAX_NOTE = 200
MAX_WEEKLY_CAPACITY = Decimal(168)
MAX_COST_RATE = Decimal("99999999999999.99")
MAX_REQUIREMENT_HOURS = Decimal(10000)
# Fields of a person that ``person_update`` may change.
PERSON_FIELDS = ("full_name", "email", "department", "job_role", "cost_rate", "weekly_capacity", "active", "user_id")
REQUIREMENT_FIELDS = ("role", "skill", "start_week", "end_week", "hours_per_week", "note")


class ResourcesConflict(ProjectsConflict):
    """The write conflicts with the state of the data (API 409, pages show the reason on top)."""


class PersonStale(ResourcesConflict):
    def __init__(self) -> None:
        super().__init__(_("Someone else changed this person in the meantime. Reload and try again."))


def _require_manage(*, organization: Organization, actor: Any) -> OrgAccess:
    access = actor_access(organization=organization, actor=actor)
    if not access.can(Capability.RESOURCES_MANAGE):
        raise PermissionDenied(_("Only the PMO keeps people, skills and the working calendar."))
    return access


def _text(value: Any, *, field: str, limit: int, required: str | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: [required]})
    if len(text) > limit:
        raise ValidationError({field: [_("Keep it under %(limit)d characters.") % {"limit": limit}]})
    return text


def _decimal(
    value: Any, *, field: str, low: Decimal, high: Decimal, message: str, exclusive_low: bool = False
) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [message]}) from None
    if not number.is_finite() or number > high or number < low or (exclusive_low and number == low):
        raise ValidationError({field: [message]})
    return number.quantize(Decimal("0.01"))


def _same_org(obj: Any, organization: Organization, field: str) -> None:
    if obj is not None and obj.organization_id != organization.pk:
        raise ValidationError({field: [_("Choose one of your organisation's entries.")]})


# --- People ------------------------------------------------------------------------------------------------------


def _user_links(
    *, organization: Organization, user_ids: Iterable[int], person_pk: int | None = None
) -> tuple[set[int], dict[int, str]]:
    """Of ``user_ids``: the members of the organisation, and those linked to a person (other than ``person_pk``)
    with that person's name; two queries."""
    wanted = set(user_ids)
    members = set(
        Membership.objects.filter(organization=organization, user_id__in=wanted).values_list("user_id", flat=True)
    )
    linked = (
        Person.objects.filter(organization=organization, user_id__in=wanted)
        .exclude(pk=person_pk)
        .values_list("user_id", "full_name")
    )
    return members, {user_id: name for user_id, name in linked if user_id is not None}


def _refuse_user_link(user_id: int | None, *, members: set[int], linked: Mapping[int, str]) -> None:
    """A person may be linked to a user of this organisation who is not linked to another person."""
    if user_id is None:
        return
    if user_id not in members:
        raise ValidationError({"user": [_("Link a member of this organisation.")]})
    if user_id in linked:
        raise ValidationError({"user": [_("This user is linked to %(name)s already.") % {"name": linked[user_id]}]})


def _check_user_link(*, organization: Organization, user_id: int | None, person_pk: int | None) -> None:
    if user_id is None:
        return
    members, linked = _user_links(organization=organization, user_ids=[user_id], person_pk=person_pk)
    _refuse_user_link(user_id, members=members, linked=linked)


def _clean_person(values: Mapping[str, Any], *, organization: Organization) -> dict[str, Any]:
    cleaned = dict(values)
    if "full_name" in cleaned:
        cleaned["full_name"] = _text(
            cleaned["full_name"], field="full_name", limit=MAX_PERSON_NAME, required=_("Give the person's name.")
        )
    if "email" in cleaned:
        cleaned["email"] = _text(cleaned["email"], field="email", limit=254).lower()
        if cleaned["email"] and ("@" not in cleaned["email"] or " " in cleaned["email"]):
            raise ValidationError({"email": [_("Give a valid e-mail address.")]})
    if "job_role" in cleaned:
        cleaned["job_role"] = _text(cleaned["job_role"], field="job_role", limit=MAX_NAME)
    if "department" in cleaned:
        _same_org(cleaned["department"], organization, "department")
    if "cost_rate" in cleaned:
        cleaned["cost_rate"] = _decimal(
            cleaned["cost_rate"] if cleaned["cost_rate"] is not None else 0,
            field="cost_rate",
            low=Decimal(0),
            high=MAX_COST_RATE,
            message=_("Give the cost rate per hour as an amount of at least 0."),
        )
    if "weekly_capacity" in cleaned:
        cleaned["weekly_capacity"] = _decimal(
            cleaned["weekly_capacity"],
            field="weekly_capacity",
            low=Decimal(0),
            high=MAX_WEEKLY_CAPACITY,
            message=_("Give the capacity in hours per week, from 0 to 168."),
        )
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    return cleaned


@dataclass(frozen=True)
class NewPerson:
    """A person to add (``people_create_many``): the arguments of ``person_create``, and the skill levels that
    ``person_skills_set`` would give them."""

    full_name: str
    email: str = ""
    department: Department | None = None
    job_role: str = ""
    cost_rate: Decimal | int | str = 0
    weekly_capacity: Decimal | int | str = Decimal(40)
    active: bool = True
    user_id: int | None = None
    skills: Mapping[Skill, Any] = field(default_factory=dict)


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    actor: Any,
    full_name: str,
    email: str = "",
    department: Department | None = None,
    job_role: str = "",
    cost_rate: Decimal | int | str = 0,
    weekly_capacity: Decimal | int | str = Decimal(40),
    active: bool = True,
    user_id: int | None = None,
) -> Person:
    """Add a person whose time the PMO plans; optionally linked to a member (``user_id``) not linked elsewhere."""
    new = NewPerson(
        full_name=full_name,
        email=email,
        department=department,
        job_role=job_role,
        cost_rate=cost_rate,
        weekly_capacity=weekly_capacity,
        active=active,
        user_id=user_id,
    )
    return single(lambda: people_create_many(organization=organization, actor=actor, people=[new]))


@transaction.atomic
def people_create_many(*, organization: Organization, actor: Any, people: Sequence[NewPerson]) -> list[Person]:
    """Add ``people`` with their skill levels in one go, all or none, with the rules and refusals of
    ``person_create`` and ``person_skills_set``: the right is checked once, the member links in two queries for
    all (a member linked by an earlier row is taken), one INSERT for the people and one for their skills. A refused
    row raises ``RowRefused`` with its index and the single service's exception for it."""
    if not people:
        return []
    checks = RowChecks()
    with checks.every_row(len(people)):
        _require_manage(organization=organization, actor=actor)
    values: dict[int, dict[str, Any]] = {}
    for index, new in checks.pending(people):
        with checks.row(index):
            values[index] = _clean_person(
                {
                    "full_name": new.full_name,
                    "email": new.email,
                    "department": new.department,
                    "job_role": new.job_role,
                    "cost_rate": new.cost_rate,
                    "weekly_capacity": new.weekly_capacity,
                    "active": new.active,
                },
                organization=organization,
            )
    members, linked = _user_links(
        organization=organization, user_ids=[new.user_id for new in people if new.user_id is not None]
    )
    levels: dict[int, dict[int, int]] = {}
    for index, new in checks.pending(people):
        with checks.row(index):
            _refuse_user_link(new.user_id, members=members, linked=linked)
            levels[index] = _clean_levels(organization=organization, levels=new.skills)
        if new.user_id is not None:
            linked.setdefault(new.user_id, values[index]["full_name"])
    checks.raise_first()
    created = Person.objects.bulk_create(
        [Person(organization=organization, user_id=new.user_id, **values[index]) for index, new in enumerate(people)]
    )
    PersonSkill.objects.bulk_create(
        [
            PersonSkill(organization=organization, person=person, skill_id=skill_id, level=level)
            for index, person in enumerate(created)
            for skill_id, level in levels[index].items()
        ]
    )
    return created


def _lock_person(*, organization: Organization, person: Person) -> Person:
    return Person.objects.select_for_update().get(organization=organization, pk=person.pk)


@transaction.atomic
def person_update(
    *, organization: Organization, actor: Any, person: Person, version: int | None = None, **fields: Any
) -> Person:
    """Change a person's ``PERSON_FIELDS``. ``version``, when given, must be the one the caller read (else
    ``PersonStale``, 409, and nothing is saved). Each saved change increments the version."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    _require_manage(organization=organization, actor=actor)
    locked = _lock_person(organization=organization, person=person)
    if version is not None and version != locked.version:
        raise PersonStale()
    values = _clean_person(fields, organization=organization)
    if "user_id" in values:
        _check_user_link(organization=organization, user_id=values["user_id"], person_pk=locked.pk)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.version = F("version") + 1
    locked.save(update_fields=[*changed, "version"])
    locked.refresh_from_db()
    return locked


def person_deactivate(*, organization: Organization, actor: Any, person: Person, version: int | None = None) -> Person:
    """Mark a person inactive: they keep their history (allocations, timesheets) but leave the planning lists."""
    return person_update(organization=organization, actor=actor, person=person, version=version, active=False)


@transaction.atomic
def person_delete(*, organization: Organization, actor: Any, person: Person) -> None:
    """Delete a person entered by mistake. A person with allocations or timesheets is never deleted
    (``ResourcesConflict``: deactivate them instead), so actual cost and history stay whole."""
    _require_manage(organization=organization, actor=actor)
    locked = _lock_person(organization=organization, person=person)
    booked = (
        Allocation.objects.filter(organization=organization, person=locked).exists()
        or Timesheet.objects.filter(organization=organization, person=locked).exists()
    )
    if booked:
        raise ResourcesConflict(
            _("%(name)s has allocations or timesheets and cannot be deleted. Deactivate them instead.")
            % {"name": locked.full_name}
        )
    locked.delete()


def _clean_levels(*, organization: Organization, levels: Mapping[Skill, Any]) -> dict[int, int]:
    """Skill → level 1–5 as skill id → level; ``ValidationError`` on ``skills``."""
    cleaned: dict[int, int] = {}
    for skill, level in levels.items():
        _same_org(skill, organization, "skills")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise ValidationError(
                {"skills": [_("The level of %(skill)s must be a whole number from 1 to 5.") % {"skill": skill.name}]}
            )
        cleaned[skill.pk] = level
    return cleaned


@transaction.atomic
def person_skills_set(
    *, organization: Organization, actor: Any, person: Person, levels: Mapping[Skill, Any]
) -> list[PersonSkill]:
    """Replace a person's skills with ``levels`` (skill → level 1–5). Skills left out are removed."""
    _require_manage(organization=organization, actor=actor)
    locked = _lock_person(organization=organization, person=person)
    cleaned = _clean_levels(organization=organization, levels=levels)
    current = {row.skill_id: row for row in PersonSkill.objects.filter(organization=organization, person=locked)}
    PersonSkill.objects.filter(organization=organization, person=locked).exclude(skill_id__in=list(cleaned)).delete()
    for skill_id, level in cleaned.items():
        row = current.get(skill_id)
        if row is None:
            PersonSkill.objects.create(organization=organization, person=locked, skill_id=skill_id, level=level)
        elif row.level != level:
            row.level = level
            row.save(update_fields=["level"])
    return list(
        PersonSkill.objects.filter(organization=organization, person=locked)
        .select_related("skill")
        .order_by("skill__name")
    )


# --- Departments and skills --------------------------------------------------------------------------------------


Named = TypeVar("Named", Department, Skill)


def _name_free(model: type[Department] | type[Skill], *, organization: Organization, name: str, pk: Any) -> str:
    name = _text(name, field="name", limit=MAX_NAME, required=_("Give it a name."))
    if model.objects.filter(organization=organization, name__iexact=name).exclude(pk=pk).exists():
        raise ValidationError({"name": [_("“%(name)s” exists already.") % {"name": name}]})
    return name


def _named_create(model: type[Named], *, organization: Organization, actor: Any, name: str) -> Named:
    """A department or skill: the PMO names it, unique per organisation (case ignored)."""
    _require_manage(organization=organization, actor=actor)
    return model.objects.create(
        organization=organization, name=_name_free(model, organization=organization, name=name, pk=None)
    )


def _named_rename(model: type[Named], *, organization: Organization, actor: Any, item: Named, name: str) -> Named:
    _require_manage(organization=organization, actor=actor)
    locked = model.objects.select_for_update().get(organization=organization, pk=item.pk)
    locked.name = _name_free(model, organization=organization, name=name, pk=locked.pk)
    locked.save(update_fields=["name"])
    return locked


@transaction.atomic
def department_create(*, organization: Organization, actor: Any, name: str) -> Department:
    return _named_create(Department, organization=organization, actor=actor, name=name)


@transaction.atomic
def department_rename(*, organization: Organization, actor: Any, department: Department, name: str) -> Department:
    return _named_rename(Department, organization=organization, actor=actor, item=department, name=name)


@transaction.atomic
def department_delete(*, organization: Organization, actor: Any, department: Department) -> None:
    """Delete a department nobody belongs to (``ResourcesConflict`` while it has people)."""
    _require_manage(organization=organization, actor=actor)
    locked = Department.objects.select_for_update().get(organization=organization, pk=department.pk)
    count = Person.objects.filter(organization=organization, department=locked).count()
    if count:
        raise ResourcesConflict(
            _("%(name)s still has %(count)d people. Move them to another department first.")
            % {"name": locked.name, "count": count}
        )
    locked.delete()


@transaction.atomic
def skill_create(*, organization: Organization, actor: Any, name: str) -> Skill:
    return _named_create(Skill, organization=organization, actor=actor, name=name)


@transaction.atomic
def skill_rename(*, organization: Organization, actor: Any, skill: Skill, name: str) -> Skill:
    return _named_rename(Skill, organization=organization, actor=actor, item=skill, name=name)


@transaction.atomic
def skill_delete(*, organization: Organization, actor: Any, skill: Skill) -> None:
    """Delete a skill that no person holds and no staffing requirement asks for (else ``ResourcesConflict``)."""
    _require_manage(organization=organization, actor=actor)
    locked = Skill.objects.select_for_update().get(organization=organization, pk=skill.pk)
    in_use = (
        PersonSkill.objects.filter(organization=organization, skill=locked).exists()
        or StaffingRequirement.objects.filter(organization=organization, skill=locked).exists()
    )
    if in_use:
        raise ResourcesConflict(
            _("%(name)s is held by people or asked for by staffing requirements; remove it there first.")
            % {"name": locked.name}
        )
    locked.delete()


# --- Working calendar --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    kind: str
    name: str = ""


def _clean_day(entry: CalendarEntry) -> CalendarEntry:
    if not isinstance(entry.date, dt.date):
        raise ValidationError({"date": [_("Give the date as YYYY-MM-DD.")]})
    if entry.kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": [_("Choose a holiday or a make-up working day.")]})
    weekend = entry.date.weekday() >= 5
    if entry.kind == CalendarDay.Kind.HOLIDAY and weekend:
        raise ValidationError(
            {"date": [_("%(date)s is a weekend day: a holiday can only fall on a weekday.") % {"date": entry.date}]}
        )
    if entry.kind == CalendarDay.Kind.WORKING and not weekend:
        raise ValidationError(
            {
                "date": [
                    _("%(date)s is a weekday: a make-up working day can only fall on a weekend.") % {"date": entry.date}
                ]
            }
        )
    return CalendarEntry(entry.date, entry.kind, _text(entry.name, field="name", limit=MAX_NAME))


@transaction.atomic
def calendar_day_create(
    *, organization: Organization, actor: Any, date: dt.date, kind: str, name: str = ""
) -> CalendarDay:
    """Add a holiday (on a weekday) or a make-up working day (on a weekend); one entry per date (else 409)."""
    _require_manage(organization=organization, actor=actor)
    entry = _clean_day(CalendarEntry(date, kind, name))
    existing = CalendarDay.objects.select_for_update().filter(organization=organization, date=entry.date).first()
    if existing is not None:
        raise ResourcesConflict(
            _("%(date)s is in the calendar already (%(kind)s).")
            % {"date": entry.date, "kind": existing.get_kind_display().lower()}
        )
    return CalendarDay.objects.create(organization=organization, date=entry.date, kind=entry.kind, name=entry.name)


@transaction.atomic
def calendar_day_delete(*, organization: Organization, actor: Any, day: CalendarDay) -> None:
    _require_manage(organization=organization, actor=actor)
    CalendarDay.objects.filter(organization=organization, pk=day.pk).delete()


@transaction.atomic
def calendar_year_replace(
    *, organization: Organization, actor: Any, year: int, entries: Iterable[CalendarEntry]
) -> list[CalendarDay]:
    """Replace the calendar of ``year`` with ``entries`` (all in that year, one per date); nothing changes unless
    every entry is valid."""
    _require_manage(organization=organization, actor=actor)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Choose a year from 2000 to 2100.")]})
    cleaned: dict[dt.date, CalendarEntry] = {}
    for entry in entries:
        day = _clean_day(entry)
        if day.date.year != year:
            raise ValidationError({"date": [_("%(date)s is not in %(year)d.") % {"date": day.date, "year": year}]})
        if day.date in cleaned:
            raise ValidationError({"date": [_("%(date)s is listed twice.") % {"date": day.date}]})
        cleaned[day.date] = day
    CalendarDay.objects.filter(organization=organization, date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(organization=organization, date=day.date, kind=day.kind, name=day.name)
            for day in sorted(cleaned.values(), key=lambda d: d.date)
        ]
    )
    return list(CalendarDay.objects.filter(organization=organization, date__year=year).order_by("date"))


# --- Time off ----------------------------------------------------------------------------------------------------


@transaction.atomic
def time_off_add(
    *, organization: Organization, actor: Any, person: Person, start: dt.date, end: dt.date, note: str = ""
) -> TimeOff:
    """Record a person's leave, whole days from ``start`` to ``end`` inclusive (``end`` ≥ ``start``)."""
    _require_manage(organization=organization, actor=actor)
    if end < start:
        raise ValidationError({"end": [_("The last day cannot be before the first day.")]})
    if (end - start).days > 366:
        raise ValidationError({"end": [_("Record at most one year of time off at once.")]})
    locked = _lock_person(organization=organization, person=person)
    return TimeOff.objects.create(
        organization=organization,
        person=locked,
        start=start,
        end=end,
        note=_text(note, field="note", limit=MAX_NOTE),
    )


@transaction.atomic
def time_off_delete(*, organization: Organization, actor: Any, time_off: TimeOff) -> None:
    _require_manage(organization=organization, actor=actor)
    TimeOff.objects.filter(organization=organization, pk=time_off.pk).delete()


# --- Staffing requirements ---------------------------------------------------------------------------------------


def _require_staffing(*, organization: Organization, actor: Any, project: Project) -> None:
    access = actor_access(organization=organization, actor=actor)
    if not (access.can(Capability.RESOURCES_MANAGE) or project_can_change(access=access, project=project)):
        raise PermissionDenied(_("Only the PMO or whoever may change the project plans its staffing."))


def _clean_requirement(values: Mapping[str, Any], *, organization: Organization) -> dict[str, Any]:
    cleaned = dict(values)
    if "role" in cleaned:
        cleaned["role"] = _text(cleaned["role"], field="role", limit=MAX_NAME)
    if "note" in cleaned:
        cleaned["note"] = _text(cleaned["note"], field="note", limit=MAX_NOTE)
    if "skill" in cleaned:
        _same_org(cleaned["skill"], organization, "skill")
    for name in ("start_week", "end_week"):
        if name in cleaned:
            week = cleaned[name]
            if not isinstance(week, dt.date) or week.weekday() != 0:
                raise ValidationError({name: [_("Give the week as an ISO week (its Monday), e.g. 2026-W47.")]})
    if "hours_per_week" in cleaned:
        cleaned["hours_per_week"] = _decimal(
            cleaned["hours_per_week"],
            field="hours_per_week",
            low=Decimal(0),
            high=MAX_REQUIREMENT_HOURS,
            exclusive_low=True,
            message=_("Give the hours per week as a number above 0 (at most 10000)."),
        )
    return cleaned


def _check_requirement(requirement: StaffingRequirement) -> None:
    if requirement.end_week < requirement.start_week:
        raise ValidationError({"end_week": [_("The last week cannot be before the first week.")]})
    if not requirement.role and requirement.skill_id is None:
        raise ValidationError({"role": [_("Name the role or the skill that is needed.")]})


@transaction.atomic
def staffing_requirement_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    start_week: dt.date,
    end_week: dt.date,
    hours_per_week: Decimal | int | str,
    role: str = "",
    skill: Skill | None = None,
    note: str = "",
) -> StaffingRequirement:
    """What ``project`` needs: a role and/or a skill, ``hours_per_week`` from ``start_week`` to ``end_week``
    (Mondays). A closed or cancelled project is refused (409)."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    _require_staffing(organization=organization, actor=actor, project=locked)
    values = _clean_requirement(
        {
            "role": role,
            "skill": skill,
            "start_week": start_week,
            "end_week": end_week,
            "hours_per_week": hours_per_week,
            "note": note,
        },
        organization=organization,
    )
    requirement = StaffingRequirement(organization=organization, project=locked, **values)
    _check_requirement(requirement)
    requirement.save()
    return requirement


@transaction.atomic
def staffing_requirement_update(
    *, organization: Organization, actor: Any, requirement: StaffingRequirement, **fields: Any
) -> StaffingRequirement:
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    project = _lock_project(organization=organization, project_id=requirement.project_id)
    _require_staffing(organization=organization, actor=actor, project=project)
    locked = StaffingRequirement.objects.select_for_update().get(organization=organization, pk=requirement.pk)
    values = _clean_requirement(fields, organization=organization)
    for name, value in values.items():
        setattr(locked, name, value)
    _check_requirement(locked)
    if values:
        locked.save(update_fields=list(values))
    return locked


@transaction.atomic
def staffing_requirement_delete(*, organization: Organization, actor: Any, requirement: StaffingRequirement) -> None:
    project = _lock_project(organization=organization, project_id=requirement.project_id)
    _require_staffing(organization=organization, actor=actor, project=project)
    StaffingRequirement.objects.filter(organization=organization, pk=requirement.pk).delete()
