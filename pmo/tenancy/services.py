"""Writes for organisations, memberships and invitations. Each names its actor and organisation explicitly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from pmo.tenancy import context
from pmo.tenancy.models import Invitation, Membership, Organization
from pmo.tenancy.roles import Role

INVITATION_SALT = "pmo.tenancy.invitation"
INVITATION_TTL = timedelta(days=7)


class InvitationInvalid(Exception):
    """The link is malformed, expired, revoked or already used."""


@transaction.atomic
def organization_create(*, slug: str, name: str, admin: Any, **fields: Any) -> Organization:
    """Create an organisation and make ``admin`` its first administrator."""
    organization = Organization(slug=slug, name=name, **fields)
    organization.full_clean()
    organization.save()
    with context.tenant_context(organization, user_id=admin.pk):
        Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
        organization_run_setup_hooks(organization=organization)
    return organization


def organization_run_setup_hooks(*, organization: Organization) -> None:
    """Install each domain app's defaults (``settings.ORGANIZATION_SETUP_HOOKS``); idempotent, inside the tenant."""
    for path in settings.ORGANIZATION_SETUP_HOOKS:
        import_string(path)(organization=organization)


def _admins_left(*, organization: Organization, excluding: Membership) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN).exclude(pk=excluding.pk).count()


@transaction.atomic
def membership_change_role(*, organization: Organization, actor: Any, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    locked = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    if (
        locked.role == Role.ADMIN
        and role != Role.ADMIN
        and _admins_left(organization=organization, excluding=locked) == 0
    ):
        raise ValidationError({"role": [_("An organisation needs at least one administrator.")]})
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@transaction.atomic
def membership_remove(*, organization: Organization, actor: Any, membership: Membership) -> None:
    locked = Membership.objects.select_for_update().get(organization=organization, pk=membership.pk)
    if locked.role == Role.ADMIN and _admins_left(organization=organization, excluding=locked) == 0:
        raise ValidationError({"detail": [_("An organisation needs at least one administrator.")]})
    locked.delete()


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"o": invitation.organization_id, "i": invitation.pk}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/invitations/{invitation_token(invitation)}/"


@transaction.atomic
def invitation_create(*, organization: Organization, actor: Any, email: str, role: str) -> Invitation:
    """Invite ``email`` with ``role``; the e-mail is sent by a Celery task once the transaction commits."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("This person is already a member.")]})
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_TTL,
    )
    invitation.full_clean(exclude=["organization", "invited_by"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise ValidationError({"email": [_("An open invitation for this address exists already.")]}) from exc

    from pmo.tenancy.tasks import send_invitation_email

    transaction.on_commit(
        lambda: send_invitation_email.delay(organization_id=organization.pk, invitation_id=invitation.pk)
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, organization: Organization, actor: Any, invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().get(organization=organization, pk=invitation.pk)
    if locked.state != "open":
        raise ValidationError({"detail": [_("Only an open invitation can be revoked.")]})
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    return locked


def invitation_from_token(token: str) -> Invitation:
    """Activate the invitation's organisation (in the current transaction) and return the open invitation."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_TTL)
        organization_id, invitation_id = int(payload["o"]), int(payload["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvitationInvalid from exc
    organization = Organization.objects.filter(pk=organization_id, is_active=True).first()
    if organization is None:
        raise InvitationInvalid
    context.activate(organization.pk)
    invitation = Invitation.objects.filter(pk=invitation_id).select_related("organization").first()
    if invitation is None or invitation.state != "open":
        raise InvitationInvalid
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    """Make ``user`` a member with the invited role. The invitation must be addressed to the user's e-mail."""
    locked = Invitation.objects.select_for_update().get(organization_id=invitation.organization_id, pk=invitation.pk)
    if locked.state != "open":
        raise InvitationInvalid
    if user.email.lower() != locked.email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    membership, _created = Membership.objects.get_or_create(
        organization_id=locked.organization_id, user=user, defaults={"role": locked.role}
    )
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership
