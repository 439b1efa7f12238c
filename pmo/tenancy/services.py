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


def organization_purge_grace() -> timedelta:
    return timedelta(days=int(getattr(settings, "ORG_PURGE_GRACE_DAYS", 30)))


@transaction.atomic
def organization_soft_delete(*, organization: Organization, actor: Any, confirm_slug: str) -> Organization:
    """Delete ``organization`` softly: it disappears for its members at once (every ``is_active`` read leaves it out,
    so its pages, API and tokens answer 404) and is purged for good after ``ORG_PURGE_GRACE_DAYS``.

    ``confirm_slug`` must repeat the organisation's slug. The caller checks that ``actor`` administers it.
    """
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if confirm_slug.strip() != locked.slug:
        raise ValidationError({"confirm_slug": [_("Type the organisation's slug exactly to confirm.")]})
    if locked.deleted_at is not None:
        raise ValidationError({"confirm_slug": [_("This organisation is already deleted.")]})
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor
    locked.is_active = False
    locked.save(update_fields=["deleted_at", "deleted_by", "is_active"])
    return locked


@transaction.atomic
def organization_restore(*, organization: Organization) -> Organization:
    """Undo a soft deletion during the grace period (platform operators only: the admin action, ``restore_org``)."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.deleted_at is None:
        raise ValidationError(_("This organisation is not deleted."))
    if locked.deleted_at + organization_purge_grace() <= timezone.now():
        raise ValidationError(_("The grace period is over: this organisation is waiting to be purged."))
    locked.deleted_at = None
    locked.deleted_by = None
    locked.is_active = True
    locked.save(update_fields=["deleted_at", "deleted_by", "is_active"])
    return locked


def organizations_due_for_purge(*, now: Any = None) -> list[Organization]:
    cutoff = (now or timezone.now()) - organization_purge_grace()
    return list(Organization.objects.filter(deleted_at__lte=cutoff).order_by("deleted_at", "pk"))


def organization_purge(*, organization: Organization) -> dict[str, int]:
    """Remove a soft-deleted organisation for good: every tenant row (inside its tenant context, as the app role, so
    RLS applies), its uploaded files once the transaction commits, and the organisation row. Returns the rows
    deleted per table. Writes an export archive first when ``ORG_PURGE_EXPORT_DIR`` is set.

    Foreign keys are deferred until commit, so the tables can be emptied in any order; the pgtrigger triggers
    (history among them) are suppressed so that deleting does not write new history rows.
    """
    from pathlib import Path

    from django.core.files.storage import default_storage
    from django.db import connection

    from pmo.tenancy.portability import _qi, organization_export, suppress_triggers, tenant_table_specs

    if organization.deleted_at is None:
        raise ValidationError(_("Only a deleted organisation can be purged."))
    export_dir = getattr(settings, "ORG_PURGE_EXPORT_DIR", "")
    if export_dir:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        organization_export(
            organization=organization,
            output=Path(export_dir) / f"org-{organization.slug}-{organization.pk}-{stamp}.tar.gz",
        )
    deleted: dict[str, int] = {}
    files: set[str] = set()
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.deleted_at is None:
            raise ValidationError(_("Only a deleted organisation can be purged."))
        with context.tenant_context(locked), connection.cursor() as cursor:
            suppress_triggers()
            for spec in tenant_table_specs():
                for column in spec.file_columns:
                    cursor.execute(
                        f"SELECT DISTINCT {_qi(column)} FROM {_qi(spec.table)} "  # noqa: S608 (identifiers from the model registry)
                        f"WHERE organization_id = %s AND {_qi(column)} <> ''",
                        [locked.pk],
                    )
                    files.update(row[0] for row in cursor.fetchall())
                cursor.execute(f"DELETE FROM {_qi(spec.table)} WHERE organization_id = %s", [locked.pk])  # noqa: S608
                deleted[spec.table] = cursor.rowcount
        with connection.cursor() as cursor:
            # Not ``Model.delete()``: the collector would look for the (already deleted) tenant rows outside any tenant.
            cursor.execute("DELETE FROM tenancy_organization WHERE id = %s", [locked.pk])
            # Check the deferred foreign keys now, so that a row left behind fails the purge here, not at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        def remove_files() -> None:
            for name in sorted(files):
                if name.startswith(f"org-{organization.pk}/"):
                    default_storage.delete(name)

        transaction.on_commit(remove_files)
    return deleted
