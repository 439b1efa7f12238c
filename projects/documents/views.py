"""The Documents tab of a project (``projects/<pk>/documents/``): the list (filter by kind and phase, sort,
paginate), the upload-or-link form, the download of a stored file and the deletion (after a confirmation page).

Whoever may read the project reads its documents and downloads them (404 otherwise, as for the project); whoever
may change it adds and deletes them while it is not archived (403 without the right, 409 once it is closed or
cancelled).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from pmo.core.listing import PAGE_SIZE, ListPageMixin
from pmo.tenancy.views_base import OrganizationViewMixin
from projects import selectors as project_selectors
from projects.documents import selectors, services
from projects.documents.forms import DocumentFilterForm, DocumentForm
from projects.documents.models import ProjectDocument
from projects.knowledge.downloads import attachment_response
from projects.project_export import ProjectTabExportMixin
from projects.services import ProjectsConflict
from projects.views import ProjectPageView


class ProjectDocumentsView(ListPageMixin, ProjectTabExportMixin, ProjectPageView):
    """The list filters, sorts and pages like every list; ``?format=csv|xlsx`` answers the filtered, sorted list
    (every page) as a file of the documents' details (the files themselves are downloaded one by one)."""

    tab = "documents"
    template_name = "projects/documents/list.html"
    export_part = "documents"
    default_sort = selectors.DEFAULT_SORT
    refuse_bad_filters = True

    @property
    def page_size(self) -> int:  # type: ignore[override]
        return PAGE_SIZE  # read when the page is built (the tests make pages small)

    @cached_property
    def phases(self) -> list[Any]:
        return list(project_selectors.project_phases(project=self.project))

    def document_form(self, data: Any = None, files: Any = None) -> DocumentForm:
        return DocumentForm(data, files, phases=self.phases, current_phase_id=self.project.current_phase_id)

    def build_filter_form(self) -> DocumentFilterForm:
        return DocumentFilterForm(self.request.GET or None, phases=self.phases)

    def rows(self) -> Any:
        filters = selectors.DocumentFilters(
            kind=self.values.get("kind") or "", phase=self.values.get("phase"), sort=self.sort
        )
        return selectors.project_documents(project=self.project, filters=filters)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data["documents"] = list(data["page"].object_list)
        if self.writable:
            data["document_form"] = form if isinstance(form, DocumentForm) else self.document_form()
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = self.document_form(request.POST, request.FILES)

        def run() -> ProjectDocument:
            return services.document_create(
                organization=self.organization, actor=request.user, project=self.project, **form.service_values()
            )

        return self.act(
            run,
            success=lambda document: _("“%(title)s” added.") % {"title": document.title},
            target=("document", 0),
            form=form,
        )


class DocumentMixin(ProjectPageView):
    tab = "documents"

    @cached_property
    def document(self) -> ProjectDocument:
        return selectors.document_get(project=self.project, pk=self.kwargs["document"])


class DocumentDownloadView(OrganizationViewMixin, View):
    """The stored file, as a download with the type recorded at upload; a link has nothing to download (404)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        project = project_selectors.project_get_for_actor(access=self.access, pk=kwargs["pk"])
        document = selectors.document_get(project=project, pk=kwargs["document"])
        if not document.file:
            raise Http404
        return attachment_response(document)


class DocumentDeleteView(DocumentMixin):
    """GET: what will be deleted, and a button; POST: delete and back to the list."""

    template_name = "projects/documents/confirm_delete.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        data["document"] = self.document
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        document = self.document
        try:
            services.document_delete(organization=self.organization, actor=request.user, document=document)
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        messages.success(request, _("“%(title)s” deleted.") % {"title": document.title})
        return redirect(self.tab_url())
