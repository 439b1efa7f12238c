"""Portfolios group the organisation's projects. (Programmes, objectives and intake arrive with the intake work.)"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import TenantModel
from pmo.tenancy.permissions import TenantUserObjectPermission


@pghistory.track()
class Portfolio(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolios")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="portfolio_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name


class PortfolioUserObjectPermission(TenantUserObjectPermission):
    content_object = models.ForeignKey(Portfolio, on_delete=models.CASCADE)

    class Meta(TenantUserObjectPermission.Meta):
        abstract = False
