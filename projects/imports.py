"""Projects and milestones from a spreadsheet (see ``pmo/imports/specs.py``). The rows go through
``services.projects_create_many`` or ``services.milestones_create_many`` (the rules of ``project_create`` and
``milestone_create``, in a fixed number of queries).

- Projects need ``projects.create``. A project gets the process template named in its row (by default the built-in
  standard lifecycle), so its phases, gates, milestones and baseline v1 are those of a project created on the page.
- Milestones go into projects the importer may change (``project X not found or not yours`` otherwise, the same
  words for a missing project). A new milestone has no baseline date until the project's next baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pmo.imports.specs import (
    CellError,
    Choice,
    Column,
    Date,
    EntitySpec,
    Field,
    ImportContext,
    Integer,
    Lookup,
    Member,
    Number,
    Row,
    Text,
    lookup_keys,
    normalize,
    split_list,
)
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from portfolio.models import Portfolio, Programme
from projects import permissions, selectors, services
from projects.models import Milestone, ProcessTemplate, Project, ProjectPhase

ARCHIVED = (Project.Status.CLOSED, Project.Status.CANCELLED)
MAX_BUDGET = Decimal("99999999999999.99")
# The result of a milestone import links at most this many projects' milestone tabs.
RESULT_LINKS = 20


class ProjectCode(Field):
    """A project by its code, among those ``writable(ctx)`` returns; any other code (missing, another
    organisation's, one the importer may not change) reads "not found or not yours". A closed or cancelled project
    the importer can see is named as read-only instead."""

    def __init__(self, writable: Callable[[ImportContext], QuerySet[Project]]) -> None:
        self.writable = writable

    def _key(self) -> str:
        return f"projects:{id(self)}"

    def prepare(self, ctx: ImportContext, texts: set[str]) -> None:
        wanted = lookup_keys(texts)
        found: dict[str, list[Project]] = {}
        archived: set[str] = set()
        if wanted:
            for project in self.writable(ctx).annotate(code_lower=Lower("code")).filter(code_lower__in=wanted):
                found.setdefault(normalize(project.code), []).append(project)
            missing = lookup_keys(text for text in texts if normalize(text) not in found)
            if missing:
                archived = {
                    normalize(code)
                    for code in selectors.projects_visible_to(access=ctx.access)
                    .filter(status__in=ARCHIVED)
                    .annotate(code_lower=Lower("code"))
                    .filter(code_lower__in=missing)
                    .values_list("code", flat=True)
                }
        ctx.cache[self._key()] = (found, archived)

    def parse(self, text: str, ctx: ImportContext) -> Project:
        found, archived = ctx.cache[self._key()]
        matches = found.get(normalize(text), [])
        exact = [project for project in matches if project.code == text]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if normalize(text) in archived:
            raise CellError(_("Project %(code)s is closed or cancelled: it is read-only.") % {"code": text})
        raise CellError(_("Project %(code)s not found or not yours.") % {"code": text})

    def display(self, value: Any) -> str:
        return "" if value is None else f"{value.code} · {value.name}"

    def allowed(self, ctx: ImportContext) -> str:
        return _("The code of a project you may change, e.g. PRJ-001")


def changeable_projects(ctx: ImportContext) -> QuerySet[Project]:
    """Open projects whose milestones (and RAID items) the importer may change."""
    from risks.selectors import projects_keepable_by

    return projects_keepable_by(access=ctx.access)


# --- Projects -------------------------------------------------------------------------------------------------


def _portfolios(ctx: ImportContext) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(organization=ctx.organization)


def _programmes(ctx: ImportContext) -> QuerySet[Programme]:
    return Programme.objects.filter(organization=ctx.organization)


def _templates(ctx: ImportContext) -> QuerySet[ProcessTemplate]:
    return selectors.templates_for_new_projects(access=ctx.access)


class Tags(Field):
    def parse(self, text: str, ctx: ImportContext) -> list[str]:
        tags = split_list(text)
        if any(len(tag) > 40 for tag in tags):
            raise CellError(_("A tag has at most 40 characters."))
        return tags

    def display(self, value: Any) -> str:
        return ", ".join(value or ())

    def allowed(self, ctx: ImportContext) -> str:
        return _("Words separated by commas")


PROJECT_STATUSES = [Project.Status.PROPOSED, Project.Status.PLANNING, Project.Status.ACTIVE]


class NewProjectStatus(Choice):
    """A new project starts proposed, planning or active (as on the page)."""

    def options(self) -> list[Any]:
        return list(PROJECT_STATUSES)


class ProjectSpec(EntitySpec):
    key = "projects"
    label = gettext_lazy("Projects")
    description = gettext_lazy(
        "New projects with their process template's phases, gates and milestones, and baseline v1. A code that "
        "exists already is refused; leave it empty for the next free code."
    )
    list_url_name = "project-list"
    refusals = (ValidationError, services.ProjectsConflict)
    columns = (
        Column(
            "code",
            gettext_lazy("Code"),
            Text(32),
            help=gettext_lazy("Unique in the organisation; empty for the next free code."),
            example="PRJ-101",
        ),
        Column(
            "name",
            pgettext_lazy("import column", "Project name"),
            Text(200),
            required=True,
            example=gettext_lazy("Customer portal relaunch"),
        ),
        Column(
            "template",
            gettext_lazy("Process template"),
            Lookup(
                queryset=_templates,
                field="name",
                missing=lambda name: _("No active process template is called %(name)s.") % {"name": name},
                allowed=lambda: _("The name of an active process template"),
            ),
            help=gettext_lazy("Empty for the built-in standard lifecycle."),
        ),
        Column(
            "status",
            pgettext_lazy("import column", "Project status"),
            NewProjectStatus(Project.Status),
            help=gettext_lazy("Empty for Planning."),
            default=Project.Status.PLANNING,
            example=gettext_lazy("Planning"),
        ),
        Column(
            "priority",
            gettext_lazy("Priority"),
            Choice(Project.Priority),
            default=Project.Priority.MEDIUM,
            help=gettext_lazy("Empty for Medium."),
            example=gettext_lazy("High"),
        ),
        Column(
            "portfolio",
            gettext_lazy("Portfolio"),
            Lookup(
                queryset=_portfolios,
                field="name",
                missing=lambda name: _("No portfolio is called %(name)s.") % {"name": name},
                allowed=lambda: _("The name of a portfolio"),
            ),
        ),
        Column(
            "programme",
            gettext_lazy("Programme"),
            Lookup(
                queryset=_programmes,
                field="name",
                missing=lambda name: _("No programme is called %(name)s.") % {"name": name},
                allowed=lambda: _("The name of a programme of the portfolio"),
            ),
        ),
        Column(
            "manager",
            gettext_lazy("Manager"),
            Member(),
            help=gettext_lazy("Gets view and change permission on the project."),
            example="manager@example.com",
        ),
        Column("sponsor", gettext_lazy("Sponsor"), Member(), example="sponsor@example.com"),
        Column("planned_start", gettext_lazy("Planned start"), Date(), example="2027-01-04"),
        Column("planned_finish", gettext_lazy("Planned finish"), Date(), example="2027-06-30"),
        Column(
            "budget_at_completion",
            gettext_lazy("Budget"),
            Number(minimum=Decimal(0), maximum=MAX_BUDGET),
            default=Decimal(0),
            help=gettext_lazy("In the organisation's currency."),
            example="250000",
        ),
        Column("tags", gettext_lazy("Tags"), Tags(), default=[], example="digital, customer"),
        Column("description", gettext_lazy("Description"), Text(), default=""),
        Column("objectives", gettext_lazy("Objectives"), Text(), default=""),
    )

    def may_import(self, access: OrgAccess) -> bool:
        return access.can(permissions.CREATE)

    def count_label(self, count: int) -> str:
        return ngettext("%(count)d project", "%(count)d projects", count) % {"count": count}

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        codes = {row.values["code"] for row in rows if row.values.get("code")}
        ctx.cache["existing_codes"] = set(
            Project.objects.filter(organization=ctx.organization, code__in=codes).values_list("code", flat=True)
        )
        ctx.cache["codes_in_file"] = {}
        ctx.cache["standard_template"] = (
            _templates(ctx).filter(is_builtin=True, kind=ProcessTemplate.Kind.STANDARD).order_by("pk").first()
        )

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        values = row.values
        code = values.get("code")
        if code and row.ok("code"):
            first = ctx.cache["codes_in_file"].setdefault(code, row.line)
            if code in ctx.cache["existing_codes"]:
                row.error("code", _("A project with this code exists already."))
            elif first != row.line:
                row.error("code", _("Row %(line)d has this code already.") % {"line": first})
        start, finish = values.get("planned_start"), values.get("planned_finish")
        if start and finish and finish < start:
            row.error("planned_finish", _("The planned finish cannot be before the planned start."))
        programme, portfolio = values.get("programme"), values.get("portfolio")
        if programme is not None and portfolio is not None and programme.portfolio_id != portfolio.pk:
            row.error("programme", _("The programme belongs to another portfolio."))
        if values.get("template") is None and row.ok("template"):
            values["template"] = ctx.cache["standard_template"]

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Project]:
        return services.projects_create_many(
            organization=ctx.organization,
            actor=ctx.actor,
            projects=[
                services.NewProject(
                    name=values["name"],
                    code=values["code"] or None,
                    template=values["template"],
                    status=values["status"],
                    priority=values["priority"],
                    portfolio=values["portfolio"],
                    programme=values["programme"],
                    manager=values["manager"],
                    sponsor=values["sponsor"],
                    planned_start=values["planned_start"],
                    planned_finish=values["planned_finish"],
                    budget_at_completion=values["budget_at_completion"],
                    tags=values["tags"],
                    description=values["description"],
                    objectives=values["objectives"],
                )
                for values in rows
            ],
        )


# --- Milestones -----------------------------------------------------------------------------------------------


class MilestoneSpec(EntitySpec):
    key = "milestones"
    label = gettext_lazy("Milestones")
    description = gettext_lazy(
        "Milestones added at the end of projects you may change. Their baseline date is set by the project's "
        "next baseline."
    )
    refusals = (ValidationError, services.ProjectsConflict)
    columns = (
        Column("project", gettext_lazy("Project"), ProjectCode(changeable_projects), required=True, example="PRJ-001"),
        Column(
            "name",
            gettext_lazy("Milestone"),
            Text(200),
            required=True,
            help=gettext_lazy("Unique within its project."),
            example=gettext_lazy("Pilot go-live"),
        ),
        Column(
            "phase",
            gettext_lazy("Phase"),
            Text(120),
            help=gettext_lazy("The name of one of the project's phases."),
        ),
        Column("forecast_date", gettext_lazy("Forecast date"), Date(), example="2027-03-31"),
        Column(
            "actual_date",
            gettext_lazy("Actual date"),
            Date(),
            help=gettext_lazy("Only once it is reached: not in the future."),
        ),
        Column(
            "weight",
            gettext_lazy("Weight"),
            Integer(minimum=1, maximum=lambda ctx: 100, message=lambda ctx: _("A weight between 1 and 100.")),
            default=1,
            help=gettext_lazy("Its share in the project's progress; empty for 1."),
            example="1",
        ),
    )

    def may_import(self, access: OrgAccess) -> bool:
        return True

    def count_label(self, count: int) -> str:
        return ngettext("%(count)d milestone", "%(count)d milestones", count) % {"count": count}

    def result_links(self, organization: Organization, ids: Sequence[int]) -> list[tuple[str, str]]:
        """The milestones tab of each project the batch added milestones to (there is no list of all)."""
        projects = (
            Project.objects.filter(organization=organization, milestones__pk__in=ids)
            .distinct()
            .order_by("code")
            .values_list("pk", "code")[:RESULT_LINKS]
        )
        return [
            (code, reverse("project-milestones", kwargs={"org_slug": organization.slug, "pk": pk}))
            for pk, code in projects
        ]

    def prepare(self, ctx: ImportContext, rows: list[Row]) -> None:
        project_ids = {row.values["project"].pk for row in rows if row.values.get("project") is not None}
        phases: dict[tuple[int, str], list[ProjectPhase]] = {}
        for phase in ProjectPhase.objects.filter(organization=ctx.organization, project_id__in=project_ids):
            phases.setdefault((phase.project_id, normalize(phase.name)), []).append(phase)
        ctx.cache["phases"] = phases
        ctx.cache["names"] = {
            (project_id, name)
            for project_id, name in Milestone.objects.filter(
                organization=ctx.organization, project_id__in=project_ids
            ).values_list("project_id", "name")
        }
        ctx.cache["names_in_file"] = {}

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        project = row.values.get("project")
        if project is None or not row.ok("project"):
            return
        phase_name = row.values.get("phase")
        if phase_name:
            matches = ctx.cache["phases"].get((project.pk, normalize(phase_name)), [])
            if len(matches) != 1:
                row.error(
                    "phase", _("%(code)s has no phase called %(name)s.") % {"code": project.code, "name": phase_name}
                )
            else:
                row.values["phase"] = matches[0]
        name = row.values.get("name")
        if name and row.ok("name"):
            first = ctx.cache["names_in_file"].setdefault((project.pk, name), row.line)
            if (project.pk, name) in ctx.cache["names"]:
                row.error("name", _("This project has a milestone of that name already."))
            elif first != row.line:
                row.error("name", _("Row %(line)d has this milestone already.") % {"line": first})
        actual = row.values.get("actual_date")
        if actual is not None and actual > ctx.today:
            row.error("actual_date", _("An actual date cannot lie in the future."))

    def create_many(self, ctx: ImportContext, rows: list[dict[str, Any]]) -> list[Milestone]:
        return services.milestones_create_many(
            organization=ctx.organization,
            actor=ctx.actor,
            milestones=[
                services.NewMilestone(
                    project=values["project"],
                    name=values["name"],
                    phase=values["phase"] or None,
                    forecast_date=values["forecast_date"],
                    actual_date=values["actual_date"],
                    weight=values["weight"],
                )
                for values in rows
            ],
        )


PROJECTS = ProjectSpec()
MILESTONES = MilestoneSpec()
