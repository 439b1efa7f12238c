"""The import pages under ``/o/<org>/import/``: one card per entity the user may import (templates, the columns
explained, an upload form), the preview of an uploaded batch (every problem with its row and column, the first
rows as they will be imported, Import and Cancel), and its result.

The page needs ``data.import``; an entity the user may not import is 403, an unknown one 404; a batch is its
uploader's (404 for anyone else, in this organisation or another).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from pmo.imports import selectors, services
from pmo.imports.forms import UploadForm
from pmo.imports.models import ImportBatch
from pmo.imports.parsing import upload_content
from pmo.imports.registry import entity_specs, spec_for
from pmo.imports.specs import EntitySpec, ImportContext, Validation
from pmo.imports.workbooks import column_notes, template_response
from pmo.tenancy.roles import Capability
from pmo.tenancy.views_base import OrganizationViewMixin

RECENT_BATCHES = 10


@dataclass(frozen=True)
class ImportCard:
    spec: EntitySpec
    form: UploadForm
    columns: list[dict[str, Any]]
    upload_url: str
    xlsx_url: str
    csv_url: str


class ImportPageMixin(OrganizationViewMixin):
    capability = Capability.DATA_IMPORT
    nav_key = "import"
    request: HttpRequest

    def context(self) -> ImportContext:
        return ImportContext(organization=self.organization, access=self.access, actor=self.request.user)

    def spec(self, entity: str) -> EntitySpec:
        """The entity's spec: 404 for an unknown name, 403 when the user may not import it."""
        spec = spec_for(entity)
        if not services.may_import(self.access, spec):
            raise PermissionDenied
        return spec

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"org_slug": self.organization.slug, **kwargs})


class ImportHomeView(ImportPageMixin, TemplateView):
    """GET: the cards and the user's recent uploads. POST (``import/<entity>/``): upload a file, then its preview."""

    template_name = "imports/home.html"

    def cards(self, forms: dict[str, UploadForm]) -> list[ImportCard]:
        ctx = self.context()
        cards = []
        for key, spec in entity_specs().items():
            if not services.may_import(self.access, spec):
                continue
            cards.append(
                ImportCard(
                    spec=spec,
                    form=forms.get(key) or UploadForm(auto_id=f"{key}_%s"),
                    columns=column_notes(spec, ctx),
                    upload_url=self.url("import-upload", entity=key),
                    xlsx_url=self.url("import-template", entity=key, fmt="xlsx"),
                    csv_url=self.url("import-template", entity=key, fmt="csv"),
                )
            )
        return cards

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        forms = kwargs.pop("forms", {})
        data = super().get_context_data(**kwargs)
        batches = list(selectors.batches_of(access=self.access).defer(*selectors.LIST_DEFERRED)[:RECENT_BATCHES])
        labels = {key: spec.label for key, spec in entity_specs().items()}
        data.update(cards=self.cards(forms), batches=[(batch, labels[batch.entity]) for batch in batches])
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = self.spec(kwargs["entity"])
        form = UploadForm(request.POST, request.FILES, auto_id=f"{spec.key}_%s")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = services.batch_create(
                    organization=self.organization,
                    actor=request.user,
                    entity=spec.key,
                    file_name=upload.name or "",
                    content=upload_content(upload),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect("import-batch", org_slug=self.organization.slug, pk=outcome.batch.pk)
        return self.render_to_response(self.get_context_data(forms={spec.key: form}), status=400)


class TemplateDownloadView(ImportPageMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return template_response(spec=self.spec(kwargs["entity"]), ctx=self.context(), fmt=kwargs["fmt"])


class BatchView(ImportPageMixin, TemplateView):
    """A batch: its preview while it waits, its problems when it failed, its result once imported."""

    template_name = "imports/batch.html"

    @cached_property
    def batch(self) -> ImportBatch:
        return selectors.batch_get_for_actor(access=self.access, pk=self.kwargs["pk"])

    def batch_url(self, action: str = "") -> str:
        name = f"import-batch-{action}" if action else "import-batch"
        return self.url(name, pk=self.batch.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        batch = self.batch
        spec = entity_specs()[batch.entity]
        validation: Validation | None = selectors.batch_validation(
            access=self.access, actor=self.request.user, batch=batch
        )
        if validation is not None:
            errors = [error.as_dict() for error in validation.errors]
            error_count = validation.error_count
            columns = validation.columns
            data["headers"] = [str(column.header) for column in columns]
            data["preview"] = [
                (
                    row.line,
                    [(text, column.key in row.failed) for column, text in zip(validation.columns, cells, strict=True)],
                )
                for row, cells in validation.preview()
            ]
        else:
            errors, error_count = list(batch.errors), batch.error_count
        data.update(
            batch=batch,
            spec=spec,
            errors=errors,
            error_count=error_count,
            can_commit=validation is not None and validation.ok,
            items=spec.count_label(batch.row_count),
            imported_items=spec.count_label(batch.imported_count),
            result_links=spec.result_links(self.organization, batch.imported_ids)
            if batch.status == ImportBatch.Status.IMPORTED
            else [],
            upload_again_url=f"{self.url('import-home')}#import-{spec.key}",
            commit_url=self.batch_url("commit"),
            delete_url=self.batch_url("delete"),
        )
        return data


class BatchCommitView(BatchView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(self.batch_url())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        spec = self.spec(self.batch.entity)
        try:
            outcome = services.batch_commit(organization=self.organization, actor=request.user, batch=self.batch)
        except services.ImportConflict as exc:
            messages.info(request, str(exc))
            return redirect(self.batch_url())
        if outcome.ok:
            messages.success(
                request, _("%(items)s imported.") % {"items": spec.count_label(outcome.batch.imported_count)}
            )
            return redirect(self.batch_url())
        self.batch = outcome.batch
        messages.error(request, _("Nothing was imported: the rows below have problems."))
        return self.render_to_response(self.get_context_data(), status=400)


class BatchDeleteView(BatchView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(self.batch_url())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        batch = self.batch
        services.batch_delete(organization=self.organization, actor=request.user, batch=batch)
        if batch.status == ImportBatch.Status.IMPORTED:
            messages.info(
                request, _("%(file)s removed from your imports (what it imported stays).") % {"file": batch.file_name}
            )
        else:
            messages.info(request, _("Import of %(file)s cancelled: nothing was imported.") % {"file": batch.file_name})
        return redirect("import-home", org_slug=self.organization.slug)
