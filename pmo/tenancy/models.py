"""Organisations (tenants), memberships and invitations, and the abstract base of every tenant-owned model."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.context import require_organization_id
from pmo.tenancy.roles import Role


class TenantQuerySet(models.QuerySet[Any]):
    pass


def orm_scoping_enabled() -> bool:
    """Whether tenant queries add ``organization_id = <active>`` themselves (always, but in the RLS-only test mode)."""
    return bool(getattr(settings, "TENANCY_ORM_SCOPING", True))


class TenantManager(models.Manager[Any]):
    """The default manager of tenant models: always scoped to the active organisation; raises when none is.

    A query that forgot its tenant fails closed (``TenantContextMissing``) instead of returning every row.

    With ``TENANCY_ORM_SCOPING`` off (a test mode, ``PMO_TENANCY_ORM_SCOPING=0``) the filter is left out and only
    PostgreSQL's Row-Level Security keeps the organisations apart; an organisation must still be active.
    """

    def get_queryset(self) -> TenantQuerySet:
        organization_id = require_organization_id()
        queryset = TenantQuerySet(self.model, using=self._db)
        if not orm_scoping_enabled():
            return queryset
        return queryset.filter(organization_id=organization_id)

    def none(self) -> TenantQuerySet:
        """The empty queryset needs no organisation: schema generation asks filter sets for one at import time."""
        return TenantQuerySet(self.model, using=self._db).none()


class TenantModel(models.Model):
    """Abstract base of every tenant-owned table: carries ``organization_id`` and a fail-closed default manager.

    ``dangerously_unscoped`` skips the ORM scoping (RLS still applies): only for the canary tests and
    maintenance commands that set the tenant themselves.
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+", editable=False)

    objects: ClassVar[TenantManager] = TenantManager()
    dangerously_unscoped: ClassVar[models.Manager[Any]] = models.Manager()

    class Meta:
        abstract = True


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organization(models.Model):
    """A tenant. Its own row is not tenant-scoped: slugs are resolved from the URL before any tenant is active."""

    class PmoType(models.TextChoices):
        SUPPORTIVE = "supportive", _("Supportive")
        CONTROLLING = "controlling", _("Controlling")
        DIRECTIVE = "directive", _("Directive")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    pmo_type = models.CharField(_("PMO type"), max_length=20, choices=PmoType.choices, default=PmoType.CONTROLLING)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    default_language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES, default="en")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # Soft deletion: a deleted organisation is also inactive (so every ``is_active=True`` read leaves it out at
    # once); it can be restored until ``ORG_PURGE_GRACE_DAYS`` have passed, then the purge task removes it.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("deleted by"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pmo_type__in=["supportive", "controlling", "directive"]),
                name="organization_pmo_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(deleted_at__isnull=True) | models.Q(is_active=False),
                name="organization_deleted_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Membership(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["organization_id", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user_per_org"),
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id}:{self.role}"


@pghistory.track()
class Invitation(TenantModel):
    """An e-mailed link that makes its holder a member with a role.

    The link carries a token signed with ``SECRET_KEY`` (organisation and invitation ids), so nothing secret is stored
    and the e-mail task can rebuild the link from ids alone; revocation and expiry are checked on the row.
    """

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "email"], name="invitation_org_email_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
