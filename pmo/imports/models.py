"""An uploaded spreadsheet on its way in: ``ImportBatch`` keeps the parsed rows between the dry-run preview and the
import, and the outcome afterwards. Batches are working records of their uploader; they are purged after a day
(``imports.purge_batches``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pmo.tenancy.models import TenantModel


class Entity(models.TextChoices):
    """What a batch creates; each has its spec in the app that owns the model (``<app>/imports.py``)."""

    PROJECTS = "projects", _("Projects")
    PEOPLE = "people", _("People")
    ALLOCATIONS = "allocations", _("Allocations")
    RISKS = "risks", _("Risks")
    MILESTONES = "milestones", _("Milestones")


class ImportBatch(TenantModel):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", pgettext_lazy("import", "Previewed")
        IMPORTED = "imported", pgettext_lazy("import", "Imported")
        FAILED = "failed", pgettext_lazy("import", "Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    entity = models.CharField(_("data"), max_length=20, choices=Entity.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    sha256 = models.CharField(max_length=64)
    # The file as read: the header row's cells, then each non-empty row as {"line": n, "cells": [...]}, cells as
    # text (numbers and dates already written out). Validation maps the headers again each time it runs.
    header = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    # The problems found by the upload's validation or by the import attempt: {"line", "column", "header",
    # "value", "message"}, the messages in ``language``.
    errors = models.JSONField(default=list)
    # How many problems there were (only the first ``specs.MAX_LISTED_ERRORS`` are listed in ``errors``).
    error_count = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=10, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    imported_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [
            models.Index(fields=["organization", "created_by", "-created_at"], name="import_batch_org_user_idx"),
            models.Index(fields=["organization", "created_at"], name="import_batch_org_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["previewed", "imported", "failed"]), name="import_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(entity__in=[entity.value for entity in Entity]), name="import_batch_entity_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(file_format__in=["csv", "xlsx"]), name="import_batch_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.file_name} ({self.status})"
