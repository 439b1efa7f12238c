"""``/api/v1/orgs/<org>/projects/<project_pk>/documents/``: a project's documents (files and links).

Whoever may read the project lists, reads and downloads them (404 otherwise, as for the project); whoever may
change it adds and deletes them (403 otherwise), while it is not closed or cancelled (409). A new document is sent
as ``multipart/form-data`` with either ``file`` or ``url`` (http or https), never both (400).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api_filters import SortKeysMixin
from pmo.tenancy.api_base import OrganizationViewSet
from pmo.tenancy.roles import Capability
from projects.api import PersonOutput, ProjectNestedMixin
from projects.documents import filters, selectors, services
from projects.documents.models import ProjectDocument
from projects.knowledge.api import DOWNLOAD_RESPONSES
from projects.knowledge.downloads import attachment_response
from projects.models import ProjectPhase

TAGS = ["documents"]
PROJECT_ID = OpenApiParameter("project_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


class DocumentPhaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DocumentOutput(serializers.ModelSerializer):
    """``file_name``, ``size``, ``content_type`` and ``download_url`` are set for a file, ``url`` for a link."""

    phase = DocumentPhaseOutput(allow_null=True, read_only=True)
    uploaded_by = PersonOutput(read_only=True)
    file_name = serializers.CharField(source="original_name", read_only=True)
    is_link = serializers.BooleanField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProjectDocument
        fields = [
            "id",
            "title",
            "kind",
            "phase",
            "is_link",
            "url",
            "file_name",
            "size",
            "content_type",
            "download_url",
            "version_label",
            "description",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_download_url(self, document: ProjectDocument) -> str | None:
        if not document.file:
            return None
        return reverse(
            "api-project-document-download",
            kwargs={"org_slug": self.context["org_slug"], "project_pk": document.project_id, "pk": document.pk},
        )


class DocumentInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProjectDocument.Kind.choices, required=False)
    file = serializers.FileField(
        required=False, help_text="pdf, docx, xlsx, pptx, png, jpg, txt, md or csv; at most 10 MB"
    )
    url = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="An http:// or https:// address"
    )
    phase = serializers.IntegerField(required=False, allow_null=True, help_text="A phase of this project")
    version_label = serializers.CharField(required=False, allow_blank=True, max_length=40)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_phase(self, value: int | None) -> ProjectPhase | None:
        return project_phase_or_error(self.context["project"], value)


class DocumentUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=ProjectDocument.Kind.choices, required=False)
    phase = serializers.IntegerField(required=False, allow_null=True, help_text="A phase of this project")
    version_label = serializers.CharField(required=False, allow_blank=True, max_length=40)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_phase(self, value: int | None) -> ProjectPhase | None:
        return project_phase_or_error(self.context["project"], value)


def project_phase_or_error(project: Any, value: int | None) -> ProjectPhase | None:
    if value is None:
        return None
    phase = ProjectPhase.objects.filter(organization_id=project.organization_id, project=project, pk=value).first()
    if phase is None:
        raise serializers.ValidationError(_("Choose a phase of this project."))
    return phase


@extend_schema_view(
    list=extend_schema(tags=TAGS, parameters=[PROJECT_ID], responses=DocumentOutput(many=True)),
    retrieve=extend_schema(tags=TAGS, parameters=[PROJECT_ID], responses=DocumentOutput),
    create=extend_schema(tags=TAGS, parameters=[PROJECT_ID], request={"multipart/form-data": DocumentInput},
                         responses={201: DocumentOutput}),
    partial_update=extend_schema(tags=TAGS, parameters=[PROJECT_ID], request=DocumentUpdateInput,
                                 responses=DocumentOutput),
    destroy=extend_schema(tags=TAGS, parameters=[PROJECT_ID], responses={204: None}),
    download=extend_schema(tags=TAGS, parameters=[PROJECT_ID], responses=DOWNLOAD_RESPONSES),
)  # fmt: skip
class DocumentViewSet(
    SortKeysMixin, ProjectNestedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """Documents of a project: ``?kind=`` and ``?phase=`` filter, ``?ordering=`` sorts by ``added``, ``title``,
    ``kind`` or ``phase`` (``-added``, the newest first, by default)."""

    model = ProjectDocument
    serializer_class = DocumentOutput
    filterset_class = filters.DocumentFilterSet
    sort_keys = filters.DOCUMENT_SORTS
    ordering = [selectors.DEFAULT_SORT]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {
        "create": Capability.ORG_VIEW,
        "partial_update": Capability.ORG_VIEW,
        "destroy": Capability.ORG_VIEW,
    }

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.project_documents(project=self.project, queryset=queryset)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["org_slug"] = self.kwargs.get("org_slug", "")
        return context

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        data = DocumentInput(data=request.data, context={"project": self.project})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        document = services.document_create(
            organization=self.organization,
            actor=request.user,
            project=self.project,
            title=values["title"],
            kind=values.get("kind") or ProjectDocument.Kind.OTHER,
            upload=values.get("file"),
            url=values.get("url") or "",
            phase=values.get("phase"),
            version_label=values.get("version_label") or "",
            description=values.get("description") or "",
        )
        document = selectors.document_get(project=self.project, pk=document.pk)
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the title, kind, phase, version or description (the file or link stays)."""
        document = self.get_object()
        self.require_change()
        data = DocumentUpdateInput(data=request.data, partial=True, context={"project": self.project})
        data.is_valid(raise_exception=True)
        services.document_update(
            organization=self.organization, actor=request.user, document=document, **data.validated_data
        )
        document = selectors.document_get(project=self.project, pk=document.pk)
        return Response(self.get_serializer(document).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        self.require_change()
        services.document_delete(organization=self.organization, actor=request.user, document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        document = self.get_object()
        if not document.file:
            raise Http404
        return attachment_response(document)
