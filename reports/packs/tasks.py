"""Celery tasks of the report packs: rendering a report (``reports.render``), e-mailing it to subscribers
(``reports.deliver_to_subscribers``) and the scheduled dispatch (``reports.dispatch_scheduled`` from beat, fanned
out to ``reports.dispatch_organization`` per organisation). All run on the ``reports`` queue.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _

import reports.pdf
from pmo.celery import TenantTask, app
from pmo.tenancy.context import tenant_context
from pmo.tenancy.models import Organization
from projects.models import Project
from reports.models import Report
from reports.packs import services
from reports.packs.schedules import report_schedules_dispatch

logger = logging.getLogger(__name__)

# Worth another try: the database or a file went away for a moment. Anything else will fail the same way again.
RETRYABLE = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 3


class PhasedTenantTask(TenantTask):
    """A tenant task that opens its own short transactions (each with ``tenant_context``) instead of running whole
    in one: the render marks the report rendering, renders, and stores the PDF in three steps, so the mark is
    visible at once and no write transaction stays open while WeasyPrint works."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(kwargs.get("organization_id"), int):
            raise TypeError(f"{self.name} needs an integer organization_id keyword argument")
        return self.run(*args, **kwargs)


def _pack_unavailable() -> tuple[type[BaseException], ...]:
    unavailable = getattr(reports.pdf, "PackUnavailable", None)
    return (unavailable,) if unavailable is not None else ()


@app.task(
    base=PhasedTenantTask,
    bind=True,
    name="reports.render",
    max_retries=MAX_RETRIES,
    soft_time_limit=240,
    time_limit=300,
)
def render_report_task(self: PhasedTenantTask, *, organization_id: int, report_id: int, generation: int) -> str:
    """Render ``generation`` of the report and store it; idempotent.

    Skipped when a newer generation was requested or this one already ended. A redelivery after a worker died
    mid-render renders again (one more attempt); the PDF is stored by one UPDATE guarded by the generation, so a
    stale render never wins and there is never a second row. Database and I/O errors are retried with backoff (at
    most ``MAX_RETRIES`` times); a pack the data cannot make, a time-out or a renderer error fail the report with
    the reason. Returns what happened: ``ready``, ``stale``, ``skipped`` or ``failed``.
    """
    with tenant_context(organization_id):
        report = services.report_start_rendering(report_id=report_id, generation=generation)
        if report is None:
            already_ready = Report.objects.filter(
                pk=report_id, generation=generation, state=Report.State.READY
            ).exists()
            if already_ready:
                # The PDF is stored but the worker may have died before telling anyone: telling is idempotent.
                _announce_on_commit(organization_id=organization_id, report_id=report_id, generation=generation)
            return "skipped"

    started = time.monotonic()
    try:
        with tenant_context(organization_id):
            organization = Organization.objects.get(pk=organization_id)
            project = Project.objects.get(pk=report.project_id) if report.project_id else None
            rendered = reports.pdf.render_report(
                organization=organization,
                kind=report.kind,
                period=report.period,
                project=project,
                language=report.language,
            )
    except RETRYABLE as exc:
        if self.request.retries >= MAX_RETRIES:
            _fail(
                organization_id,
                report_id,
                generation,
                _("The report could not be rendered: %(error)s") % {"error": exc},
            )
            raise
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        _fail(organization_id, report_id, generation, _("Rendering took too long and was stopped."))
        return "failed"
    except _pack_unavailable() as exc:
        _fail(organization_id, report_id, generation, str(exc))
        return "failed"
    except Exception as exc:
        # A renderer bug must not leave the report "rendering" for ever: record it, then let the worker log it.
        _fail(organization_id, report_id, generation, _("The report could not be rendered: %(error)s") % {"error": exc})
        raise
    render_ms = int((time.monotonic() - started) * 1000)

    with tenant_context(organization_id):
        stored = services.report_store_rendered(
            report_id=report_id,
            generation=generation,
            pdf=rendered.pdf,
            pages=rendered.pages,
            title=rendered.title,
            render_ms=render_ms,
        )
        if not stored:
            return "stale"
        _announce_on_commit(organization_id=organization_id, report_id=report_id, generation=generation)
    logger.info("report %s generation %s rendered: %s pages in %s ms", report_id, generation, rendered.pages, render_ms)
    return "ready"


def _fail(organization_id: int, report_id: int, generation: int, error: str) -> None:
    with tenant_context(organization_id):
        services.report_mark_failed(report_id=report_id, generation=generation, error=error)


def _announce_on_commit(*, organization_id: int, report_id: int, generation: int) -> None:
    """Tell the requester and the webhooks, and e-mail the subscribers — after the PDF is committed."""
    from reports.packs.delivery import report_announce

    report_announce(organization_id=organization_id, report_id=report_id, generation=generation)
    transaction.on_commit(
        functools.partial(
            deliver_to_subscribers.delay,
            organization_id=organization_id,
            report_id=report_id,
            generation=generation,
        )
    )


@app.task(base=TenantTask, name="reports.deliver_to_subscribers", soft_time_limit=120, time_limit=180)
def deliver_to_subscribers(*, organization_id: int, report_id: int, generation: int) -> int:
    """E-mail ``generation`` of an organisation pack to its kind's subscribers, once per generation (the claim is
    one guarded UPDATE in the same transaction as the sending). Returns the number of e-mails sent."""
    from reports.packs.delivery import report_email_subscribers

    return report_email_subscribers(organization_id=organization_id, report_id=report_id, generation=generation)


@app.task(base=TenantTask, name="reports.dispatch_organization", soft_time_limit=120, time_limit=180)
def dispatch_organization(*, organization_id: int) -> list[int]:
    """Request the organisation's due scheduled packs (see ``reports.packs.schedules``); the ids requested."""
    organization = Organization.objects.get(pk=organization_id)
    return [report.pk for report in report_schedules_dispatch(organization=organization)]


@app.task(name="reports.dispatch_scheduled", acks_late=True, soft_time_limit=60, time_limit=90)
def dispatch_scheduled() -> int:
    """Beat, every 15 minutes: one ``reports.dispatch_organization`` per active organisation (the organisation
    table is not a tenant table). Returns how many were queued."""
    organization_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    for organization_id in organization_ids:
        dispatch_organization.delay(organization_id=organization_id)
    return len(organization_ids)
