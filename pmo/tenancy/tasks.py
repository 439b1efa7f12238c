"""Celery tasks of the tenancy core. Each takes ``organization_id`` and runs inside that organisation."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from pmo.celery import TenantTask, app
from pmo.tenancy.models import Invitation, Organization


@app.task(base=TenantTask, name="tenancy.send_invitation_email")
def send_invitation_email(*, organization_id: int, invitation_id: int) -> bool:
    """Send (once) the e-mail of an open invitation, in the organisation's default language.

    Idempotent: an invitation already sent, accepted or revoked is skipped. Returns whether a mail went out.
    """
    from pmo.tenancy.services import invitation_url

    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at is not None or invitation.state != "open":
        return False
    organization = Organization.objects.get(pk=organization_id)
    with translation.override(organization.default_language):
        context = {
            "organization": organization,
            "invitation": invitation,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by,
        }
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        body = render_to_string("emails/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    return True


@app.task(name="tenancy.purge_deleted_organizations", soft_time_limit=2700, time_limit=3000)
def purge_deleted_organizations() -> list[str]:
    """Beat, daily: purge every organisation soft-deleted more than ``ORG_PURGE_GRACE_DAYS`` ago (organisations are
    not a tenant table; each purge sets its own tenant). Idempotent: a purged organisation is gone. Returns the slugs.
    """
    from pmo.tenancy.services import organization_purge, organizations_due_for_purge

    purged = []
    for organization in organizations_due_for_purge():
        organization_purge(organization=organization)
        purged.append(organization.slug)
    return purged
