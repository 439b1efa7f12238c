"""The knowledge base: lessons learned from closed projects and the PMO's articles (standards, templates, training),
written in Markdown (rendered and sanitised on display), tagged, categorised, searchable in Chinese and English."""

from __future__ import annotations

import uuid
from pathlib import PurePath

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmo.tenancy.models import TenantModel


@pghistory.track()
class Article(TenantModel):
    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson learned")
        STANDARD = "standard", _("Standard")
        TEMPLATE = "template", _("Template")
        TRAINING = "training", _("Training")
        GUIDE = "guide", _("Guide")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GUIDE)
    title = models.CharField(_("title"), max_length=250)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    category = models.CharField(_("category"), max_length=80, blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("tags"))
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("project"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published = models.BooleanField(_("published"), default=True)
    search_document = models.TextField(default="", blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["organization", "kind", "-updated_at"], name="article_org_kind_idx"),
            # Full-text search that works for Chinese (no word breaks) and English on stock PostgreSQL: the service
            # writes ``search_document`` as lower-cased words plus CJK character bigrams; 'simple' config, GIN index.
            GinIndex(SearchVector("search_document", config="simple"), name="article_search_gin"),
            GinIndex(name="article_tags_gin", fields=["tags"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["lesson", "standard", "template", "training", "guide"]),
                name="article_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored per organisation under a random name; served only through a permission-checked view."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"org-{instance.organization_id}/knowledge/{uuid.uuid4().hex}{suffix}"


@pghistory.track()
class Attachment(TenantModel):
    """A file of an article. ``content_type`` is derived on the server from the checked file type, never taken
    from the client; ``original_name`` is only shown and sent back in ``Content-Disposition``."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["organization", "article"], name="attachment_org_article_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        """``PDF``, ``DOCX`` …: the checked type, read from the stored name (the client's name is only shown)."""
        return PurePath(self.file.name or "").suffix.lstrip(".").upper()
