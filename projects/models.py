"""Projects: the register every PMO function hangs from. (Lifecycle, baselines and status arrive in later work.)"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import TenantModel
from pmo.tenancy.permissions import TenantUserObjectPermission


@pghistory.track()
class Project(TenantModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    portfolio = models.ForeignKey(
        "portfolio.Portfolio",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("portfolio"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="project_unique_code_per_org"),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "planning", "active", "on_hold", "closed", "cancelled"]),
                name="project_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="project_org_status_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
