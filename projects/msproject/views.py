"""Pages of the Microsoft Project import, under a project (``projects/<pk>/msproject/``): upload a plan, look at
what it would change, import it.

Whoever may change the project uses them (403 for the project's other readers, 404 for everyone else, as for the
project); a closed or cancelled project refuses the upload and the import (409). A refused file comes back with
the reason next to the form (400).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from projects.models import PlanImport
from projects.msproject import services
from projects.msproject.forms import PlanUploadForm
from projects.msproject.parser import MspProject
from projects.services import ProjectsConflict
from projects.views import ProjectPageView, add_service_errors, error_messages


class PlanImportPageView(ProjectPageView):
    """A page of the import: only for those who may change the project."""

    tab = "lifecycle"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        return super().get(request, *args, **kwargs)

    def preview_url(self, plan_import: PlanImport) -> str:
        return reverse(
            "project-msproject-preview",
            kwargs={"org_slug": self.organization.slug, "pk": self.project.pk, "import_id": plan_import.pk},
        )


class PlanUploadView(PlanImportPageView):
    template_name = "projects/msproject/upload.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.pop("form", None)
        data = super().get_context_data(**kwargs)
        data["form"] = form or PlanUploadForm()
        data["imports"] = list(
            PlanImport.objects.filter(
                organization=self.organization, project=self.project, status=PlanImport.Status.APPLIED
            )
            .select_related("applied_by")
            .order_by("-applied_at")[:5]
        )
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        form = PlanUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            plan_import = services.plan_import_create(
                organization=self.organization,
                actor=request.user,
                project=self.project,
                file_name=form.cleaned_data["file"].name,
                data=form.content(),
            )
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return redirect(self.preview_url(plan_import))


class PlanPreviewView(PlanImportPageView):
    """GET: what the import would change (as of now), or what it changed once imported. POST: import it."""

    template_name = "projects/msproject/preview.html"
    import_errors: list[str] | None = None

    @cached_property
    def plan_import(self) -> PlanImport:
        return get_object_or_404(
            PlanImport.objects.filter(organization=self.organization, project=self.project).select_related(
                "created_by", "applied_by"
            ),
            pk=self.kwargs["import_id"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        plan_import = self.plan_import
        data["plan_import"] = plan_import
        data["upload_url"] = reverse(
            "project-msproject", kwargs={"org_slug": self.organization.slug, "pk": self.project.pk}
        )
        if plan_import.status == PlanImport.Status.PREVIEWED:
            plan = services.plan_build(
                organization=self.organization,
                project=self.project,
                parsed=MspProject.from_json(plan_import.plan),
                file_name=plan_import.file_name,
            )
            data["plan"] = plan
            data["errors"] = self.import_errors or plan.errors
        return data

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require(self.can_change)
        plan_import = self.plan_import
        try:
            plan = services.plan_apply(
                organization=self.organization,
                actor=request.user,
                project=self.project,
                parsed=MspProject.from_json(plan_import.plan),
                file_name=plan_import.file_name,
                digest=request.POST.get("digest", ""),
                plan_import=plan_import,
            )
        except services.AlreadyImported as exc:
            messages.info(request, str(exc))
            return redirect(self.preview_url(plan_import))
        except ProjectsConflict as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        except ValidationError as exc:
            self.import_errors = error_messages(exc)
            return self.render_to_response(self.get_context_data(), status=400)
        if plan.changes:
            messages.success(request, _("The plan from “%(file)s” is imported.") % {"file": plan_import.file_name})
        else:
            messages.info(
                request,
                _("The project already matched the plan from “%(file)s”: nothing changed.")
                % {"file": plan_import.file_name},
            )
        return redirect(self.preview_url(plan_import))
