"""Writes of the report packs: requesting a report (on demand or by schedule), recording a render's outcome, and
a user's subscriptions.

One stored report per (organisation, kind, period, project) is the database's rule (``report_one_per_period``): a
request is one ``INSERT … ON CONFLICT`` that either creates the row or bumps its ``generation`` and queues it
again, keeping the previous PDF until the new one is ready. The render task (``reports.packs.tasks``) only writes
the outcome for the generation it rendered, so a late, stale render never replaces a newer PDF.

A pack is rendered in the organisation's default language, not the requester's: the stored report is one per
period, shared by everyone who reads it (subscribers' e-mails are written in their own language around it).

Refusals: ``ValidationError`` for bad input (400), ``PermissionDenied`` (403) when the actor may not request the
kind, ``ReportScheduleStale`` (409) for a schedule edit based on an old version.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pmo.tenancy.access import OrgAccess
from pmo.tenancy.models import Organization
from pmo.tenancy.roles import Capability
from projects.changes.services import actor_access
from projects.models import Project
from projects.policy import organization_zone
from projects.selectors import projects_visible_to
from projects.services import StaleVersion
from reports import periods
from reports.models import ORGANIZATION_REPORT_KINDS, Report, ReportKind, ReportSubscription

PROJECT_REPORT_KINDS = (ReportKind.PROJECT_ONEPAGER, ReportKind.CLOSURE)


def kind_is_organization_wide(kind: str) -> bool:
    return kind in ORGANIZATION_REPORT_KINDS


def default_period(kind: str, *, organization: Organization, now: dt.datetime | None = None) -> str:
    """The period a request without one asks for: the last complete week or month for the organisation's packs,
    this week for a one-pager, none for a closure report."""
    if kind_is_organization_wide(kind):
        return periods.previous_period(kind, organization=organization, now=now)
    return periods.current_period(kind, organization=organization, now=now)


def _clean_period(kind: str, period: Any, *, organization: Organization) -> str:
    if period in (None, ""):
        return default_period(kind, organization=organization)
    try:
        value = periods.period_normalise(kind, period)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    start = periods.period_start(kind, value)
    today = timezone.now().astimezone(organization_zone(organization)).date()
    if start is not None and start > today:
        raise ValidationError({"period": [_("This period has not started yet.")]})
    return value


def _check_request(*, access: OrgAccess | None, kind: str, project: Project | None, organization: Organization) -> None:
    """Validate the kind and the project against each other and against what the actor may do (``access`` is
    ``None`` for the schedule, which acts for the organisation)."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("Choose a kind of report.")]})
    if kind_is_organization_wide(kind):
        if project is not None:
            raise ValidationError({"project": [_("This report covers the whole organisation: leave the project out.")]})
        if access is not None and not access.can(Capability.REPORTS_GENERATE):
            raise PermissionDenied(_("Only the PMO produces the organisation's report packs."))
        return
    visible = (
        project is not None
        and project.organization_id == organization.pk
        and (access is None or projects_visible_to(access=access).filter(pk=project.pk).exists())
    )
    if not visible:
        raise ValidationError({"project": [_("Choose a project you can see.")]})


_UPSERT = """
INSERT INTO reports_report
    (organization_id, kind, period, project_id, language, title, state, trigger, generation, requested_by_id,
     requested_at, attempts, error, subscribers_notified_generation)
VALUES (%(organization)s, %(kind)s, %(period)s, %(project)s, %(language)s, '', 'pending', %(trigger)s, 1,
        %(actor)s, %(now)s, 0, '', 0)
ON CONFLICT ON CONSTRAINT report_one_per_period DO UPDATE SET
    generation = reports_report.generation + 1,
    state = 'pending',
    trigger = EXCLUDED.trigger,
    language = EXCLUDED.language,
    requested_by_id = EXCLUDED.requested_by_id,
    requested_at = EXCLUDED.requested_at,
    attempts = 0,
    error = ''
RETURNING id, generation
"""


@transaction.atomic
def report_request(
    *,
    organization: Organization,
    actor: Any | None,
    kind: str,
    period: Any = None,
    project: Project | None = None,
    trigger: str = Report.Trigger.MANUAL,
) -> Report:
    """Ask for the report ``kind`` of ``period`` (and ``project`` for a one-pager or closure report).

    ``actor`` ``None`` is the schedule. The organisation's packs need ``REPORTS_GENERATE`` from a person; a project's
    reports need only that the actor may read the project. A missing period means the default one
    (``default_period``). The report is created, or — when the period's report exists — its generation is bumped and
    it is queued again while the previous PDF stays served. Renders on the ``reports`` queue once the transaction
    commits. Returns the report (without its PDF bytes).
    """
    access = None if actor is None else actor_access(organization=organization, actor=actor)
    _check_request(access=access, kind=kind, project=project, organization=organization)
    value = _clean_period(kind, period, organization=organization)
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT,
            {
                "organization": organization.pk,
                "kind": kind,
                "period": value,
                "project": project.pk if project is not None else None,
                "language": organization.default_language,
                "trigger": trigger,
                "actor": getattr(actor, "pk", None),
                "now": timezone.now(),
            },
        )
        report_id, generation = cursor.fetchone()

    from reports.packs.tasks import render_report_task

    transaction.on_commit(
        functools.partial(
            render_report_task.delay, organization_id=organization.pk, report_id=report_id, generation=generation
        )
    )
    return Report.objects.defer("pdf").select_related("project", "requested_by").get(pk=report_id)


# --- Render outcome (called by the render task, each in a short transaction of its own) ---------------------------


def report_start_rendering(*, report_id: int, generation: int) -> Report | None:
    """Mark the report rendering for ``generation`` (one more attempt). ``None`` when there is nothing to render:
    the report is gone, a newer generation was requested, or this generation already ended (ready or failed)."""
    report = Report.objects.select_for_update().defer("pdf").filter(pk=report_id).first()
    if report is None or report.generation != generation or report.state in (Report.State.READY, Report.State.FAILED):
        return None
    report.state = Report.State.RENDERING
    report.started_at = timezone.now()
    report.attempts = F("attempts") + 1
    report.save(update_fields=["state", "started_at", "attempts"])
    report.refresh_from_db(fields=["attempts"])
    return report


def report_store_rendered(
    *, report_id: int, generation: int, pdf: bytes, pages: int, title: str, render_ms: int
) -> bool:
    """Replace the stored PDF with the one rendered for ``generation`` — in one UPDATE that applies only while the
    report is still at that generation. Returns whether it was stored (``False``: a newer request won)."""
    return bool(
        Report.objects.filter(pk=report_id, generation=generation).update(
            pdf=pdf,
            pages=pages,
            size_bytes=len(pdf),
            render_ms=render_ms,
            title=title[:300],
            state=Report.State.READY,
            generated_at=timezone.now(),
            error="",
        )
    )


def report_mark_failed(*, report_id: int, generation: int, error: str) -> bool:
    """Record that ``generation`` cannot be rendered (the previous PDF, if any, stays)."""
    return bool(
        Report.objects.filter(pk=report_id, generation=generation)
        .exclude(state=Report.State.READY)
        .update(state=Report.State.FAILED, error=error[:2000])
    )


def report_claim_subscribers(*, report_id: int, generation: int) -> bool:
    """Claim the subscribers' e-mail of ``generation``: one atomic UPDATE, so it is sent at most once per
    generation however often the task runs."""
    return bool(
        Report.objects.filter(
            pk=report_id,
            generation=generation,
            state=Report.State.READY,
            subscribers_notified_generation__lt=generation,
        ).update(subscribers_notified_generation=generation)
    )


# --- Subscriptions ---------------------------------------------------------------------------------------------


def _subscription_access(*, organization: Organization, actor: Any, kind: str) -> None:
    access = actor_access(organization=organization, actor=actor)
    if not access.can(Capability.REPORTS_VIEW):
        raise PermissionDenied(_("Only leadership receives the organisation's report packs."))
    if kind not in ORGANIZATION_REPORT_KINDS:
        raise ValidationError({"kind": [_("Subscribe to the weekly pack or the monthly review.")]})


@transaction.atomic
def report_subscribe(*, organization: Organization, actor: Any, kind: str) -> tuple[ReportSubscription, bool]:
    """Subscribe the actor to each new pack of ``kind`` by e-mail; idempotent. Returns (subscription, created)."""
    _subscription_access(organization=organization, actor=actor, kind=kind)
    return ReportSubscription.objects.get_or_create(organization=organization, user=actor, kind=kind)


@transaction.atomic
def report_unsubscribe(*, organization: Organization, actor: Any, kind: str) -> bool:
    """Stop the actor's e-mails of ``kind``; idempotent. Returns whether a subscription was removed."""
    _subscription_access(organization=organization, actor=actor, kind=kind)
    deleted, _rows = ReportSubscription.objects.filter(organization=organization, user=actor, kind=kind).delete()
    return deleted > 0


class ReportScheduleStale(StaleVersion):
    def __init__(self) -> None:
        super(StaleVersion, self).__init__(
            _("Someone else changed this schedule in the meantime. Reload it and try again.")
        )
