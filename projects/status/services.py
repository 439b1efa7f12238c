"""Writes of weekly status (周报). Every service names its organisation and actor, is atomic, and locks the project
row (a closed or cancelled project is refused, 409) and the report row (so a submit and an accept cannot
interleave). Who may call which one is checked by the views and the API: writers (start, save, submit, amend) need
``projects.selectors.project_can_change``; reviewers (accept, return) need ``Capability.STATUS_REVIEW``.

Refusals: ``ValidationError`` for bad input or a transition that the report's state does not allow (400);
``StatusReportExists`` for a second report of a week and ``StatusStale`` for a stale version (409).
pghistory audits every change of ``StatusReport``; each submission is frozen as an immutable ``StatusRevision``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.models import Organization
from projects import evm
from projects.models import (
    EVM_FIGURE_FIELDS,
    RAG_VALUES,
    STATUS_CONTENT_FIELDS,
    Project,
    Rag,
    StatusReport,
    StatusRevision,
)
from projects.policy import (
    control_policy_get,
    current_week_start,
    status_date,
    status_due_at,
    week_label,
    week_start_of,
)
from projects.services import AlreadyExists, StaleVersion, _lock_project
from resources.timesheets.selectors import project_labour_cost

RAG_FIELDS = ("rag_overall", "rag_schedule", "rag_cost", "rag_scope", "rag_quality", "rag_resources", "rag_risk")
TEXT_FIELDS = ("rag_justification", "summary", "accomplishments", "next_steps")
EDITABLE_FIELDS = frozenset(
    {*RAG_FIELDS, *TEXT_FIELDS, "percent_complete", "actual_cost", "forecast_finish", "escalations"}
)
# The content a submission freezes into its revision, and the figures computed at submission.
CONTENT_FIELDS = STATUS_CONTENT_FIELDS
EVM_FIELDS = EVM_FIGURE_FIELDS
MAX_ESCALATIONS = 20
ESCALATION_TITLE_MAX = 200
ESCALATION_TEXT_MAX = 2000
TEXT_MAX = 10_000
MONEY_MAX = Decimal("99999999999999.99")
EDITABLE_STATES = (StatusReport.State.DRAFT, StatusReport.State.RETURNED)


class StatusReportExists(AlreadyExists):
    def __init__(self, week_start: dt.date) -> None:
        super().__init__(_("This project already has a status report for %(week)s.") % {"week": week_label(week_start)})


class StatusStale(StaleVersion):
    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed this status report in the meantime. Reload it and try again.")
        )


# --- Validation ---------------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(value: Any, limit: int) -> str:
    return str(value if value is not None else "").strip()[:limit]


def clean_escalations(value: Any) -> list[dict[str, Any]]:
    """Escalations as stored: a list of at most ``MAX_ESCALATIONS`` dicts with ``title`` (required, ≤ 200),
    ``detail``, ``decision_needed``, ``decision_from`` (required when a decision is needed) and ``resolved``."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationError({"escalations": [_("Escalations must be a list.")]})
    if len(value) > MAX_ESCALATIONS:
        raise ValidationError(
            {"escalations": [_("At most %(count)s escalations per report.") % {"count": MAX_ESCALATIONS}]}
        )
    cleaned, errors = [], []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            errors.append(_("Escalation %(n)s: give a title and details.") % {"n": number})
            continue
        title = str(item.get("title") or "").strip()
        decision_needed = bool(item.get("decision_needed"))
        decision_from = _text(item.get("decision_from"), ESCALATION_TITLE_MAX)
        if not title:
            errors.append(_("Escalation %(n)s: give a title.") % {"n": number})
        elif len(title) > ESCALATION_TITLE_MAX:
            errors.append(
                _("Escalation %(n)s: the title is longer than %(max)s characters.")
                % {"n": number, "max": ESCALATION_TITLE_MAX}
            )
        if decision_needed and not decision_from:
            errors.append(_("Escalation %(n)s: say from whom a decision is needed.") % {"n": number})
        cleaned.append(
            {
                "title": title,
                "detail": _text(item.get("detail"), ESCALATION_TEXT_MAX),
                "decision_needed": decision_needed,
                "decision_from": decision_from if decision_needed else "",
                "resolved": bool(item.get("resolved")),
            }
        )
    if errors:
        raise ValidationError({"escalations": errors})
    return cleaned


def clean_content(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields, validated and normalised; ``ValidationError`` with every field's problem at once."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name in RAG_FIELDS:
            if value not in RAG_VALUES:
                errors[name] = [_("Choose green, amber or red.")]
            values[name] = value
        elif name in TEXT_FIELDS:
            values[name] = _text(value, TEXT_MAX)
        elif name == "percent_complete":
            number = _decimal(value)
            if number is None or not Decimal(0) <= number <= Decimal(100):
                errors[name] = [_("Give the percent complete as a number from 0 to 100.")]
            else:
                values[name] = number.quantize(Decimal("0.01"))
        elif name == "actual_cost":
            number = _decimal(value)
            if number is None or not Decimal(0) <= number <= MONEY_MAX:
                errors[name] = [_("Give the actual cost to date as an amount of 0 or more.")]
            else:
                values[name] = number.quantize(Decimal("0.01"))
        elif name == "forecast_finish":
            if value in (None, ""):
                values[name] = None
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                values[name] = value
            else:
                try:
                    values[name] = dt.date.fromisoformat(str(value))
                except ValueError:
                    errors[name] = [_("Give the forecast finish as a date (YYYY-MM-DD).")]
        elif name == "escalations":
            try:
                values[name] = clean_escalations(value)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


# --- Locks --------------------------------------------------------------------------------------------------------


def _lock_status(
    *, organization: Organization, report: StatusReport, expected: Sequence[str], version: int | None = None
) -> tuple[Project, StatusReport]:
    """Lock the project (refusing an archived one) and the report; check the version, then the state."""
    project = _lock_project(organization=organization, project_id=report.project_id)
    locked = StatusReport.objects.select_for_update().get(organization=organization, pk=report.pk)
    if version is not None and version != locked.version:
        raise StatusStale()
    if locked.state not in expected:
        raise ValidationError(
            {
                "detail": [
                    _("Not possible while the status report is %(state)s.")
                    % {"state": locked.get_state_display().lower()}
                ]
            }
        )
    return project, locked


def _bump(report: StatusReport, now: dt.datetime, fields: Sequence[str]) -> StatusReport:
    """Save ``fields`` of the locked ``report`` with the next version. The row stays locked (``select_for_update``)
    until the transaction ends, so the stored version is the one read plus one: the instance says so without
    reading the row again."""
    read = report.version
    report.version = F("version") + 1
    report.updated_at = now
    report.save(update_fields=[*fields, "version", "updated_at"])
    report.version = read + 1
    return report


# --- Services -----------------------------------------------------------------------------------------------------


def prefill_from(previous: StatusReport | None) -> dict[str, Any]:
    """What a new report starts with: the previous report's RAGs, percent, cost, forecast and summary; its next
    steps as this week's accomplishments; its unresolved escalations."""
    if previous is None:
        return {}
    values: dict[str, Any] = {name: getattr(previous, name) for name in RAG_FIELDS}
    values.update(
        percent_complete=previous.percent_complete,
        actual_cost=previous.actual_cost,
        forecast_finish=previous.forecast_finish,
        summary=previous.summary,
        accomplishments=previous.next_steps,
        escalations=[dict(item) for item in previous.escalations or [] if not item.get("resolved")],
    )
    return values


@transaction.atomic
def status_report_start(
    *,
    organization: Organization,
    actor: Any,
    project: Project,
    week_start: dt.date | None = None,
    at: dt.datetime | None = None,
) -> StatusReport:
    """Start the draft of ``project``'s report for the ISO week of ``week_start`` (default: the current week in the
    organisation's time zone), pre-filled from the latest earlier report (``prefill_from``), due as the control
    policy says. A later week than the current one is refused (400); a second report of a week is
    ``StatusReportExists`` (409), also when two requests race."""
    now = at or timezone.now()
    current = current_week_start(organization=organization, now=now)
    week = week_start_of(week_start) if week_start is not None else current
    if week > current:
        raise ValidationError({"week": [_("A report cannot be started for a future week.")]})
    locked = _lock_project(organization=organization, project_id=project.pk)
    reports = StatusReport.objects.filter(organization=organization, project=locked)
    if reports.filter(week_start=week).exists():
        raise StatusReportExists(week)
    previous = reports.filter(week_start__lt=week).order_by("-week_start").first()
    policy = control_policy_get(organization=organization)
    try:
        with transaction.atomic():
            return StatusReport.objects.create(
                organization=organization,
                project=locked,
                week_start=week,
                due_at=status_due_at(organization=organization, policy=policy, week_start=week),
                created_by=actor,
                created_at=now,
                updated_at=now,
                **prefill_from(previous),
            )
    except IntegrityError as exc:
        raise StatusReportExists(week) from exc


@transaction.atomic
def status_report_save(
    *, organization: Organization, actor: Any, report: StatusReport, version: int | None, **fields: Any
) -> StatusReport:
    """Change a draft (or returned) report's content. ``version`` must be the one the caller read, else
    ``StatusStale`` (409) and nothing is saved; the fields are checked by ``clean_content`` (400)."""
    if version is None:
        raise ValidationError({"version": [_("Send the version you read.")]})
    _project, locked = _lock_status(organization=organization, report=report, expected=EDITABLE_STATES, version=version)
    values = clean_content(fields)
    for name, value in values.items():
        setattr(locked, name, value)
    return _bump(locked, timezone.now(), list(values))


def report_figures(
    *, organization: Organization, project: Project, report: StatusReport
) -> tuple[evm.Evm, evm.RagSuggestion]:
    """The earned-value figures and the suggested RAG of ``report``'s current content: PV as of its week's status
    date; AC the larger of the reported actual cost and the project's approved-timesheet labour cost up to that date
    (approved timesheets are a floor: partial timesheets never lower the reported cost). Reads only."""
    policy = control_policy_get(organization=organization)
    on = status_date(policy=policy, week_start=report.week_start)
    labour = project_labour_cost(organization=organization, project=project, until=on)
    figures = evm.project_evm(
        organization=organization,
        project=project,
        on=on,
        percent_complete=report.percent_complete,
        actual_cost=max(report.actual_cost, labour.cost),
    )
    suggestion = evm.suggest_rag(
        policy=policy,
        spi=figures.spi,
        cpi=figures.cpi,
        max_slip_days=evm.project_max_slip_days(organization=organization, project=project),
        open_escalations=evm.open_escalation_count(report.escalations),
    )
    return figures, suggestion


@transaction.atomic
def status_report_submit(
    *,
    organization: Organization,
    actor: Any,
    report: StatusReport,
    version: int | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> StatusReport:
    """Submit a draft (or returned) report to the PMO, saving ``fields`` first when given (as
    ``status_report_save``). Computes the earned value as of the week's status date and the suggested RAG; a
    manager's overall RAG better than the suggestion needs ``rag_justification`` (400, nothing changes). AC is the
    larger of the reported actual cost and the project's approved-timesheet labour cost up to the status date
    (stored as ``ac``; ``actual_cost`` keeps what was reported). Freezes
    revision n+1 with the content, the figures and the suggestion, and stores the figures on the report. The
    first submission's time decides lateness."""
    now = at or timezone.now()
    project, locked = _lock_status(organization=organization, report=report, expected=EDITABLE_STATES, version=version)
    for name, value in clean_content(fields).items():
        setattr(locked, name, value)
    figures, suggestion = report_figures(organization=organization, project=project, report=locked)
    if evm.is_better(locked.rag_overall, suggestion.rag) and not locked.rag_justification.strip():
        raise ValidationError(
            {
                "rag_justification": [
                    _("Your overall RAG (%(reported)s) is better than the suggested one (%(suggested)s): say why.")
                    % {
                        "reported": locked.get_rag_overall_display().lower(),
                        "suggested": str(Rag(suggestion.rag).label).lower(),
                    }
                ]
            }
        )
    for name, value in figures.as_fields().items():
        setattr(locked, name, value)
    locked.suggested_rag = suggestion.rag
    locked.suggested_reasons = suggestion.reasons
    number = locked.revision + 1
    StatusRevision.objects.create(
        organization=organization,
        report=locked,
        project=project,
        number=number,
        submitted_by=actor,
        submitted_at=now,
        **{name: getattr(locked, name) for name in (*CONTENT_FIELDS, *EVM_FIELDS)},
    )
    locked.state = StatusReport.State.SUBMITTED
    locked.revision = number
    locked.submitted_at, locked.submitted_by = now, actor
    changed = [*CONTENT_FIELDS, *EVM_FIELDS, "state", "revision", "submitted_at", "submitted_by"]
    if locked.first_submitted_at is None:
        locked.first_submitted_at = now
        changed.append("first_submitted_at")
    return _bump(locked, now, changed)


def _review(
    *, organization: Organization, actor: Any, report: StatusReport, state: str, comment: str, at: dt.datetime | None
) -> StatusReport:
    now = at or timezone.now()
    _project, locked = _lock_status(organization=organization, report=report, expected=(StatusReport.State.SUBMITTED,))
    locked.state = state
    locked.reviewed_at, locked.reviewed_by, locked.review_comment = now, actor, comment
    return _bump(locked, now, ["state", "reviewed_at", "reviewed_by", "review_comment"])


@transaction.atomic
def status_report_accept(
    *, organization: Organization, actor: Any, report: StatusReport, note: str = "", at: dt.datetime | None = None
) -> StatusReport:
    """The PMO accepts a submitted report (an optional note is kept as the review comment)."""
    return _review(
        organization=organization,
        actor=actor,
        report=report,
        state=StatusReport.State.ACCEPTED,
        comment=_text(note, TEXT_MAX),
        at=at,
    )


@transaction.atomic
def status_report_return(
    *, organization: Organization, actor: Any, report: StatusReport, comment: str, at: dt.datetime | None = None
) -> StatusReport:
    """The PMO returns a submitted report to the manager, saying what to change (required)."""
    comment = _text(comment, TEXT_MAX)
    if not comment:
        raise ValidationError({"comment": [_("Say what the manager should change.")]})
    return _review(
        organization=organization,
        actor=actor,
        report=report,
        state=StatusReport.State.RETURNED,
        comment=comment,
        at=at,
    )


@transaction.atomic
def status_report_amend(*, organization: Organization, actor: Any, report: StatusReport) -> StatusReport:
    """Reopen a submitted or accepted report as a draft for an amendment. Its revisions stay; submitting again
    adds the next one (and the PMO reviews it again)."""
    _project, locked = _lock_status(
        organization=organization,
        report=report,
        expected=(StatusReport.State.SUBMITTED, StatusReport.State.ACCEPTED),
    )
    locked.state = StatusReport.State.DRAFT
    return _bump(locked, timezone.now(), ["state"])
