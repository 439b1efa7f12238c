"""Who may do what in portfolio management and intake: the one map that pages and the API consult.

| action | who |
| --- | --- |
| read portfolios, programmes, objectives | ``portfolio.view`` (admin, PMO, executive, manager) |
| create, edit, delete them | ``portfolio.manage`` (admin, PMO) |
| read the scoring model | ``intake.view``; edit it: ``portfolio.manage`` |
| the intake queue page, the pipeline | ``intake.view`` (admin, PMO, executive, manager), as the navigation |
| read a request (its page, the API) | ``intake.view``: every request; others: the requests they sponsor or wrote |
| create a request | ``intake.submit`` |
| edit (draft or deferred) and submit a request | ``intake.submit`` **and** its sponsor or author |
| withdraw a request (before a decision, or when deferred) | its sponsor or author |
| score a request (feasibility review) | ``intake.review`` (admin, PMO) |
| approve, reject, defer | ``intake.decide`` (admin, PMO, executive) |
| read scenarios | ``intake.view``; create and delete them: ``scenarios.manage`` |

Whether an action is possible *now* also depends on the request's status; the services refuse an invalid
transition with a validation error (400), while a missing role is a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from pmo.tenancy.roles import Capability

if TYPE_CHECKING:
    from pmo.tenancy.access import OrgAccess
    from portfolio.models import ProjectRequest

PORTFOLIO_VIEW = Capability.PORTFOLIO_VIEW
PORTFOLIO_MANAGE = Capability.PORTFOLIO_MANAGE
SCORING_VIEW = Capability.INTAKE_VIEW
SCORING_MANAGE = Capability.PORTFOLIO_MANAGE
INTAKE_VIEW_ALL = Capability.INTAKE_VIEW
INTAKE_CREATE = Capability.INTAKE_SUBMIT
INTAKE_REVIEW = Capability.INTAKE_REVIEW
INTAKE_DECIDE = Capability.INTAKE_DECIDE
SCENARIOS_VIEW = Capability.INTAKE_VIEW
SCENARIOS_MANAGE = Capability.SCENARIOS_MANAGE

# Request actions a role may take, regardless of the request's status.
EDIT, SUBMIT, WITHDRAW, SCORE, DECIDE = "edit", "submit", "withdraw", "score", "decide"


def is_request_owner(access: OrgAccess, request: ProjectRequest) -> bool:
    user_id = access.membership.user_id
    return user_id in (request.sponsor_id, request.created_by_id)


def request_may(access: OrgAccess, action: str, request: ProjectRequest) -> bool:
    """May ``access`` take ``action`` on ``request`` by role and ownership (the status is the service's concern)."""
    if action in (EDIT, SUBMIT):
        return access.can(INTAKE_CREATE) and is_request_owner(access, request)
    if action == WITHDRAW:
        return is_request_owner(access, request)
    if action == SCORE:
        return access.can(INTAKE_REVIEW)
    if action == DECIDE:
        return access.can(INTAKE_DECIDE)
    raise ValueError(action)


def require_request_action(access: OrgAccess, action: str, request: ProjectRequest) -> None:
    if not request_may(access, action, request):
        raise PermissionDenied
