"""Security events: sign-ins, lockouts, permission denials and API token use (written by ``pmo.audit.security``).

``SecurityEvent`` belongs to one organisation (``organization_id`` + RLS, like every tenant table): an event about
a member is written once in each organisation the member belongs to, so that each organisation's administrators see
attacks on their own people. ``SiteSecurityEvent`` holds what belongs to no organisation (a failed sign-in for an
unknown e-mail address, a lockout of a client address): a plain table read only by Django staff in the admin.

Neither ever stores a password: a failed sign-in keeps the e-mail address that was tried, nothing else it sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import TenantModel

USER_AGENT_MAX = 255
USERNAME_MAX = 254


class SecurityEventKind(models.TextChoices):
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
    LOCKOUT = "lockout", _("Sign-in locked")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    TOKEN_USED = "token_used", _("API token used")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")


class SecurityEventBase(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=SecurityEventKind.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The e-mail address given at sign-in (kept when it matches no account, for the staff's view of an attack).
    username = models.CharField(_("e-mail tried"), max_length=USERNAME_MAX, blank=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=USER_AGENT_MAX, blank=True)
    # Kind-specific facts: the path and method of a denial, the token's id, prefix and name, the sign-in channel.
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M:%S}"


class SecurityEvent(SecurityEventBase, TenantModel):
    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_secev_org_time"),
            models.Index(fields=["organization", "kind", "-created_at"], name="audit_secev_org_kind"),
            models.Index(fields=["organization", "user", "-created_at"], name="audit_secev_org_user"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SecurityEventKind.values), name="audit_secev_kind_known"
            ),
        ]


class SiteSecurityEvent(SecurityEventBase):
    class Meta:
        verbose_name = _("site security event")
        verbose_name_plural = _("site security events")
        indexes = [models.Index(fields=["-created_at"], name="audit_sitesecev_time")]
