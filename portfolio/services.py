"""Writes for portfolios, programmes, objectives, the scoring model, intake requests and scenarios.

Every service is keyword-only, names the organisation and the acting user, runs in one transaction and refuses bad
input with a ``ValidationError`` (``{"field": [...]}`` or ``{"detail": [...]}``) before anything changes. Whether the
actor's role allows the action is checked by the caller through ``portfolio.permissions``; the services check
everything else (state, ownership of related objects by the organisation, concurrency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pmo.tenancy.models import Membership, Organization
from portfolio import selection
from portfolio.explanations import reason_text
from portfolio.models import (
    Portfolio,
    Programme,
    ProjectRequest,
    RequestObjective,
    RequestScore,
    RequestTransition,
    Scenario,
    ScenarioItem,
    ScoringCriterion,
    StrategicObjective,
)

Status = ProjectRequest.Status
M = TypeVar("M", bound=models.Model)


class VersionConflict(Exception):
    """The caller changed a request it read at an older ``version``: someone else changed it in between."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"stale version; the current version is {current_version}")
        self.current_version = current_version


# key, (English, Chinese) name, weight, higher_is_better
DEFAULT_CRITERIA = [
    ("strategic_alignment", ("Strategic alignment", "战略契合度"), 25, True),
    ("business_value", ("Business value", "业务价值"), 25, True),
    ("urgency", ("Urgency", "紧迫性"), 15, True),
    ("risk", ("Risk", "风险"), 10, False),
    ("cost", ("Cost", "成本"), 10, False),
    ("feasibility", ("Feasibility", "可行性"), 15, True),
]

# A unique constraint that an insert or update may hit → the field to blame and the message.
_UNIQUE_MESSAGES = {
    "portfolio_unique_name_per_org": ("name", "A portfolio with this name exists already."),
    "programme_unique_name_per_org": ("name", "A programme with this name exists already."),
    "objective_unique_code_per_org": ("code", "An objective with this code exists already."),
    "criterion_unique_key_per_org": ("key", "A criterion with this key exists already."),
    "scenario_unique_name_per_org": ("name", "A scenario with this name exists already."),
}


# --- Helpers ----------------------------------------------------------------------------------------------------


def _save(obj: M, *, update_fields: Sequence[str] | None = None) -> M:
    """Save in a savepoint, turning a unique-constraint violation into a field error."""
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint in _UNIQUE_MESSAGES:
            field, message = _UNIQUE_MESSAGES[constraint]
            raise ValidationError({field: [_(message)]}) from exc
        raise
    return obj


def _clean(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Field validation (lengths, validators, choices) without the unique checks that the database makes."""
    obj.full_clean(exclude=["organization", *exclude], validate_unique=False, validate_constraints=False)


def _require_same_org(organization: Organization, **objects: Any) -> None:
    for field, obj in objects.items():
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError({field: [_("Choose one of your organisation's entries.")]})


def _require_members(organization: Organization, **users: Any) -> None:
    wanted = {field: user for field, user in users.items() if user is not None}
    if not wanted:
        return
    members = set(
        Membership.objects.filter(organization=organization, user__in=list(wanted.values())).values_list(
            "user_id", flat=True
        )
    )
    for field, user in wanted.items():
        if user.pk not in members:
            raise ValidationError({field: [_("Choose a member of the organisation.")]})


def _apply(obj: models.Model, changes: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(obj, field, value.strip() if isinstance(value, str) else value)
    return list(changes)


def _lock(model: type[M], organization: Organization, pk: int) -> M:
    return model._default_manager.select_for_update().get(organization=organization, pk=pk)


# --- Portfolios, programmes, objectives ---------------------------------------------------------------------------

PORTFOLIO_FIELDS = ("name", "description", "owner")
PROGRAMME_FIELDS = ("portfolio", "name", "description", "manager")
OBJECTIVE_FIELDS = ("code", "name", "description", "weight", "active")
CRITERION_FIELDS = ("key", "name", "description", "weight", "higher_is_better", "order", "active")


@transaction.atomic
def portfolio_create(
    *, organization: Organization, actor: Any, name: str, description: str = "", owner: Any = None
) -> Portfolio:
    _require_members(organization, owner=owner)
    portfolio = Portfolio(organization=organization, name=name.strip(), description=description, owner=owner)
    _clean(portfolio)
    return _save(portfolio)


@transaction.atomic
def portfolio_update(
    *, organization: Organization, actor: Any, portfolio: Portfolio, changes: Mapping[str, Any]
) -> Portfolio:
    locked = _lock(Portfolio, organization, portfolio.pk)
    fields = _apply(locked, changes, PORTFOLIO_FIELDS)
    _require_members(organization, owner=locked.owner if "owner" in changes else None)
    _clean(locked)
    return _save(locked, update_fields=fields)


@transaction.atomic
def portfolio_delete(*, organization: Organization, actor: Any, portfolio: Portfolio) -> None:
    """Delete an empty portfolio; one that still holds programmes, projects or requests is refused."""
    locked = _lock(Portfolio, organization, portfolio.pk)
    if locked.programmes.exists() or locked.projects.exists() or locked.requests.exists():
        raise ValidationError(
            {"detail": [_("This portfolio still holds programmes, projects or requests; move them first.")]}
        )
    locked.delete()


@transaction.atomic
def programme_create(
    *,
    organization: Organization,
    actor: Any,
    portfolio: Portfolio,
    name: str,
    description: str = "",
    manager: Any = None,
) -> Programme:
    _require_same_org(organization, portfolio=portfolio)
    _require_members(organization, manager=manager)
    programme = Programme(
        organization=organization, portfolio=portfolio, name=name.strip(), description=description, manager=manager
    )
    _clean(programme)
    return _save(programme)


@transaction.atomic
def programme_update(
    *, organization: Organization, actor: Any, programme: Programme, changes: Mapping[str, Any]
) -> Programme:
    """Change a programme. Moving it to another portfolio is refused while it has projects or requests, which
    would otherwise sit in a portfolio other than their programme's."""
    locked = _lock(Programme, organization, programme.pk)
    old_portfolio_id = locked.portfolio_id
    fields = _apply(locked, changes, PROGRAMME_FIELDS)
    _require_same_org(organization, portfolio=locked.portfolio)
    _require_members(organization, manager=locked.manager if "manager" in changes else None)
    if locked.portfolio_id != old_portfolio_id and (locked.projects.exists() or locked.requests.exists()):
        raise ValidationError({"portfolio": [_("A programme with projects or requests cannot change portfolio.")]})
    _clean(locked)
    return _save(locked, update_fields=fields)


@transaction.atomic
def programme_delete(*, organization: Organization, actor: Any, programme: Programme) -> None:
    locked = _lock(Programme, organization, programme.pk)
    if locked.projects.exists() or locked.requests.exists():
        raise ValidationError({"detail": [_("This programme still has projects or requests; move them first.")]})
    locked.delete()


@transaction.atomic
def objective_create(
    *,
    organization: Organization,
    actor: Any,
    code: str,
    name: str,
    description: str = "",
    weight: int = 1,
    active: bool = True,
) -> StrategicObjective:
    objective = StrategicObjective(
        organization=organization,
        code=code.strip(),
        name=name.strip(),
        description=description,
        weight=weight,
        active=active,
    )
    _clean(objective)
    return _save(objective)


@transaction.atomic
def objective_update(
    *, organization: Organization, actor: Any, objective: StrategicObjective, changes: Mapping[str, Any]
) -> StrategicObjective:
    locked = _lock(StrategicObjective, organization, objective.pk)
    fields = _apply(locked, changes, OBJECTIVE_FIELDS)
    _clean(locked)
    return _save(locked, update_fields=fields)


@transaction.atomic
def objective_delete(*, organization: Organization, actor: Any, objective: StrategicObjective) -> None:
    """Delete an objective that nothing serves yet; otherwise deactivate it, so that history keeps its links."""
    from portfolio.selectors import objective_served_by_projects

    locked = _lock(StrategicObjective, organization, objective.pk)
    if locked.request_links.exists() or objective_served_by_projects(organization=organization, objective=locked):
        raise ValidationError(
            {"detail": [_("Requests or projects serve this objective; deactivate it instead of deleting it.")]}
        )
    locked.delete()


# --- Scoring model ----------------------------------------------------------------------------------------------


@transaction.atomic
def scoring_model_install_defaults(*, organization: Organization) -> None:
    """Give ``organization`` the default scoring model (six criteria, weights summing to 100). Idempotent: an
    organisation that has any criterion keeps its own model."""
    if ScoringCriterion.objects.filter(organization=organization).exists():
        return
    chinese = organization.default_language.startswith("zh")
    ScoringCriterion.objects.bulk_create(
        [
            ScoringCriterion(
                organization=organization,
                key=key,
                name=names[1] if chinese else names[0],
                weight=weight,
                higher_is_better=higher,
                order=order,
            )
            for order, (key, names, weight, higher) in enumerate(DEFAULT_CRITERIA, start=1)
        ]
    )


@transaction.atomic
def criterion_create(
    *,
    organization: Organization,
    actor: Any,
    key: str,
    name: str,
    weight: int,
    higher_is_better: bool = True,
    order: int = 0,
    active: bool = True,
    description: str = "",
) -> ScoringCriterion:
    criterion = ScoringCriterion(
        organization=organization,
        key=key.strip(),
        name=name.strip(),
        description=description,
        weight=weight,
        higher_is_better=higher_is_better,
        order=order,
        active=active,
    )
    _clean(criterion)
    return _save(criterion)


@transaction.atomic
def criterion_update(
    *, organization: Organization, actor: Any, criterion: ScoringCriterion, changes: Mapping[str, Any]
) -> ScoringCriterion:
    """Change a criterion. Scores already given keep the request's stored score; the new weights apply to the
    next review."""
    locked = _lock(ScoringCriterion, organization, criterion.pk)
    fields = _apply(locked, changes, CRITERION_FIELDS)
    _clean(locked)
    return _save(locked, update_fields=fields)


@transaction.atomic
def criterion_delete(*, organization: Organization, actor: Any, criterion: ScoringCriterion) -> None:
    locked = _lock(ScoringCriterion, organization, criterion.pk)
    if locked.scores.exists():
        raise ValidationError(
            {"detail": [_("Requests have been scored on this criterion; deactivate it instead of deleting it.")]}
        )
    locked.delete()


def weighted_score(values: Iterable[tuple[int, bool, int]]) -> Decimal:
    """The weighted score 0–100 of ``(weight, higher_is_better, value 1–5)`` triples:
    Σ weight·norm / Σ weight, where norm = (value − 1) / 4 · 100, or (5 − value) / 4 · 100 when lower is better.
    Rounded half up to two decimals."""
    total = Decimal(0)
    weights = 0
    for weight, higher_is_better, value in values:
        if not 1 <= value <= 5:
            raise ValueError("a score is 1–5")
        steps = value - 1 if higher_is_better else 5 - value
        total += Decimal(weight) * Decimal(steps) * 25
        weights += weight
    if weights == 0:
        raise ValueError("no weights")
    return (total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Intake requests --------------------------------------------------------------------------------------------

REQUEST_FIELDS = (
    "title",
    "business_case",
    "objectives_text",
    "sponsor",
    "portfolio",
    "programme",
    "template",
    "proposed_manager",
    "estimated_cost",
    "estimated_benefit",
    "estimated_effort_hours",
    "planned_start",
    "planned_finish",
)
EDITABLE_STATUSES = (Status.DRAFT, Status.DEFERRED)
WITHDRAWABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.DEFERRED)
SCORABLE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW)
DECIDABLE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW)
DECISIONS = {"approve": Status.APPROVED, "reject": Status.REJECTED, "defer": Status.DEFERRED}
# Two-key advisory lock (class, organisation) that serialises request numbering within an organisation.
_NUMBER_LOCK_CLASS = 0x504D0001


def _next_request_number(organization: Organization) -> int:
    """The next request number of the organisation. A transaction-scoped advisory lock per organisation makes
    concurrent creations wait for each other instead of taking the same number."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBER_LOCK_CLASS, organization.pk % 2**31])
    highest = ProjectRequest.objects.filter(organization=organization).aggregate(n=Max("number"))["n"]
    return (highest or 0) + 1


def _validate_request(organization: Organization, request: ProjectRequest) -> None:
    _require_same_org(organization, portfolio=request.portfolio, programme=request.programme, template=request.template)
    _require_members(organization, sponsor=request.sponsor, proposed_manager=request.proposed_manager)
    if request.programme is not None:
        if request.portfolio is None:
            request.portfolio = request.programme.portfolio
        elif request.programme.portfolio_id != request.portfolio.pk:
            raise ValidationError({"programme": [_("This programme belongs to another portfolio.")]})
    if request.template is not None and not request.template.active:
        raise ValidationError({"template": [_("This process template is no longer in use.")]})
    errors: dict[str, list[str]] = {}
    if not request.title.strip():
        errors["title"] = [_("Give the request a title.")]
    for field in ("estimated_cost", "estimated_benefit"):
        value = getattr(request, field)
        if value is None or value < 0:
            errors[field] = [_("Enter an amount of zero or more.")]
    if request.planned_start and request.planned_finish and request.planned_finish < request.planned_start:
        errors["planned_finish"] = [_("The planned finish is before the planned start.")]
    if errors:
        raise ValidationError(errors)
    _clean(request, exclude=["sponsor", "created_by", "portfolio", "programme", "template", "proposed_manager"])


def _set_objectives(organization: Organization, request: ProjectRequest, objective_ids: Iterable[int]) -> None:
    wanted = set(objective_ids)
    found = set(
        StrategicObjective.objects.filter(organization=organization, active=True, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if wanted - found:
        raise ValidationError({"objective_ids": [_("Choose active strategic objectives of your organisation.")]})
    links = RequestObjective.objects.filter(organization=organization, request=request)
    links.exclude(objective_id__in=wanted).delete()
    RequestObjective.objects.bulk_create(
        [RequestObjective(organization=organization, request=request, objective_id=pk) for pk in sorted(wanted)],
        ignore_conflicts=True,
    )


def _log(request: ProjectRequest, *, actor: Any, from_status: str, note: str = "") -> None:
    RequestTransition.objects.create(
        organization_id=request.organization_id,
        request=request,
        from_status=from_status,
        to_status=request.status,
        actor=actor,
        note=note,
    )


def _lock_request(organization: Organization, request: ProjectRequest, version: int | None) -> ProjectRequest:
    locked = (
        ProjectRequest.objects.select_for_update(of=("self",))
        .select_related("portfolio", "programme", "template", "sponsor", "proposed_manager")
        .get(organization=organization, pk=request.pk)
    )
    if version is not None and version != locked.version:
        raise VersionConflict(locked.version)
    return locked


def _require_status(request: ProjectRequest, allowed: Iterable[str], message: str) -> None:
    if request.status not in allowed:
        raise ValidationError({"detail": [message % {"status": request.get_status_display()}]})


def _bump(request: ProjectRequest, *fields: str) -> None:
    request.version += 1
    request.save(update_fields=[*fields, "version"])


@transaction.atomic
def request_create(
    *,
    organization: Organization,
    actor: Any,
    title: str,
    business_case: str = "",
    objectives_text: str = "",
    sponsor: Any = None,
    portfolio: Portfolio | None = None,
    programme: Programme | None = None,
    template: Any = None,
    proposed_manager: Any = None,
    estimated_cost: Decimal = Decimal(0),
    estimated_benefit: Decimal = Decimal(0),
    estimated_effort_hours: int = 0,
    planned_start: dt.date | None = None,
    planned_finish: dt.date | None = None,
    objective_ids: Sequence[int] = (),
) -> ProjectRequest:
    """Draft a request (status draft, version 1); ``sponsor`` defaults to the actor. Numbered per organisation."""
    request = ProjectRequest(
        organization=organization,
        title=title.strip(),
        business_case=business_case,
        objectives_text=objectives_text,
        sponsor=sponsor or actor,
        created_by=actor,
        portfolio=portfolio,
        programme=programme,
        template=template,
        proposed_manager=proposed_manager,
        estimated_cost=estimated_cost,
        estimated_benefit=estimated_benefit,
        estimated_effort_hours=estimated_effort_hours,
        planned_start=planned_start,
        planned_finish=planned_finish,
        number=0,
    )
    _validate_request(organization, request)
    request.number = _next_request_number(organization)
    request.save()
    _set_objectives(organization, request, objective_ids)
    _log(request, actor=actor, from_status="")
    return request


@transaction.atomic
def request_update(
    *,
    organization: Organization,
    actor: Any,
    request: ProjectRequest,
    version: int,
    changes: Mapping[str, Any],
    objective_ids: Sequence[int] | None = None,
) -> ProjectRequest:
    """Change a draft or deferred request that the caller read at ``version``; raises ``VersionConflict`` when it
    changed since. ``objective_ids``, when given, replaces the objectives served."""
    locked = _lock_request(organization, request, version)
    _require_status(locked, EDITABLE_STATUSES, _("A request that is %(status)s cannot be edited."))
    if "sponsor" in changes and changes["sponsor"] is None:
        raise ValidationError({"sponsor": [_("A request needs a sponsor.")]})
    fields = _apply(locked, changes, REQUEST_FIELDS)
    _validate_request(organization, locked)
    if "programme" in fields and "portfolio" not in fields:
        fields.append("portfolio")
    if objective_ids is not None:
        _set_objectives(organization, locked, objective_ids)
    _bump(locked, *fields)
    return locked


@transaction.atomic
def request_submit(
    *, organization: Organization, actor: Any, request: ProjectRequest, version: int | None = None
) -> ProjectRequest:
    """Send a draft (or a deferred request, again) to the PMO for review."""
    locked = _lock_request(organization, request, version)
    _require_status(locked, EDITABLE_STATUSES, _("A request that is %(status)s cannot be submitted."))
    if not locked.business_case.strip():
        raise ValidationError({"business_case": [_("Write the business case before submitting.")]})
    previous = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    _bump(locked, "status", "submitted_at")
    _log(locked, actor=actor, from_status=previous)
    return locked


@transaction.atomic
def request_withdraw(
    *, organization: Organization, actor: Any, request: ProjectRequest, reason: str = "", version: int | None = None
) -> ProjectRequest:
    """The sponsor takes the request back before a final decision."""
    locked = _lock_request(organization, request, version)
    _require_status(locked, WITHDRAWABLE_STATUSES, _("A request that is %(status)s cannot be withdrawn."))
    previous = locked.status
    locked.status = Status.WITHDRAWN
    _bump(locked, "status")
    _log(locked, actor=actor, from_status=previous, note=reason.strip())
    return locked


@transaction.atomic
def request_score(
    *,
    organization: Organization,
    actor: Any,
    request: ProjectRequest,
    values: Mapping[int, int],
    feasibility_note: str,
    notes: Mapping[int, str] | None = None,
    version: int | None = None,
) -> ProjectRequest:
    """The PMO's feasibility review: one 1–5 value per active criterion (by criterion id) replaces any earlier
    scores; the weighted score is stored on the request, which moves to in review."""
    locked = _lock_request(organization, request, version)
    _require_status(locked, SCORABLE_STATUSES, _("A request that is %(status)s cannot be scored."))
    criteria = list(ScoringCriterion.objects.filter(organization=organization, active=True))
    if not criteria:
        raise ValidationError({"detail": [_("The scoring model has no active criterion.")]})
    given = {int(k): v for k, v in values.items()}
    if set(given) != {c.pk for c in criteria}:
        raise ValidationError({"values": [_("Give exactly one score for every active criterion.")]})
    if any(not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 5 for v in given.values()):
        raise ValidationError({"values": [_("Each score is a whole number from 1 to 5.")]})
    if not feasibility_note.strip():
        raise ValidationError({"feasibility_note": [_("Summarise the feasibility review.")]})
    notes = {int(k): v for k, v in (notes or {}).items()}
    if any(len(n) > 500 for n in notes.values()):
        raise ValidationError({"notes": [_("A note has at most 500 characters.")]})
    RequestScore.objects.filter(organization=organization, request=locked).delete()
    now = timezone.now()
    RequestScore.objects.bulk_create(
        [
            RequestScore(
                organization=organization,
                request=locked,
                criterion=c,
                value=given[c.pk],
                note=notes.get(c.pk, "").strip(),
                scored_by=actor,
                scored_at=now,
            )
            for c in criteria
        ]
    )
    previous = locked.status
    locked.score = weighted_score((c.weight, c.higher_is_better, given[c.pk]) for c in criteria)
    locked.feasibility_note = feasibility_note.strip()
    locked.status = Status.IN_REVIEW
    _bump(locked, "score", "feasibility_note", "status")
    _log(locked, actor=actor, from_status=previous, note=feasibility_note.strip())
    return locked


@transaction.atomic
def request_decide(
    *,
    organization: Organization,
    actor: Any,
    request: ProjectRequest,
    decision: str,
    reason: str,
    version: int | None = None,
) -> ProjectRequest:
    """Approve, reject or defer a submitted or reviewed request, with a reason.

    Approval in a controlling or directive organisation needs the PMO's score first. Approval creates the project
    through ``projects.services.project_create`` (phases, gates and milestones from the request's process template
    — the built-in standard lifecycle when it names none —, baseline v1, and the proposed manager's permissions)
    and links it to the request.
    """
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Choose approve, reject or defer.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the decision.")]})
    locked = _lock_request(organization, request, version)
    _require_status(locked, DECIDABLE_STATUSES, _("A request that is %(status)s cannot be decided."))
    scored_first = organization.pmo_type != Organization.PmoType.SUPPORTIVE
    if decision == "approve" and scored_first and locked.status != Status.IN_REVIEW:
        raise ValidationError(
            {"detail": [_("The PMO must score this request before it can be approved.")]},
        )
    previous = locked.status
    locked.status = DECISIONS[decision]
    locked.decision_reason = reason.strip()
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    fields = ["status", "decision_reason", "decided_by", "decided_at"]
    if decision == "approve":
        locked.project = _create_project(organization=organization, actor=actor, request=locked)
        fields.append("project")
    _bump(locked, *fields)
    _log(locked, actor=actor, from_status=previous, note=locked.decision_reason)
    return locked


def _create_project(*, organization: Organization, actor: Any, request: ProjectRequest) -> Any:
    from portfolio.selectors import builtin_template
    from projects.services import project_create

    template = request.template or builtin_template(organization=organization, kind="standard")
    objective_ids = list(
        RequestObjective.objects.filter(organization=organization, request=request).values_list(
            "objective_id", flat=True
        )
    )
    with translation.override(organization.default_language):
        description = _("Approved from intake request %(code)s.") % {"code": request.code}
    return project_create(
        organization=organization,
        actor=actor,
        name=request.title,
        template=template,
        manager=request.proposed_manager,
        sponsor=request.sponsor,
        portfolio=request.portfolio,
        programme=request.programme,
        description=description,
        objectives=request.objectives_text,
        objective_ids=objective_ids,
        planned_start=request.planned_start,
        planned_finish=request.planned_finish,
        budget_at_completion=request.estimated_cost,
        scope_statement=request.business_case,
        status="planning",
    )


# --- Scenarios --------------------------------------------------------------------------------------------------


@transaction.atomic
def scenario_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    budget_cap: Decimal,
    capacity_cap_hours: int | None = None,
    include_active_projects: bool = True,
    description: str = "",
) -> Scenario:
    """Compute the best selection under the caps (``portfolio.selection``) from the candidates of
    ``selectors.scenario_candidates`` and store it: the scenario and one item per candidate, in or out and why."""
    from portfolio.selectors import scenario_candidates

    errors: dict[str, list[str]] = {}
    if budget_cap is None or budget_cap < 0:
        errors["budget_cap"] = [_("Enter a budget of zero or more.")]
    if capacity_cap_hours is not None and capacity_cap_hours < 0:
        errors["capacity_cap_hours"] = [_("Enter a capacity of zero or more hours.")]
    if errors:
        raise ValidationError(errors)
    scenario = Scenario(
        organization=organization,
        name=name.strip(),
        description=description,
        budget_cap=budget_cap,
        capacity_cap_hours=capacity_cap_hours,
        include_active_projects=include_active_projects,
        created_by=actor,
    )
    _clean(scenario, exclude=["created_by"])
    candidates = scenario_candidates(organization=organization, include_active_projects=include_active_projects)
    result = selection.select(
        [c.candidate for c in candidates], budget_cap=budget_cap, capacity_cap_hours=capacity_cap_hours
    )
    scenario.method = result.method.value
    scenario.cost_unit = result.cost_unit
    scenario.selected_cost = result.total_cost
    scenario.selected_value = result.total_value
    _save(scenario)
    by_key = {c.candidate.key: c for c in candidates}
    with translation.override(organization.default_language):
        items = [
            ScenarioItem(
                organization=organization,
                scenario=scenario,
                request_id=by_key[o.candidate.key].request_id,
                project_id=by_key[o.candidate.key].project_id,
                label=o.candidate.label[:250],
                cost=o.candidate.cost,
                effort_hours=o.candidate.effort_hours,
                value=o.candidate.value,
                selected=o.selected,
                reason_code=o.reason.value,
                reason_amount=o.amount,
                reason=reason_text(o.reason, o.amount, currency=organization.currency)[:300],
                rank=o.rank,
            )
            for o in result.outcomes
        ]
    ScenarioItem.objects.bulk_create(items)
    return scenario


@transaction.atomic
def scenario_delete(*, organization: Organization, actor: Any, scenario: Scenario) -> None:
    _lock(Scenario, organization, scenario.pk).delete()
