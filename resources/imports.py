"""People and allocations from a spreadsheet (see ``pmo/imports/specs.py``). The rows go through
``services.people_create_many`` (the rules of ``person_create`` and ``person_skills_set``) or
``allocations.allocations_create_many`` (those of ``allocation_create``).

- People need ``resources.manage``. Departments and skills must exist in the catalogue (a typo would otherwise
  become a new department). A person whose e-mail is a member's, not yet linked to another person, is linked to
  that member (for their own timesheets). An e-mail already used by a person is refused.
- Allocations: the PMO allocates on any project, a project's manager on the projects they may change (the rule of
  the allocation service: ``project X not found or not yours``). A person is named by e-mail or,
  when unambiguous, by name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pmo.imports.specs import (
    Boolean,
    CellError,
    Column,
    Date,
    Email,
    EntitySpec,
    Field,
    ImportContext,
    Lookup,
    Number,
    Row,
    Text,
    lookup_keys,
    members_by_email,
    normalize,
    split_list,
)
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.roles import Capability
from projects.imports import ARCHIVED, ProjectCode
from projects.models import Project
from projects.policy import parse_week, week_label
from projects.services import ProjectsConflict
from resources import allocations, services
from resources.models import Allocation, Department, Person, PersonSkill, Skill

# --- People ---------------------------------------------------------------------------------------------------


def _departments(ctx: ImportContext) -> QuerySet[Department]:
    return Department.objects.filter(organization=ctx.organization)


class Skills(Field):
    """``Python:4, SQL`` — skills of the catalogue, each with a level from 1 to 5 (2, Working, when left out)."""

    def _key(self) -> str:
        return f"skills:{id(self)}"

    @staticmethod
    def _split(text: str) -> list[tuple[str, str]]:
        parts = []
        for item in split_list(text):
            name, _colon, level = unicodedata.normalize("NFKC", item).partition(":")
            parts.append((name.strip(), level.strip()))
        return parts

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        names = lookup_keys(name for text in texts for name, _level in self._split(text))
        found = {}
        if names:
            for skill in (
                Skill.objects.filter(organization=ctx.organization)
                .annotate(name_lower=Lower("name"))
                .filter(name_lower__in=names)
            ):
                found[normalize(skill.name)] = skill
        ctx.cache[self._key()] = found

    def parse(self, text: str, ctx: ImportContext) -> dict[Skill, int]:
        known: dict[str, Skill] = ctx.cache[self._key()]
        levels: dict[Skill, int] = {}
        for name, level in self._split(text):
            skill = known.get(normalize(name))
            if skill is None:
                raise CellError(_("No skill is called %(name)s: add it to the catalogue first.") % {"name": name})
            if level and level not in {"1", "2", "3", "4", "5"}:
                raise CellError(_("The level of %(skill)s must be a whole number from 1 to 5.") % {"skill": skill.name})
            levels[skill] = int(level) if level else PersonSkill.Level.WORKING
        return levels

    def display(self, value: Any) -> str:
        return ", ".join(f"{skill.name}:{level}" for skill, level in (value or {}).items())

    def allowed(self, ctx: ImportContext) -> str:
        return _("Skills of the catalogue with a level from 1 to 5, e.g. Python:4, SQL:3")


class PeopleSpec(EntitySpec):
    key = "people"
    label = gettext_lazy("People")
    description = gettext_lazy(
        "People whose time the PMO plans. Departments and skills must exist in the catalogue; an e-mail of a "
        "member links the person to that member."
    )
    list_url_name = "people-list"
    refusals = (ValidationError, PermissionDenied, ProjectsConflict)
    columns = (
        Column(
            "full_name",
            gettext_lazy("Full name"),
            Text(services.MAX_PERSON_NAME),
            required=True,
            example=gettext_lazy("Li Na"),
        ),
        Column(
            "email",
            gettext_lazy("E-mail"),
            Email(),
            default="",
            help=gettext_lazy("Unique among people; a member's e-mail links the person to that member."),
            example="li.na@example.com",
        ),
        Column(
            "department",
            gettext_lazy("Department"),
            Lookup(
                queryset=_departments,
                field="name",
                missing=lambda name: (
                    _("No department is called %(name)s: add it to the catalogue first.") % {"name": name}
                ),
                allowed=lambda: _("The name of a department of the catalogue"),
            ),
            example=gettext_lazy("Engineering"),
        ),
        Column(
            "job_role", gettext_lazy("Job role"), Text(services.MAX_NAME), default="", example=gettext_lazy("Developer")
        ),
        Column(
            "weekly_capacity",
            gettext_lazy("Capacity (hours per week)"),
            Number(
                minimum=Decimal(0),
                maximum=services.MAX_WEEKLY_CAPACITY,
                message=lambda: _("Give the capacity in hours per week, from 0 to 168."),
            ),
            default=Decimal(40),
            help=gettext_lazy("Empty for 40."),
            example="40",
        ),
        Column(
            "cost_rate",
            gettext_lazy("Cost rate per hour"),
            Number(
                minimum=Decimal(0),
                maximum=services.MAX_COST_RATE,
                message=lambda: _("Give the cost rate per hour as an amount of at least 0."),
            ),
            default=Decimal(0),
            example="350",
        ),
        Column("skills", gettext_lazy("Skills"), Skills(), default={}, example="Python:4, SQL:3"),
        Column(
            "active", pgettext_lazy("enabled", "Active"), Boolean(), default=True, help=gettext_lazy("Empty for yes.")
        ),
    )

    def may_import(self, access: OrgAccess) -> bool:
        return access.can(Capability.RESOURCES_MANAGE)

    def count_label(self, count: int) -> str:
        return ngettext("%(count)d person", "%(count)d people", count) % {"count": count}

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        emails = {row.values["email"] for row in rows if row.values.get("email")}
        ctx.cache["person_emails"] = set(
            Person.objects.filter(organization=ctx.organization)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .values_list("email_lower", flat=True)
        )
        members_by_email(ctx, emails)
        ctx.cache["linked_users"] = set(
            Person.objects.filter(organization=ctx.organization, user__isnull=False).values_list("user_id", flat=True)
        )
        ctx.cache["emails_in_file"] = {}

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        email = row.values.get("email")
        row.values["user_id"] = None
        if not email or not row.ok("email"):
            return
        first = ctx.cache["emails_in_file"].setdefault(email, row.line)
        if email in ctx.cache["person_emails"]:
            row.error("email", _("A person with this e-mail exists already."))
        elif first != row.line:
            row.error("email", _("Row %(line)d has this e-mail already.") % {"line": first})
        member = members_by_email(ctx, ()).get(email)
        if member is not None and member.pk not in ctx.cache["linked_users"]:
            row.values["user_id"] = member.pk

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Person]:
        return services.people_create_many(
            organization=ctx.organization,
            actor=ctx.actor,
            people=[
                services.NewPerson(
                    full_name=values["full_name"],
                    email=values["email"],
                    department=values["department"],
                    job_role=values["job_role"],
                    weekly_capacity=values["weekly_capacity"],
                    cost_rate=values["cost_rate"],
                    active=values["active"],
                    user_id=values["user_id"],
                    skills=values["skills"],
                )
                for values in rows
            ],
        )


# --- Allocations ----------------------------------------------------------------------------------------------


def allocatable_projects(ctx: ImportContext) -> QuerySet[Project]:
    """Open projects whose allocations the importer may change (all for the PMO; else those they may change)."""
    projects = Project.objects.filter(organization=ctx.organization).exclude(status__in=ARCHIVED)
    ids = allocations.changeable_project_ids(access=ctx.access)
    return projects if ids is None else projects.filter(pk__in=ids)


class PersonRef(Field):
    """A person by e-mail, or by name when no other person has it."""

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        wanted = lookup_keys(texts)
        by_email: dict[str, Person] = {}
        by_name: dict[str, list[Person]] = {}
        if wanted:
            people = (
                Person.objects.filter(organization=ctx.organization)
                .annotate(email_lower=Lower("email"), name_lower=Lower("full_name"))
                .filter(Q(email_lower__in=wanted) | Q(name_lower__in=wanted))
            )
            for person in people:
                if person.email:
                    by_email[person.email.casefold()] = person
                by_name.setdefault(normalize(person.full_name), []).append(person)
        ctx.cache["people"] = (by_email, by_name)

    def parse(self, text: str, ctx: ImportContext) -> Person:
        by_email, by_name = ctx.cache["people"]
        person = by_email.get(text.casefold())
        if person is None:
            named = by_name.get(normalize(text), [])
            if len(named) > 1:
                raise CellError(
                    _("%(count)d people are called %(name)s: give the e-mail.") % {"count": len(named), "name": text}
                )
            person = named[0] if named else None
        if person is None:
            raise CellError(_("No person has the e-mail or name %(name)s.") % {"name": text})
        if not person.active:
            raise CellError(_("%(name)s is inactive and cannot be allocated.") % {"name": person})
        return person

    def display(self, value: Any) -> str:
        if value is None:
            return ""
        return f"{value.full_name} <{value.email}>" if value.email else value.full_name

    def allowed(self, ctx: ImportContext) -> str:
        return _("The e-mail (or the name) of a person")


class Week(Field):
    """An ISO week, ``2026-W47``, or the date of its Monday."""

    def parse(self, text: str, ctx: ImportContext) -> dt.date:
        if re.fullmatch(r"\d{4}-?[Ww]\d{1,2}", text.strip()):
            try:
                return parse_week(text)
            except ValidationError:
                raise CellError(_("Give the week as an ISO week, e.g. 2026-W47.")) from None
        try:
            day = Date().parse(text, ctx)
        except CellError:
            raise CellError(_("Give the week as an ISO week, e.g. 2026-W47.")) from None
        if day.weekday() != 0:
            raise CellError(
                _("A week starts on a Monday: %(day)s is not one (its week is %(week)s).")
                % {"day": day.isoformat(), "week": week_label(day - dt.timedelta(days=day.weekday()))}
            )
        return day

    def display(self, value: Any) -> str:
        return "" if value is None else week_label(value)

    def allowed(self, ctx: ImportContext) -> str:
        return _("An ISO week, e.g. 2026-W47, or the date of its Monday")


class AllocationSpec(EntitySpec):
    key = "allocations"
    label = gettext_lazy("Allocations")
    description = gettext_lazy(
        "Hours per week a person is planned on a project, for a run of ISO weeks. A person has at most one "
        "allocation per project and week: overlaps are refused."
    )
    list_url_name = "allocations"
    refusals = (ValidationError, PermissionDenied, ProjectsConflict)
    columns = (
        Column("person", gettext_lazy("Person"), PersonRef(), required=True, example="li.na@example.com"),
        Column("project", gettext_lazy("Project"), ProjectCode(allocatable_projects), required=True, example="PRJ-001"),
        Column("start_week", gettext_lazy("From week"), Week(), required=True, example="2027-W02"),
        Column("end_week", gettext_lazy("To week"), Week(), required=True, example="2027-W10"),
        Column(
            "hours_per_week",
            gettext_lazy("Hours per week"),
            Number(
                minimum=allocations.MIN_HOURS,
                maximum=allocations.MAX_HOURS,
                message=lambda: (
                    _("Give the hours per week between %(min)s and %(max)s.")
                    % {"min": allocations.MIN_HOURS, "max": allocations.MAX_HOURS}
                ),
            ),
            required=True,
            example="20",
        ),
        Column("role", gettext_lazy("Role"), Text(120), default="", example=gettext_lazy("Developer")),
    )

    def may_import(self, access: OrgAccess) -> bool:
        return True

    def count_label(self, count: int) -> str:
        return ngettext("%(count)d allocation", "%(count)d allocations", count) % {"count": count}

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        people = {row.values["person"].pk for row in rows if row.values.get("person") is not None}
        projects = {row.values["project"].pk for row in rows if row.values.get("project") is not None}
        booked: dict[tuple[int, int], list[Allocation]] = {}
        for allocation in Allocation.objects.filter(
            organization=ctx.organization, person_id__in=people, project_id__in=projects
        ).order_by("start_week"):
            booked.setdefault((allocation.person_id, allocation.project_id), []).append(allocation)
        ctx.cache["booked"] = booked
        ctx.cache["in_file"] = {}

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        start, end = values.get("start_week"), values.get("end_week")
        if start is None or end is None or not row.ok("start_week", "end_week"):
            return
        if end < start:
            row.error("end_week", _("The last week cannot be before the first week."))
            return
        person, project = values.get("person"), values.get("project")
        if person is None or project is None or not row.ok("person", "project"):
            return
        key = (person.pk, project.pk)
        for allocation in ctx.cache["booked"].get(key, []):
            if allocation.start_week <= end and allocation.end_week >= start:
                row.error(
                    "start_week",
                    _(
                        "%(person)s is already allocated to %(project)s from %(first)s to %(last)s: change that "
                        "allocation instead of adding an overlapping one."
                    )
                    % {
                        "person": person,
                        "project": project.code,
                        "first": week_label(allocation.start_week),
                        "last": week_label(allocation.end_week),
                    },
                )
                return
        for line, first, last in ctx.cache["in_file"].get(key, []):
            if first <= end and last >= start:
                row.error(
                    "start_week",
                    _("Row %(line)d allocates %(person)s to %(project)s in some of these weeks already.")
                    % {"line": line, "person": person, "project": project.code},
                )
                return
        ctx.cache["in_file"].setdefault(key, []).append((row.line, start, end))

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Allocation]:
        return allocations.allocations_create_many(
            organization=ctx.organization,
            actor=ctx.actor,
            allocations=[
                allocations.NewAllocation(
                    person=values["person"],
                    project=values["project"],
                    start_week=values["start_week"],
                    end_week=values["end_week"],
                    hours_per_week=values["hours_per_week"],
                    role=values["role"],
                )
                for values in rows
            ],
        )


PEOPLE = PeopleSpec()
ALLOCATIONS = AllocationSpec()
