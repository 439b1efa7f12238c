"""A project's documents: a file uploaded to the project, or a link to a document kept elsewhere (a wiki, a shared
drive, a contract system). Exactly one of the two, enforced by a check constraint."""

from __future__ import annotations

import uuid
from pathlib import PurePath

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.models import TenantModel


def document_path(instance: ProjectDocument, filename: str) -> str:
    """Stored per organisation under a random name; served only through a permission-checked view."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"org-{instance.organization_id}/documents/{uuid.uuid4().hex}{suffix}"


@pghistory.track()
class ProjectDocument(TenantModel):
    """``content_type`` is derived on the server from the checked file type (never the client's); ``original_name``
    is only shown and sent back in ``Content-Disposition``. A link keeps ``file`` empty, and the other way round."""

    class Kind(models.TextChoices):
        PLAN = "plan", pgettext_lazy("document kind", "Plan")
        REQUIREMENTS = "requirements", _("Requirements")
        DESIGN = "design", _("Design")
        CONTRACT = "contract", _("Contract")
        REPORT = "report", pgettext_lazy("document kind", "Report")
        MINUTES = "minutes", pgettext_lazy("document kind", "Minutes")
        OTHER = "other", pgettext_lazy("document kind", "Other")

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="documents", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    phase = models.ForeignKey(
        "projects.ProjectPhase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phase"),
    )
    file = models.FileField(upload_to=document_path, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    version_label = models.CharField(_("version"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    uploaded_at = models.DateTimeField(_("added on"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        indexes = [
            models.Index(fields=["organization", "project", "-uploaded_at"], name="document_org_project_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url="")) | (~models.Q(file="") & models.Q(url="")),
                name="document_file_xor_link",
            ),
            models.CheckConstraint(
                condition=models.Q(url="") | models.Q(url__startswith="http://") | models.Q(url__startswith="https://"),
                name="document_link_is_http",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["plan", "requirements", "design", "contract", "report", "minutes", "other"]
                ),
                name="document_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_link(self) -> bool:
        return bool(self.url)

    @property
    def extension(self) -> str:
        """``PDF``, ``DOCX`` …: the checked type, read from the stored name (the client's name is only shown)."""
        return PurePath(self.file.name or "").suffix.lstrip(".").upper()
