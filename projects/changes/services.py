"""Writes of change control (变更管理): change requests from draft to decision, and the re-baseline that an approval
makes. Every service names its organisation and actor, is atomic and locks the project row first, then the change
request row (always in that order, so two writers cannot deadlock).

Refusals: ``ValidationError`` for bad input (API 400); ``django.core.exceptions.PermissionDenied`` when the actor
may not take this step, with the reason (API 403); ``ChangeRequestConflict`` when the request is no longer in a
state that allows the step — someone else acted first — and ``StaleVersion`` for an edit based on an old version,
``ProjectReadOnly`` for a closed or cancelled project (all ``ProjectsConflict``, API 409).

Who must approve is fixed at assessment by ``approvals_required`` (see there); the steps are signed in order, each
by a different person, none by the one who raised the request. Signing the last step approves the request and, in
the same transaction, adds the project's next baseline version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability
from projects import services as project_services
from projects.models import (
    ApproverRole,
    Baseline,
    ChangeApproval,
    ChangeRequest,
    ChangeType,
    Milestone,
    Project,
)
from projects.policy import control_policy_get
from projects.selectors import project_can_change
from projects.services import ProjectsConflict, StaleVersion, _lock_project

Status = ChangeRequest.Status

STEP_CAPABILITY: dict[str, Capability] = {
    ApproverRole.PMO: Capability.CHANGES_APPROVE_PMO,
    ApproverRole.EXECUTIVE: Capability.CHANGES_APPROVE_EXECUTIVE,
}

# What a draft may change (``change_request_update``); everything else is set by the workflow.
EDITABLE_FIELDS = (
    "title",
    "change_type",
    "description",
    "justification",
    "cost_delta",
    "finish_delta_days",
    "scope_impact",
    "risk_impact",
)
MAX_COST_DELTA = Decimal("99999999999999.99")
MAX_FINISH_DELTA_DAYS = 3650


class ChangeRequestConflict(ProjectsConflict):
    """The change request is not (any more) in a state that allows this step."""

    def __init__(self, change_request: ChangeRequest) -> None:
        super().__init__(
            _("%(code)s is %(status)s: this step is not possible any more. Reload the page to see what changed.")
            % {"code": change_request.code, "status": change_request.get_status_display().lower()}
        )


def actor_access(*, organization: Organization, actor: Any) -> OrgAccess:
    """The actor's role in ``organization``; a non-member may do nothing (``PermissionDenied``)."""
    membership = Membership.objects.filter(organization=organization, user_id=getattr(actor, "pk", None)).first()
    if membership is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    return OrgAccess(organization=organization, membership=membership)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to perform this action."))


def _lock(*, organization: Organization, change_request: ChangeRequest, expected: Sequence[str]) -> ChangeRequest:
    """Lock the project row (refusing a closed or cancelled project), then the change request row; refuse unless
    it is in one of the ``expected`` states. The status guard on the locked row is what stops two people acting on
    the same request at once: the second one waits for the lock and then finds the new state."""
    _lock_project(organization=organization, project_id=change_request.project_id)
    locked = (
        ChangeRequest.objects.select_for_update()
        .select_related("project")
        .get(organization=organization, pk=change_request.pk)
    )
    if locked.status not in expected:
        raise ChangeRequestConflict(locked)
    return locked


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Strip and check the editable fields present in ``values``; ``ValidationError`` with every problem."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for name in ("title", "description", "justification", "scope_impact", "risk_impact"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    required = {
        "title": _("Give the change request a title."),
        "description": _("Describe the change."),
        "justification": _("Say why the change is needed."),
    }
    for name, message in required.items():
        if name in cleaned and not cleaned[name]:
            errors[name] = [message]
    if "title" in cleaned and len(cleaned["title"]) > 200:
        errors["title"] = [_("Keep the title under 200 characters.")]
    if "change_type" in cleaned and cleaned["change_type"] not in ChangeType.values:
        errors["change_type"] = [_("Choose scope, schedule, cost, quality or resource.")]
    if "cost_delta" in cleaned:
        try:
            cost = Decimal(str(cleaned["cost_delta"] if cleaned["cost_delta"] is not None else 0))
        except ArithmeticError:
            errors["cost_delta"] = [_("Give the cost delta as an amount, e.g. 12000.00 or -5000.")]
        else:
            if not cost.is_finite() or abs(cost) > MAX_COST_DELTA:
                errors["cost_delta"] = [_("Give the cost delta as an amount, e.g. 12000.00 or -5000.")]
            else:
                cleaned["cost_delta"] = cost.quantize(Decimal("0.01"))
    if "finish_delta_days" in cleaned:
        days = cleaned["finish_delta_days"]
        if days is None:
            cleaned["finish_delta_days"] = days = 0
        if not isinstance(days, int) or isinstance(days, bool) or abs(days) > MAX_FINISH_DELTA_DAYS:
            errors["finish_delta_days"] = [
                _("Give the finish-date delta in whole days, at most %(max)d either way.")
                % {"max": MAX_FINISH_DELTA_DAYS}
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _may_change(*, organization: Organization, actor: Any, project: Project) -> bool:
    return project_can_change(access=actor_access(organization=organization, actor=actor), project=project)


@transaction.atomic
def change_request_create(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    title: str,
    change_type: str,
    description: str,
    justification: str,
    cost_delta: Decimal | int = 0,
    finish_delta_days: int = 0,
    scope_impact: str = "",
    risk_impact: str = "",
    at: dt.datetime | None = None,
) -> ChangeRequest:
    """Raise a draft change request on ``project`` (needs the right to change the project). It takes the project's
    next number (CR-001, CR-002 …): the project row is locked while the number is taken, so concurrent requests
    never share one. A closed or cancelled project is refused (409)."""
    locked = _lock_project(organization=organization, project_id=project.pk)
    _require(_may_change(organization=organization, actor=actor, project=locked))
    values = _clean(
        {
            "title": title,
            "change_type": change_type,
            "description": description,
            "justification": justification,
            "cost_delta": cost_delta,
            "finish_delta_days": finish_delta_days,
            "scope_impact": scope_impact,
            "risk_impact": risk_impact,
        }
    )
    number = (
        ChangeRequest.objects.filter(organization=organization, project=locked).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    return ChangeRequest.objects.create(
        organization=organization,
        project=locked,
        number=number,
        raised_by=actor,
        raised_at=at or timezone.now(),
        **values,
    )


@transaction.atomic
def change_request_update(
    *, organization: Organization, actor: Any, change_request: ChangeRequest, version: int | None = None, **fields: Any
) -> ChangeRequest:
    """Edit a draft (``EDITABLE_FIELDS``); by its raiser or whoever may change the project. ``version``, when
    given, must be the one the caller read (else ``StaleVersion``, 409, and nothing is saved)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    locked = _lock(organization=organization, change_request=change_request, expected=(Status.DRAFT,))
    _require(
        locked.raised_by_id == actor.pk or _may_change(organization=organization, actor=actor, project=locked.project)
    )
    if version is not None and version != locked.version:
        raise StaleVersion()
    values = _clean(fields)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.version = F("version") + 1
    locked.save(update_fields=[*changed, "version"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def change_request_submit(
    *, organization: Organization, actor: Any, change_request: ChangeRequest, at: dt.datetime | None = None
) -> ChangeRequest:
    """Hand a draft to the PMO for assessment (its raiser or whoever may change the project)."""
    locked = _lock(organization=organization, change_request=change_request, expected=(Status.DRAFT,))
    _require(
        locked.raised_by_id == actor.pk or _may_change(organization=organization, actor=actor, project=locked.project)
    )
    locked.status, locked.submitted_at = Status.SUBMITTED, at or timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "submitted_at", "version"])
    locked.refresh_from_db()
    return locked


@transaction.atomic
def change_request_withdraw(
    *,
    organization: Organization,
    actor: Any,
    change_request: ChangeRequest,
    note: str = "",
    at: dt.datetime | None = None,
) -> ChangeRequest:
    """Take back a request that is not decided yet (draft, submitted or assessed): its raiser or whoever may
    change the project, with an optional note why. Withdrawn is final."""
    locked = _lock(
        organization=organization,
        change_request=change_request,
        expected=(Status.DRAFT, Status.SUBMITTED, Status.ASSESSED),
    )
    _require(
        locked.raised_by_id == actor.pk or _may_change(organization=organization, actor=actor, project=locked.project)
    )
    locked.status = Status.WITHDRAWN
    locked.decided_by, locked.decided_at = actor, at or timezone.now()
    locked.decision_note = str(note or "").strip()
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    locked.refresh_from_db()
    return locked


def current_bac(*, organization: Organization, project: Project) -> Decimal:
    """The budget of the project's current (highest) baseline; without a baseline, the project's BAC."""
    latest = (
        Baseline.objects.filter(organization=organization, project_id=project.pk)
        .order_by("-version")
        .values_list("budget", flat=True)
        .first()
    )
    return latest if latest is not None else project.budget_at_completion


def approvals_required(*, organization: Organization, project: Project, change_request: ChangeRequest) -> list[str]:
    """The approval steps a change request needs, in signing order, from the organisation's PMO type and its control
    policy (``projects.policy.control_policy_get``).

    A request is *large* when its cost delta exceeds ``cr_executive_cost_share`` × the current baseline budget
    (BAC), or its finish-date delta exceeds ``cr_executive_finish_days`` (strictly above either threshold; savings
    and earlier finishes are never large). Then:

    - supportive PMO: ``["pmo"]``, or ``["executive"]`` when large (the PMO advises, the executive decides);
    - controlling PMO: ``["pmo"]``, or ``["pmo", "executive"]`` when large;
    - directive PMO: always ``["pmo", "executive"]``.

    Reads the policy and the current baseline; writes nothing.
    """
    policy = control_policy_get(organization=organization)
    bac = current_bac(organization=organization, project=project)
    large = (
        change_request.cost_delta > policy.cr_executive_cost_share * bac
        or change_request.finish_delta_days > policy.cr_executive_finish_days
    )
    pmo_type = organization.pmo_type
    if pmo_type == Organization.PmoType.DIRECTIVE:
        return [ApproverRole.PMO.value, ApproverRole.EXECUTIVE.value]
    if pmo_type == Organization.PmoType.SUPPORTIVE:
        return [ApproverRole.EXECUTIVE.value] if large else [ApproverRole.PMO.value]
    return [ApproverRole.PMO.value, ApproverRole.EXECUTIVE.value] if large else [ApproverRole.PMO.value]


@transaction.atomic
def change_request_assess(
    *,
    organization: Organization,
    actor: Any,
    change_request: ChangeRequest,
    assessment: str,
    at: dt.datetime | None = None,
) -> ChangeRequest:
    """The PMO (``changes.assess``) records its assessment of a submitted request; this fixes who must approve it
    (``approvals_required``), which later policy changes do not move."""
    access = actor_access(organization=organization, actor=actor)
    _require(access.can(Capability.CHANGES_ASSESS))
    locked = _lock(organization=organization, change_request=change_request, expected=(Status.SUBMITTED,))
    assessment = (assessment or "").strip()
    if not assessment:
        raise ValidationError({"assessment": [_("Write the assessment: impact, options and a recommendation.")]})
    locked.approvals_required = approvals_required(
        organization=organization, project=locked.project, change_request=locked
    )
    locked.status, locked.assessment = Status.ASSESSED, assessment
    locked.assessed_by, locked.assessed_at = actor, at or timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "assessment", "assessed_by", "assessed_at", "approvals_required", "version"])
    locked.refresh_from_db()
    return locked


def next_step(change_request: ChangeRequest, signed: Sequence[str]) -> str | None:
    """The first required step not signed yet (``None`` when every step is signed)."""
    return next((step for step in change_request.approvals_required if step not in signed), None)


def _check_signer(*, organization: Organization, actor: Any, locked: ChangeRequest) -> tuple[str, list[ChangeApproval]]:
    """The step ``actor`` would decide now, after checking they may: the step's capability, not the raiser, not a
    signer of an earlier step (segregation of duties)."""
    approvals = list(ChangeApproval.objects.filter(organization=organization, change_request=locked))
    step = next_step(locked, [a.step for a in approvals if a.decision == ChangeApproval.Decision.APPROVED])
    if step is None:  # defensive: an assessed request always has an unsigned step
        raise ChangeRequestConflict(locked)
    access = actor_access(organization=organization, actor=actor)
    step_label = ApproverRole(step).label
    _require(
        access.can(STEP_CAPABILITY[step]),
        _("The %(step)s step must be decided by someone with that approval right.") % {"step": step_label},
    )
    if locked.raised_by_id == actor.pk:
        raise PermissionDenied(_("You raised this change request: someone else must decide it."))
    if any(a.decided_by_id == actor.pk for a in approvals):
        raise PermissionDenied(
            _("You signed an earlier step of this change request: the %(step)s step needs another person.")
            % {"step": step_label}
        )
    return step, approvals


def _rebaseline(*, organization: Organization, actor: Any, locked: ChangeRequest, at: dt.datetime) -> Baseline:
    """The project's next baseline, carrying the change: budget + cost delta, finish + finish delta, and for a
    schedule delta each milestone not achieved yet moved to its current forecast (where the manager has moved the
    forecast off the baseline) or else shifted by the delta, forecast included. Updates the project's BAC and
    planned finish."""
    project = locked.project
    previous = Baseline.objects.filter(organization=organization, project=project).order_by("-version").first()
    old_budget = previous.budget if previous else project.budget_at_completion
    old_finish = previous.finish_date if previous else project.planned_finish
    start = previous.start_date if previous else project.planned_start
    budget = old_budget + locked.cost_delta
    errors: dict[str, list[str]] = {}
    if budget < 0:
        errors["cost_delta"] = [
            _("The cost delta would take the budget below zero (current baseline budget %(budget)s).")
            % {"budget": old_budget}
        ]
    delta = dt.timedelta(days=locked.finish_delta_days)
    finish = old_finish + delta if old_finish else None
    if finish and start and finish < start:
        errors["finish_delta_days"] = [_("The finish-date delta would put the finish before the start.")]
    if errors:
        raise ValidationError(errors)
    milestones = list(Milestone.objects.filter(organization=organization, project=project).order_by("order", "pk"))
    if locked.finish_delta_days:
        moved_forecasts = []
        for milestone in milestones:
            if milestone.actual_date or not milestone.baseline_date:
                continue
            forecast_moved = milestone.forecast_date and milestone.forecast_date != milestone.baseline_date
            milestone.baseline_date = milestone.forecast_date if forecast_moved else milestone.baseline_date + delta
            if not forecast_moved:
                milestone.forecast_date = milestone.baseline_date
                moved_forecasts.append(milestone)
        Milestone.objects.bulk_update(moved_forecasts, ["forecast_date"])
    baseline = project_services.baseline_create(
        organization=organization,
        actor=actor,
        project=project,
        reason=f"{locked.code}: {locked.title}. {locked.justification}",
        reason_category=locked.change_type,
        budget=budget,
        finish_date=finish,
        milestones=milestones,
        change_request_id=locked.pk,
        approved_at=at,
    )
    project_fields: dict[str, Any] = {"budget_at_completion": budget, "version": F("version") + 1}
    if finish is not None:
        project_fields["planned_finish"] = finish
    Project.objects.filter(organization=organization, pk=project.pk).update(**project_fields)
    return baseline


@transaction.atomic
def change_request_approve(
    *,
    organization: Organization,
    actor: Any,
    change_request: ChangeRequest,
    note: str = "",
    at: dt.datetime | None = None,
) -> ChangeRequest:
    """Sign the next unsigned approval step of an assessed request. The ``pmo`` step needs
    ``changes.approve_pmo``, the ``executive`` step ``changes.approve_executive``; the raiser may not sign and
    nobody signs two steps (``PermissionDenied`` with the reason).

    Signing the last step approves the request and, in the same transaction, creates the project's next baseline
    (``projects.services.baseline_create``) with the request's reason and category, the budget moved by the cost
    delta (never below zero: ``ValidationError``) and the finish by the finish delta, linked both ways; the
    project's BAC and planned finish follow. Any failure leaves the request assessed with nothing signed."""
    locked = _lock(organization=organization, change_request=change_request, expected=(Status.ASSESSED,))
    step, approvals = _check_signer(organization=organization, actor=actor, locked=locked)
    when = at or timezone.now()
    note = (note or "").strip()
    ChangeApproval.objects.create(
        organization=organization,
        change_request=locked,
        step=step,
        decision=ChangeApproval.Decision.APPROVED,
        note=note,
        decided_by=actor,
        decided_at=when,
    )
    fields = ["version"]
    if next_step(locked, [*(a.step for a in approvals), step]) is None:
        locked.baseline = _rebaseline(organization=organization, actor=actor, locked=locked, at=when)
        locked.status = Status.APPROVED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, when, note
        fields += ["baseline", "status", "decided_by", "decided_at", "decision_note"]
    locked.version = F("version") + 1
    locked.save(update_fields=fields)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def change_request_reject(
    *,
    organization: Organization,
    actor: Any,
    change_request: ChangeRequest,
    note: str,
    at: dt.datetime | None = None,
) -> ChangeRequest:
    """Refuse a request, saying why (``note`` required). A submitted request is rejected by the PMO
    (``changes.assess``) at assessment; an assessed one by whoever may sign its current step (same rules as
    ``change_request_approve``), which is recorded as that step's refusal. Rejected is final."""
    note = (note or "").strip()
    locked = _lock(
        organization=organization, change_request=change_request, expected=(Status.SUBMITTED, Status.ASSESSED)
    )
    when = at or timezone.now()
    step: str | None = None
    if locked.status == Status.SUBMITTED:
        _require(actor_access(organization=organization, actor=actor).can(Capability.CHANGES_ASSESS))
    else:
        step, _approvals = _check_signer(organization=organization, actor=actor, locked=locked)
    if not note:
        raise ValidationError({"note": [_("Say why the change request is rejected.")]})
    if step is not None:
        ChangeApproval.objects.create(
            organization=organization,
            change_request=locked,
            step=step,
            decision=ChangeApproval.Decision.REJECTED,
            note=note,
            decided_by=actor,
            decided_at=when,
        )
    locked.status = Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, when, note
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    locked.refresh_from_db()
    return locked
