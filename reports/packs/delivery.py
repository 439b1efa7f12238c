"""Telling people a report is ready: the requester's notification, the ``report.ready`` webhook event, and the
subscribers' e-mail with the PDF attached — each idempotent per report generation.

Subscribers' e-mails are written in each subscriber's language (their own choice, else the organisation's), around
the PDF, which is in the organisation's language. Only the organisation's packs have subscribers, and only users
who may still read them (``REPORTS_VIEW``) receive them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from pmo.tenancy.models import Membership, Organization
from pmo.tenancy.roles import Capability, Role, role_can
from reports import periods
from reports.models import ORGANIZATION_REPORT_KINDS, NotificationKind, Report, ReportSubscription
from reports.notifications.services import notify
from reports.notifications.webhooks import webhook_emit
from reports.packs import services
from reports.packs.selectors import report_filename


def reports_page_path(organization: Organization) -> str:
    return reverse("report-list", kwargs={"org_slug": organization.slug})


def report_event_params(report: Report) -> dict[str, Any]:
    """What a notification or webhook about ``report`` carries (see ``reports.notifications.messages``)."""
    params: dict[str, Any] = {
        "report_id": report.pk,
        "report_kind": report.kind,
        "title": report.title,
        "period": report.period,
        "generation": report.generation,
        "pages": report.pages,
    }
    if report.project is not None:
        params.update(project_code=report.project.code, project_name=report.project.name)
    return params


def report_announce(*, organization_id: int, report_id: int, generation: int) -> None:
    """Notify the requester (dedup ``report:<id>:<generation>:ready``) and emit ``report.ready`` to the webhooks."""
    organization = Organization.objects.get(pk=organization_id)
    report = (
        Report.objects.defer("pdf")
        .select_related("project", "requested_by")
        .filter(pk=report_id, generation=generation, state=Report.State.READY)
        .first()
    )
    if report is None:
        return
    params = report_event_params(report)
    url = reports_page_path(organization)
    if report.requested_by is not None:
        notify(
            organization=organization,
            kind=NotificationKind.REPORT_READY,
            recipients=[report.requested_by],
            params=params,
            url=url,
            report=report,
            dedup_key=f"report:{report.pk}:{generation}:ready",
        )
    webhook_emit(
        organization=organization,
        kind=NotificationKind.REPORT_READY,
        event="report.ready",
        event_id=f"report:{report.pk}:{generation}",
        payload={**params, "url": url},
    )


def _subscribers(organization: Organization, kind: str) -> list[Any]:
    roles = [role.value for role in Role if role_can(role, Capability.REPORTS_VIEW)]
    members = Membership.objects.filter(organization=organization, role__in=roles).values("user_id")
    return [
        subscription.user
        for subscription in ReportSubscription.objects.filter(
            organization=organization, kind=kind, user_id__in=members, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    ]


def report_email(report: Report, *, organization: Organization, user: Any, pdf: bytes) -> EmailMessage:
    """The e-mail of ``report`` to ``user``, in the user's language, with the PDF attached."""
    language = getattr(user, "language", "") or organization.default_language
    with translation.override(language):
        context = {
            "organization": organization,
            "report": report,
            "kind_label": report.get_kind_display(),
            "period_label": periods.period_display(report.kind, report.period),
            "url": settings.PUBLIC_BASE_URL.rstrip("/") + reports_page_path(organization),
            "user": user,
        }
        subject = " ".join(render_to_string("emails/reports/report_ready_subject.txt", context).split())
        body = render_to_string("emails/reports/report_ready.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach(report_filename(report, organization_slug=organization.slug), pdf, "application/pdf")
    return message


def report_email_subscribers(*, organization_id: int, report_id: int, generation: int) -> int:
    """E-mail ``generation`` to the subscribers of its kind, at most once per generation: the claim
    (``subscribers_notified_generation``) and the sending share the caller's transaction, so a failed send is
    retried as a whole. Returns the number of e-mails sent."""
    organization = Organization.objects.get(pk=organization_id)
    report = Report.objects.filter(pk=report_id, generation=generation, kind__in=ORGANIZATION_REPORT_KINDS).first()
    if report is None or report.pdf is None:
        return 0
    recipients = _subscribers(organization, report.kind)
    if not recipients or not services.report_claim_subscribers(report_id=report_id, generation=generation):
        return 0
    pdf = bytes(report.pdf)
    messages = [report_email(report, organization=organization, user=user, pdf=pdf) for user in recipients]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
