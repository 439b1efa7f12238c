"""Writes of weekly timesheets (工时填报): a person's actual hours of one ISO week per project, submitted and then
approved or returned. Every service names its organisation and actor, is atomic and locks the timesheet row, so a
save, a submit and an approval cannot interleave.

Who may do what:

- A person's sheet is entered (created, saved, submitted) by the user linked to the person
  (``Person.user``, with ``Capability.TIMESHEETS_SUBMIT``) or by the PMO (``Capability.RESOURCES_MANAGE``) for anyone.
- It is approved or returned by a user with ``Capability.TIMESHEETS_APPROVE`` who may change every project with
  hours on the sheet (``projects.selectors.project_can_change``) and who is not the sheet's own person
  (segregation of duties). Approval freezes the person's cost rate on the sheet, so a later rate change never
  rewrites actual cost.

Which projects a sheet may book (documented choice): a project the person is allocated to in that week, or one
the person's user may read; a closed or cancelled project is refused. Hours are 0–168 per entry and at most 168 for
the week; an entry of 0 hours is not stored.

Refusals: ``ValidationError`` for bad input (API 400); ``PermissionDenied`` with the reason (403);
``TimesheetExists`` for a second sheet of a person and week, ``TimesheetStale`` for a stale version and
``TimesheetStateConflict`` for a step the sheet's state no longer allows (all ``ProjectsConflict``, API 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability
from projects.models import Project
from projects.policy import current_week_start, week_label, week_start_of
from projects.selectors import project_can_change
from projects.services import AlreadyExists, ProjectsConflict, StaleVersion
from resources.models import Person, Timesheet, TimesheetEntry
from resources.timesheets import selectors

State = Timesheet.State
EDITABLE_STATES = (State.DRAFT, State.RETURNED)
MAX_WEEK_HOURS = Decimal(168)
NOTE_MAX = 200
COMMENT_MAX = 2000


class TimesheetExists(AlreadyExists):
    def __init__(self, person: Person, week_start: dt.date) -> None:
        super().__init__(
            _("%(person)s already has a timesheet for %(week)s.")
            % {"person": person.full_name, "week": week_label(week_start)}
        )


class TimesheetStale(StaleVersion):
    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed this timesheet in the meantime. Reload it and try again.")
        )


class TimesheetStateConflict(ProjectsConflict):
    def __init__(self, timesheet: Timesheet) -> None:
        super().__init__(
            _("The timesheet is %(state)s: this step is not possible any more. Reload the page to see what changed.")
            % {"state": timesheet.get_state_display().lower()}
        )


# --- Access -------------------------------------------------------------------------------------------------------


def actor_access(*, organization: Organization, actor: Any) -> OrgAccess:
    """The actor's role in ``organization``; a non-member may do nothing (``PermissionDenied``)."""
    membership = Membership.objects.filter(organization=organization, user_id=getattr(actor, "pk", None)).first()
    if membership is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    return OrgAccess(organization=organization, membership=membership)


def may_enter(*, access: OrgAccess, person: Person) -> bool:
    """Whether ``access`` may create, save and submit ``person``'s timesheets."""
    if access.can(Capability.RESOURCES_MANAGE):
        return True
    return person.user_id == access.membership.user_id and access.can(Capability.TIMESHEETS_SUBMIT)


def approval_refusal(*, access: OrgAccess, timesheet: Timesheet, projects: Iterable[Project]) -> str | None:
    """Why ``access`` may not approve or return ``timesheet`` (with hours on ``projects``), or ``None``."""
    if not access.can(Capability.TIMESHEETS_APPROVE):
        return _("You do not have permission to approve timesheets.")
    if timesheet.person.user_id is not None and timesheet.person.user_id == access.membership.user_id:
        return _("This is your own timesheet: someone else must approve it.")
    refused = [project.code for project in projects if not project_can_change(access=access, project=project)]
    if refused:
        return _("You may not approve hours on %(projects)s: only whoever may change those projects can.") % {
            "projects": ", ".join(sorted(refused))
        }
    return None


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not enter this person's timesheet."))


def _lock(*, organization: Organization, timesheet: Timesheet, expected: Sequence[str]) -> Timesheet:
    """Lock the timesheet row and check its state: the second of two concurrent steps waits and then finds the new
    state (409)."""
    locked = (
        Timesheet.objects.select_for_update().select_related("person").get(organization=organization, pk=timesheet.pk)
    )
    if locked.state not in expected:
        raise TimesheetStateConflict(locked)
    return locked


def _bump(timesheet: Timesheet, fields: Sequence[str]) -> Timesheet:
    timesheet.version = F("version") + 1
    timesheet.save(update_fields=[*fields, "version"])
    timesheet.refresh_from_db()
    return timesheet


# --- Validation ---------------------------------------------------------------------------------------------------


def _hours(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def clean_entries(
    *, organization: Organization, person: Person, week_start: dt.date, entries: Sequence[Mapping[str, Any]]
) -> list[tuple[Project, Decimal, str]]:
    """``entries`` (``{"project": id, "hours": …, "note": …}``) checked: known bookable projects, each once, hours
    0–168 with at most two decimals, the week's total at most 168; ``ValidationError`` with every problem at once.
    Entries of 0 hours are dropped."""
    if not isinstance(entries, (list, tuple)):
        raise ValidationError({"entries": [_("Entries must be a list of projects with hours.")]})
    errors: list[str] = []
    parsed: list[tuple[int, Decimal, str]] = []
    seen: set[int] = set()
    for number, item in enumerate(entries, start=1):
        if not isinstance(item, Mapping):
            errors.append(_("Entry %(n)s: give a project and hours.") % {"n": number})
            continue
        raw = item.get("project")
        raw_id = raw.pk if isinstance(raw, Project) else raw
        if isinstance(raw_id, bool) or not str(raw_id or "").isdigit():
            errors.append(_("Entry %(n)s: choose a project.") % {"n": number})
            continue
        project_id = int(str(raw_id))
        hours = _hours(item.get("hours"))
        if hours is None or not Decimal(0) <= hours <= MAX_WEEK_HOURS or hours != hours.quantize(Decimal("0.01")):
            errors.append(_("Entry %(n)s: give the hours as a number from 0 to 168.") % {"n": number})
            continue
        if project_id in seen:
            errors.append(_("Entry %(n)s: each project appears once per timesheet.") % {"n": number})
            continue
        seen.add(project_id)
        if hours > 0:
            parsed.append((project_id, hours, str(item.get("note") or "").strip()[:NOTE_MAX]))
    bookable = selectors.bookable_projects(organization=organization, person=person, week_start=week_start)
    found = {
        project.pk: project
        for project in Project.objects.filter(organization=organization, pk__in=[pid for pid, _h, _n in parsed])
    }
    cleaned: list[tuple[Project, Decimal, str]] = []
    for project_id, hours, note in parsed:
        project = found.get(project_id)
        if project is None or project_id not in bookable:
            # Missing, another organisation's and not bookable read the same: nothing is revealed.
            errors.append(_("%(person)s cannot book hours on this project.") % {"person": person.full_name})
        elif project.is_read_only:
            errors.append(
                _("%(code)s is %(status)s: hours cannot be booked on a closed or cancelled project.")
                % {"code": project.code, "status": project.get_status_display().lower()}
            )
        else:
            cleaned.append((project, hours, note))
    total = sum((hours for _p, hours, _n in cleaned), Decimal(0))
    if total > MAX_WEEK_HOURS:
        errors.append(_("A week has 168 hours: the total is %(total)s.") % {"total": total})
    if errors:
        raise ValidationError({"entries": errors})
    return cleaned


# --- Services -----------------------------------------------------------------------------------------------------


@transaction.atomic
def timesheet_create(
    *, organization: Organization, actor: Any, person: Person, week_start: dt.date, at: dt.datetime | None = None
) -> Timesheet:
    """Start ``person``'s draft timesheet of the ISO week of ``week_start``. A week after the current one (in the
    organisation's time zone) is refused (400); a second sheet of the person and week is ``TimesheetExists`` (409),
    also when two requests race (the database's unique constraint decides)."""
    access = actor_access(organization=organization, actor=actor)
    person = Person.objects.get(organization=organization, pk=person.pk)
    _require(may_enter(access=access, person=person))
    week = week_start_of(week_start)
    if week > current_week_start(organization=organization, now=at):
        raise ValidationError({"week": [_("Hours cannot be entered for a future week.")]})
    if not person.active:
        raise ValidationError({"person": [_("%(person)s is inactive.") % {"person": person.full_name}]})
    if Timesheet.objects.filter(organization=organization, person=person, week_start=week).exists():
        raise TimesheetExists(person, week)
    try:
        with transaction.atomic():
            return Timesheet.objects.create(organization=organization, person=person, week_start=week)
    except IntegrityError as exc:
        raise TimesheetExists(person, week) from exc


@transaction.atomic
def timesheet_save(
    *,
    organization: Organization,
    actor: Any,
    timesheet: Timesheet,
    entries: Sequence[Mapping[str, Any]],
    version: int | None,
) -> Timesheet:
    """Replace a draft (or returned) sheet's entries with ``entries`` (see ``clean_entries``). ``version`` must be
    the one the caller read, else ``TimesheetStale`` (409) and nothing is saved."""
    if version is None:
        raise ValidationError({"version": [_("Send the version you read.")]})
    access = actor_access(organization=organization, actor=actor)
    locked = _lock(organization=organization, timesheet=timesheet, expected=(*EDITABLE_STATES,))
    _require(may_enter(access=access, person=locked.person))
    if version != locked.version:
        raise TimesheetStale()
    cleaned = clean_entries(
        organization=organization, person=locked.person, week_start=locked.week_start, entries=entries
    )
    TimesheetEntry.objects.filter(organization=organization, timesheet=locked).delete()
    TimesheetEntry.objects.bulk_create(
        [
            TimesheetEntry(organization=organization, timesheet=locked, project=project, hours=hours, note=note)
            for project, hours, note in cleaned
        ]
    )
    return _bump(locked, [])


@transaction.atomic
def timesheet_submit(
    *,
    organization: Organization,
    actor: Any,
    timesheet: Timesheet,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Timesheet:
    """Hand a draft (or returned) sheet to the approvers. It needs at least one entry (400); ``version``, when
    given, must be current (409)."""
    access = actor_access(organization=organization, actor=actor)
    locked = _lock(organization=organization, timesheet=timesheet, expected=(*EDITABLE_STATES,))
    _require(may_enter(access=access, person=locked.person))
    if version is not None and version != locked.version:
        raise TimesheetStale()
    if not TimesheetEntry.objects.filter(organization=organization, timesheet=locked, hours__gt=0).exists():
        raise ValidationError({"entries": [_("Enter the hours of at least one project before submitting.")]})
    locked.state, locked.submitted_at = State.SUBMITTED, at or timezone.now()
    return _bump(locked, ["state", "submitted_at"])


def _decide(
    *,
    organization: Organization,
    actor: Any,
    timesheet: Timesheet,
    state: str,
    comment: str,
    at: dt.datetime | None,
) -> Timesheet:
    access = actor_access(organization=organization, actor=actor)
    locked = _lock(organization=organization, timesheet=timesheet, expected=(State.SUBMITTED,))
    projects = Project.objects.filter(
        organization=organization,
        pk__in=TimesheetEntry.objects.filter(organization=organization, timesheet=locked).values("project_id"),
    )
    refusal = approval_refusal(access=access, timesheet=locked, projects=projects)
    if refusal:
        raise PermissionDenied(refusal)
    locked.state = state
    locked.decided_by, locked.decided_at, locked.comment = actor, at or timezone.now(), comment
    fields = ["state", "decided_by", "decided_at", "comment"]
    if state == State.APPROVED:
        locked.cost_rate = locked.person.cost_rate
        fields.append("cost_rate")
    return _bump(locked, fields)


@transaction.atomic
def timesheet_approve(
    *, organization: Organization, actor: Any, timesheet: Timesheet, comment: str = "", at: dt.datetime | None = None
) -> Timesheet:
    """Approve a submitted sheet (see the module's rules on who may) and freeze the person's current cost rate on
    it: its hours × that rate are actual cost from now on."""
    return _decide(
        organization=organization,
        actor=actor,
        timesheet=timesheet,
        state=State.APPROVED,
        comment=str(comment or "").strip()[:COMMENT_MAX],
        at=at,
    )


@transaction.atomic
def timesheet_return(
    *, organization: Organization, actor: Any, timesheet: Timesheet, comment: str, at: dt.datetime | None = None
) -> Timesheet:
    """Send a submitted sheet back to its person, saying what to correct (required, 400 without)."""
    comment = str(comment or "").strip()[:COMMENT_MAX]
    if not comment:
        raise ValidationError({"comment": [_("Say what should be corrected.")]})
    return _decide(
        organization=organization, actor=actor, timesheet=timesheet, state=State.RETURNED, comment=comment, at=at
    )
