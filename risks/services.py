"""Writes of the risk register and the issue log (RAID). Every service names its organisation and actor, is atomic
and locks in one order — the project row (refusing a closed or cancelled project), the organisation's risk settings
(when a number is taken), then the item — so that two writers cannot deadlock.

Refusals: ``ValidationError`` for bad input (400), including a probability or impact outside the organisation's
scale; ``PermissionDenied`` when the actor may not keep the item or take the step (403); ``RaidConflict`` when the
item is no longer in a state that allows the step, ``RaidStale`` for an edit based on an old version and
``ProjectReadOnly`` for an archived project (all ``ProjectsConflict``, 409).

Project items are kept by whoever may change the project; portfolio-level items (no project) by
``PORTFOLIO_MANAGE``. Escalation goes project → PMO (whoever keeps the item) → executive
(``RISKS_ESCALATE_EXECUTIVE``); the owner of a level may hand the item back one level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.core.bulk import RowChecks, single
from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from portfolio.models import Portfolio
from projects.changes.services import actor_access
from projects.models import Project
from projects.selectors import project_can_change
from projects.services import ProjectsConflict, StaleVersion, _lock_project, _lock_projects, _refuse_read_only
from risks import permissions
from risks.models import ESCALATION_ORDER, Assumption, EscalationLevel, Issue, Risk, RiskAction
from risks.scoring import HIGH, MEDIUM, level_of, risk_settings_get, risk_settings_lock

RISK_FIELDS = (
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "probability",
    "impact",
    "proximity",
    "owner",
    "strategy",
    "response_plan",
    "contingency",
)
# Changing any of these is a review of the risk: it is re-rated or its response is reconsidered.
REVIEW_FIELDS = ("probability", "impact", "strategy", "response_plan")
ISSUE_FIELDS = ("title", "description", "severity", "owner", "due_date", "status")
ASSUMPTION_FIELDS = ("title", "description", "owner", "validate_by", "status")
ACTION_FIELDS = ("title", "owner", "due_date", "done")
TEXT_FIELDS = ("title", "cause", "event", "effect", "response_plan", "contingency", "description", "resolution")
MAX_TITLE = 200


class RaidConflict(ProjectsConflict):
    """The item is not (any more) in a state that allows this step."""


class RaidStale(StaleVersion):
    def __init__(self, item: Any) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed %(item)s in the meantime. Reload it and try again.") % {"item": _label(item)}
        )


def _label(item: Any) -> str:
    return str(getattr(item, "code", None) or getattr(item, "title", ""))


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to perform this action."))


def may_keep(*, access: OrgAccess, project: Project | None) -> bool:
    """May the actor write the RAID items of ``project`` (or, without one, portfolio-level items)?"""
    if project is None:
        return access.can(permissions.PORTFOLIO_WRITE)
    return project_can_change(access=access, project=project)


def _access(organization: Organization, actor: Any) -> OrgAccess:
    return actor_access(organization=organization, actor=actor)


def _lock_scope(*, organization: Organization, project_id: int | None) -> Project | None:
    return None if project_id is None else _lock_project(organization=organization, project_id=project_id)


def _lock_row(model: type[Model], *, organization: Organization, pk: int) -> Any:
    return model.objects.select_for_update().get(organization=organization, pk=pk)  # type: ignore[attr-defined]


def _next_number(model: type[Risk] | type[Issue], organization: Organization) -> int:
    """The organisation's next number; the caller holds the risk-settings lock, which serialises numbering."""
    return (model.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0) + 1


def _check_version(item: Any, version: int | None) -> None:
    if version is not None and version != item.version:
        raise RaidStale(item)


def _user_id(user: Any) -> int:
    return int(getattr(user, "pk", user))


def _members(organization: Organization, users: Iterable[Any]) -> dict[int, Any]:
    """The members of ``organization`` among ``users`` (users or ids; blanks left out) by user id, in one query."""
    ids = {_user_id(user) for user in users if user not in (None, "")}
    if not ids:
        return {}
    memberships = Membership.objects.filter(organization=organization, user_id__in=ids).select_related("user")
    return {membership.user_id: membership.user for membership in memberships}


def _member(
    organization: Organization,
    user: Any,
    errors: dict[str, list[str]],
    name: str = "owner",
    members: Mapping[int, Any] | None = None,
) -> Any:
    """``user`` (a user or an id) if a member of ``organization``; ``None`` stays ``None``. ``members``: the
    members loaded for a batch (``_members``), else they are looked up."""
    if user in (None, ""):
        return None
    if members is None:
        members = _members(organization, [user])
    member = members.get(_user_id(user))
    if member is None:
        errors[name] = [_("Choose a member of the organisation.")]
        return None
    return user if hasattr(user, "pk") else member


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        errors[name] = [_("Give a date, e.g. 2026-11-30.")]
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = [_("Give a date, e.g. 2026-11-30.")]
        return None


def _rating(value: Any, name: str, scale: int, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= scale:
        errors[name] = [_("Rate it from 1 to %(scale)d (the organisation's scale).") % {"scale": scale}]
        return None
    return value


def _choice(value: Any, name: str, choices: Any, errors: dict[str, list[str]]) -> str:
    if value not in choices.values:
        errors[name] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(label) for label in choices.labels)}
        ]
    return str(value)


def _clean(
    organization: Organization, values: dict[str, Any], *, scale: int = 5, members: Mapping[int, Any] | None = None
) -> dict[str, Any]:
    """Strip and check the fields present in ``values`` (risks, issues, assumptions, actions); ``ValidationError``
    with every problem. ``members``: see ``_member``."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for name in TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "title" in cleaned:
        if not cleaned["title"]:
            errors["title"] = [_("Give it a title.")]
        elif len(cleaned["title"]) > MAX_TITLE:
            errors["title"] = [_("Keep the title under 200 characters.")]
    for name in ("probability", "impact"):
        if name in cleaned:
            cleaned[name] = _rating(cleaned[name], name, scale, errors)
    for name in ("proximity", "due_date", "validate_by"):
        if name in cleaned:
            cleaned[name] = _date(cleaned[name], name, errors)
    if "owner" in cleaned:
        cleaned["owner"] = _member(organization, cleaned["owner"], errors, members=members)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _risk_choices(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "category" in values:
        _choice(values["category"], "category", Risk.Category, errors)
    if "strategy" in values:
        _choice(values["strategy"], "strategy", Risk.Strategy, errors)
    if errors:
        raise ValidationError(errors)


def _scope(*, project: Project | None, portfolio: Portfolio | None) -> tuple[Project | None, Portfolio | None]:
    if project is None and portfolio is None:
        raise ValidationError({"project": [_("Choose a project, or a portfolio for a portfolio-level item.")]})
    return (project, None) if project is not None else (None, portfolio)


def _save(item: Any, values: dict[str, Any], *, extra: dict[str, Any] | None = None) -> Any:
    """Set the changed ``values`` (and ``extra``, always) on the locked ``item``, bump its version, save them."""
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    updates = {**{name: values[name] for name in changed}, **(extra or {})}
    if not updates:
        return item
    for name, value in updates.items():
        setattr(item, name, value)
    item.version = F("version") + 1
    item.save(update_fields=[*updates, "version"])
    item.refresh_from_db()
    return item


# --- Risks -------------------------------------------------------------------------------------------------------


def _lock_risk(*, organization: Organization, risk: Risk, open_only: bool = True) -> Risk:
    _lock_scope(organization=organization, project_id=risk.project_id)
    locked: Risk = _lock_row(Risk, organization=organization, pk=risk.pk)
    if open_only and locked.status != Risk.Status.OPEN:
        raise RaidConflict(
            _("%(code)s is %(status)s: this step is not possible any more. Reload the page to see what changed.")
            % {"code": locked.code, "status": locked.get_status_display().lower()}
        )
    return locked


def _may_keep_risk(access: OrgAccess, item: Risk | Issue) -> bool:
    return may_keep(access=access, project=item.project)


@dataclass(frozen=True)
class NewRisk:
    """A risk to log (``risks_create_many``): the arguments of ``risk_create``."""

    title: str
    category: str
    probability: int
    impact: int
    strategy: str = Risk.Strategy.MITIGATE
    project: Project | None = None
    portfolio: Portfolio | None = None
    cause: str = ""
    event: str = ""
    effect: str = ""
    proximity: dt.date | None = None
    owner: Any = None
    response_plan: str = ""
    contingency: str = ""


@transaction.atomic
def risk_create(
    *,
    organization: Organization,
    actor: Any,
    title: str,
    category: str,
    probability: int,
    impact: int,
    strategy: str = Risk.Strategy.MITIGATE,
    project: Project | None = None,
    portfolio: Portfolio | None = None,
    cause: str = "",
    event: str = "",
    effect: str = "",
    proximity: dt.date | None = None,
    owner: Any = None,
    response_plan: str = "",
    contingency: str = "",
    at: dt.datetime | None = None,
) -> Risk:
    """Log a risk on ``project`` (or, without one, on ``portfolio``). It takes the organisation's next number
    (R-001 …) under the risk-settings lock, so concurrent creations never share one. Probability and impact must
    be on the organisation's scale."""
    new = NewRisk(
        title=title,
        category=category,
        probability=probability,
        impact=impact,
        strategy=strategy,
        project=project,
        portfolio=portfolio,
        cause=cause,
        event=event,
        effect=effect,
        proximity=proximity,
        owner=owner,
        response_plan=response_plan,
        contingency=contingency,
    )
    return single(lambda: risks_create_many(organization=organization, actor=actor, risks=[new], at=at))


@transaction.atomic
def risks_create_many(
    *, organization: Organization, actor: Any, risks: Sequence[NewRisk], at: dt.datetime | None = None
) -> list[Risk]:
    """Log ``risks`` in one go, with the rules and refusals of ``risk_create``, all or none; they take the next
    numbers in the order given. Each distinct project is locked once (in id order) and the actor's right to keep
    its items checked once; the risk-settings lock is taken once and the numbers allocated under it, so a
    concurrent creation never shares a number and leaves no gap; one INSERT for all (the history triggers record
    each row). A refused row raises ``RowRefused`` with its index and ``risk_create``'s exception for it."""
    if not risks:
        return []
    checks = RowChecks(ProjectsConflict)
    scopes: dict[int, tuple[Project | None, Portfolio | None]] = {}
    for index, new in checks.pending(risks):
        with checks.row(index):
            scopes[index] = _scope(project=new.project, portfolio=new.portfolio)
    with checks.every_row(len(risks)):
        access = _access(organization, actor)
    projects = _lock_projects(
        organization=organization, project_ids=[project.pk for project, _ in scopes.values() if project is not None]
    )
    may: dict[int | None, bool] = {}
    for index, _new in checks.pending(risks):
        with checks.row(index):
            project = scopes[index][0]
            locked = None if project is None else _refuse_read_only(projects[project.pk])
            key = None if locked is None else locked.pk
            if key not in may:
                may[key] = may_keep(access=access, project=locked)
            _require(may[key])
    settings = risk_settings_lock(organization=organization)
    members = _members(organization, [new.owner for _index, new in checks.pending(risks)])
    values: dict[int, dict[str, Any]] = {}
    for index, new in checks.pending(risks):
        with checks.row(index):
            values[index] = _clean(
                organization,
                {
                    "title": new.title,
                    "category": new.category,
                    "probability": new.probability,
                    "impact": new.impact,
                    "strategy": new.strategy,
                    "cause": new.cause,
                    "event": new.event,
                    "effect": new.effect,
                    "proximity": new.proximity,
                    "owner": new.owner,
                    "response_plan": new.response_plan,
                    "contingency": new.contingency,
                },
                scale=settings.scale,
                members=members,
            )
            _risk_choices(values[index])
    checks.raise_first()
    now = at or timezone.now()
    first = _next_number(Risk, organization)
    return Risk.objects.bulk_create(
        [
            Risk(
                organization=organization,
                project=None if project is None else projects[project.pk],
                portfolio=portfolio,
                number=first + index,
                created_by=actor,
                created_at=now,
                last_reviewed_at=now,
                **values[index],
            )
            for index, (project, portfolio) in sorted(scopes.items())
        ]
    )


@transaction.atomic
def risk_update(
    *,
    organization: Organization,
    actor: Any,
    risk: Risk,
    version: int | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Risk:
    """Edit an open risk (``RISK_FIELDS``). A change of probability, impact, strategy or response plan counts as a
    review (``last_reviewed_at`` = now). ``version``, when given, must be the one the caller read (else 409)."""
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = _lock_risk(organization=organization, risk=risk)
    _require(_may_keep_risk(_access(organization, actor), locked))
    _check_version(locked, version)
    values = _clean(organization, fields, scale=risk_settings_get(organization=organization).scale)
    _risk_choices(values)
    reviewed = any(name in REVIEW_FIELDS and getattr(locked, name) != value for name, value in values.items())
    return _save(locked, values, extra={"last_reviewed_at": at or timezone.now()} if reviewed else None)


@transaction.atomic
def risk_review(*, organization: Organization, actor: Any, risk: Risk, at: dt.datetime | None = None) -> Risk:
    """Record that the open risk was reviewed and still stands as rated: it is no longer stale."""
    locked = _lock_risk(organization=organization, risk=risk)
    _require(_may_keep_risk(_access(organization, actor), locked))
    return _save(locked, {}, extra={"last_reviewed_at": at or timezone.now()})


@transaction.atomic
def risk_close(*, organization: Organization, actor: Any, risk: Risk) -> Risk:
    """Close an open risk that can no longer occur (its open actions stay as they are)."""
    locked = _lock_risk(organization=organization, risk=risk)
    _require(_may_keep_risk(_access(organization, actor), locked))
    return _save(locked, {"status": Risk.Status.CLOSED})


def _next_level(item: Risk | Issue) -> str:
    index = ESCALATION_ORDER.index(EscalationLevel(item.escalation_level))
    if index + 1 >= len(ESCALATION_ORDER):
        raise RaidConflict(
            _("%(code)s is already with the executives: it cannot be escalated further.") % {"code": item.code}
        )
    return ESCALATION_ORDER[index + 1]


def _previous_level(item: Risk | Issue) -> str:
    index = ESCALATION_ORDER.index(EscalationLevel(item.escalation_level))
    if index == 0:
        raise RaidConflict(_("%(code)s is not escalated.") % {"code": item.code})
    return ESCALATION_ORDER[index - 1]


def may_escalate(*, access: OrgAccess, item: Risk | Issue) -> bool:
    """Whoever keeps the item raises it to the PMO; from there only ``RISKS_ESCALATE_EXECUTIVE`` raises it on."""
    if item.escalation_level == EscalationLevel.EXECUTIVE:
        return False
    target = ESCALATION_ORDER[ESCALATION_ORDER.index(EscalationLevel(item.escalation_level)) + 1]
    needed = permissions.ESCALATE_TO.get(target)
    if needed is not None:
        return access.can(needed)
    return may_keep(access=access, project=item.project)


def may_deescalate(*, access: OrgAccess, item: Risk | Issue) -> bool:
    needed = permissions.LEVEL_OWNER.get(item.escalation_level)
    return needed is not None and access.can(needed)


@transaction.atomic
def risk_escalate(
    *,
    organization: Organization,
    actor: Any,
    risk: Risk,
    note: str,
    set_strategy: bool = False,
    at: dt.datetime | None = None,
) -> Risk:
    """Raise an open risk one level (project → PMO → executive), saying why (``note`` required). The response
    strategy becomes "escalate" only when ``set_strategy`` asks for it (that is a review too)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the risk needs the next level's attention.")]})
    locked = _lock_risk(organization=organization, risk=risk)
    target = _next_level(locked)
    _require(
        may_escalate(access=_access(organization, actor), item=locked),
        _("Only the PMO may escalate to the executives.") if target == EscalationLevel.EXECUTIVE else None,
    )
    now = at or timezone.now()
    extra: dict[str, Any] = {
        "escalation_level": target,
        "escalated_at": now,
        "escalated_by": actor,
        "escalation_note": note,
    }
    if set_strategy and locked.strategy != Risk.Strategy.ESCALATE:
        extra.update(strategy=Risk.Strategy.ESCALATE, last_reviewed_at=now)
    return _save(locked, {}, extra=extra)


@transaction.atomic
def risk_deescalate(
    *, organization: Organization, actor: Any, risk: Risk, note: str = "", at: dt.datetime | None = None
) -> Risk:
    """Hand an escalated open risk back one level; by the owner of its current level (the PMO for the PMO level,
    the executives for the executive level)."""
    locked = _lock_risk(organization=organization, risk=risk)
    target = _previous_level(locked)
    _require(may_deescalate(access=_access(organization, actor), item=locked))
    return _save(
        locked,
        {},
        extra={
            "escalation_level": target,
            "escalated_at": at or timezone.now(),
            "escalated_by": actor,
            "escalation_note": (note or "").strip(),
        },
    )


SEVERITY_OF_LEVEL = {HIGH: Issue.Severity.HIGH, MEDIUM: Issue.Severity.MEDIUM}


@transaction.atomic
def risk_to_issue(
    *,
    organization: Organization,
    actor: Any,
    risk: Risk,
    severity: str | None = None,
    due_date: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Issue:
    """The risk occurred: it becomes an issue (the next I-number) of the same project or portfolio, with the same
    owner and escalation level, and ``issue.risk`` keeps the link; the risk's status becomes "occurred". The
    severity defaults to the risk's level."""
    _lock_scope(organization=organization, project_id=risk.project_id)
    settings = risk_settings_lock(organization=organization)
    locked = _lock_risk(organization=organization, risk=risk)
    _require(_may_keep_risk(_access(organization, actor), locked))
    severity = severity or SEVERITY_OF_LEVEL.get(level_of(locked.score, settings), Issue.Severity.LOW)
    errors: dict[str, list[str]] = {}
    _choice(severity, "severity", Issue.Severity, errors)
    due = _date(due_date, "due_date", errors)
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    description = "\n\n".join(part for part in (locked.event, locked.effect) if part)
    issue = Issue.objects.create(
        organization=organization,
        number=_next_number(Issue, organization),
        project_id=locked.project_id,
        portfolio_id=locked.portfolio_id,
        risk=locked,
        title=locked.title,
        description=description,
        severity=severity,
        owner_id=locked.owner_id,
        due_date=due,
        escalation_level=locked.escalation_level,
        escalated_at=locked.escalated_at,
        created_by=actor,
        created_at=now,
    )
    _save(locked, {"status": Risk.Status.OCCURRED})
    return issue


# --- Risk actions ------------------------------------------------------------------------------------------------


def may_complete_action(*, access: OrgAccess, action: RiskAction) -> bool:
    """An action is ticked off by its owner or by whoever keeps the risk."""
    return action.owner_id == access.membership.user_id or _may_keep_risk(access, action.risk)


@transaction.atomic
def risk_action_add(
    *,
    organization: Organization,
    actor: Any,
    risk: Risk,
    title: str,
    owner: Any = None,
    due_date: dt.date | None = None,
) -> RiskAction:
    """Add a response step to an open risk (whoever keeps the risk)."""
    locked = _lock_risk(organization=organization, risk=risk)
    _require(_may_keep_risk(_access(organization, actor), locked))
    values = _clean(organization, {"title": title, "owner": owner, "due_date": due_date})
    return RiskAction.objects.create(organization=organization, risk=locked, **values)


@transaction.atomic
def risk_action_update(
    *, organization: Organization, actor: Any, action: RiskAction, at: dt.datetime | None = None, **fields: Any
) -> RiskAction:
    """Change an action (``ACTION_FIELDS``); ``done`` ticks it off (now) or reopens it. Ticking off is open to the
    action's owner; any other change needs whoever keeps the risk."""
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    _lock_scope(organization=organization, project_id=action.risk.project_id)
    locked: RiskAction = (
        RiskAction.objects.select_for_update(of=("self",))
        .select_related("risk__project")
        .get(organization=organization, pk=action.pk)
    )
    access = _access(organization, actor)
    if set(fields) == {"done"}:
        _require(may_complete_action(access=access, action=locked))
    else:
        _require(_may_keep_risk(access, locked.risk))
    values = dict(fields)
    done = values.pop("done", None)
    if done is not None and not isinstance(done, bool):
        raise ValidationError({"done": [_("Give true or false.")]})
    values = _clean(organization, values)
    if done is not None and done != (locked.done_at is not None):
        values["done_at"] = (at or timezone.now()) if done else None
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, values[name])
    if changed:
        locked.save(update_fields=changed)
    return locked


@transaction.atomic
def risk_action_delete(*, organization: Organization, actor: Any, action: RiskAction) -> None:
    """Remove an action (whoever keeps the risk)."""
    _lock_scope(organization=organization, project_id=action.risk.project_id)
    _require(_may_keep_risk(_access(organization, actor), action.risk))
    RiskAction.objects.filter(organization=organization, pk=action.pk).delete()


# --- Issues ------------------------------------------------------------------------------------------------------

ISSUE_OPEN = (Issue.Status.OPEN, Issue.Status.IN_PROGRESS)


def _lock_issue(*, organization: Organization, issue: Issue, expected: tuple[str, ...] = ISSUE_OPEN) -> Issue:
    _lock_scope(organization=organization, project_id=issue.project_id)
    locked: Issue = _lock_row(Issue, organization=organization, pk=issue.pk)
    if locked.status not in expected:
        raise RaidConflict(
            _("%(code)s is %(status)s: this step is not possible any more. Reload the page to see what changed.")
            % {"code": locked.code, "status": locked.get_status_display().lower()}
        )
    return locked


def _issue_values(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    cleaned = _clean(organization, values)
    errors: dict[str, list[str]] = {}
    if "severity" in cleaned:
        _choice(cleaned["severity"], "severity", Issue.Severity, errors)
    if "status" in cleaned and cleaned["status"] not in ISSUE_OPEN:
        errors["status"] = [_("Resolve or close the issue with its own step.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def issue_create(
    *,
    organization: Organization,
    actor: Any,
    title: str,
    severity: str = Issue.Severity.MEDIUM,
    project: Project | None = None,
    portfolio: Portfolio | None = None,
    description: str = "",
    owner: Any = None,
    due_date: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Issue:
    """Log a new problem on ``project`` (or a portfolio); the organisation's next number (I-001 …)."""
    project, portfolio = _scope(project=project, portfolio=portfolio)
    access = _access(organization, actor)
    locked_project = _lock_scope(organization=organization, project_id=project.pk if project else None)
    _require(may_keep(access=access, project=locked_project))
    risk_settings_lock(organization=organization)
    values = _issue_values(
        organization,
        {"title": title, "severity": severity, "description": description, "owner": owner, "due_date": due_date},
    )
    return Issue.objects.create(
        organization=organization,
        project=locked_project,
        portfolio=portfolio,
        number=_next_number(Issue, organization),
        created_by=actor,
        created_at=at or timezone.now(),
        **values,
    )


@transaction.atomic
def issue_update(
    *, organization: Organization, actor: Any, issue: Issue, version: int | None = None, **fields: Any
) -> Issue:
    """Edit an open issue (``ISSUE_FIELDS``; status only between open and in progress)."""
    unknown = set(fields) - set(ISSUE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = _lock_issue(organization=organization, issue=issue)
    _require(_may_keep_risk(_access(organization, actor), locked))
    _check_version(locked, version)
    return _save(locked, _issue_values(organization, fields))


@transaction.atomic
def issue_resolve(
    *, organization: Organization, actor: Any, issue: Issue, resolution: str, at: dt.datetime | None = None
) -> Issue:
    """Mark an open issue resolved, saying how (``resolution`` required)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": [_("Say how the issue was resolved.")]})
    locked = _lock_issue(organization=organization, issue=issue)
    _require(_may_keep_risk(_access(organization, actor), locked))
    return _save(
        locked,
        {},
        extra={"status": Issue.Status.RESOLVED, "resolution": resolution, "resolved_at": at or timezone.now()},
    )


@transaction.atomic
def issue_close(*, organization: Organization, actor: Any, issue: Issue) -> Issue:
    """Close an issue (open, in progress or resolved)."""
    locked = _lock_issue(organization=organization, issue=issue, expected=(*ISSUE_OPEN, Issue.Status.RESOLVED))
    _require(_may_keep_risk(_access(organization, actor), locked))
    return _save(locked, {}, extra={"status": Issue.Status.CLOSED})


@transaction.atomic
def issue_escalate(
    *, organization: Organization, actor: Any, issue: Issue, note: str = "", at: dt.datetime | None = None
) -> Issue:
    """Raise an open issue one level, with the same rights as a risk, recording who did it and (optionally) why."""
    locked = _lock_issue(organization=organization, issue=issue)
    target = _next_level(locked)
    _require(
        may_escalate(access=_access(organization, actor), item=locked),
        _("Only the PMO may escalate to the executives.") if target == EscalationLevel.EXECUTIVE else None,
    )
    extra = {
        "escalation_level": target,
        "escalated_at": at or timezone.now(),
        "escalated_by": actor,
        "escalation_note": (note or "").strip(),
    }
    return _save(locked, {}, extra=extra)


# --- Assumptions -------------------------------------------------------------------------------------------------


def _assumption_values(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    cleaned = _clean(organization, values)
    if "status" in cleaned and cleaned["status"] not in Assumption.Status.values:
        errors: dict[str, list[str]] = {}
        _choice(cleaned["status"], "status", Assumption.Status, errors)
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def assumption_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    title: str,
    description: str = "",
    owner: Any = None,
    validate_by: dt.date | None = None,
) -> Assumption:
    """Record an assumption of ``project``'s plan, to be validated (whoever may change the project)."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    _require(may_keep(access=_access(organization, actor), project=locked))
    values = _assumption_values(
        organization, {"title": title, "description": description, "owner": owner, "validate_by": validate_by}
    )
    return Assumption.objects.create(organization=organization, project=locked, **values)


@transaction.atomic
def assumption_update(
    *, organization: Organization, actor: Any, assumption: Assumption, version: int | None = None, **fields: Any
) -> Assumption:
    """Edit an assumption or record whether it held (``status``: valid / invalid / open)."""
    unknown = set(fields) - set(ASSUMPTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    project = _lock_project(organization=organization, project_id=assumption.project_id)
    _require(may_keep(access=_access(organization, actor), project=project))
    locked: Assumption = _lock_row(Assumption, organization=organization, pk=assumption.pk)
    _check_version(locked, version)
    return _save(locked, _assumption_values(organization, fields))
