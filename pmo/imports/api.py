"""``/api/v1/orgs/<org>/imports/``: CSV and XLSX imports of projects, people, allocations, risks and milestones.

``POST imports/`` (multipart: ``entity``, ``file``, ``dry_run`` true by default) reads and validates the file and
keeps it as a batch: 201 with the batch, its row count and every row-level error (row numbers as the spreadsheet
shows them: the header is row 1). With ``dry_run=false`` the rows are imported at once when there is no error
(201, ``imported``), else nothing is (400, ``failed``). ``POST imports/<id>/commit/`` imports a previewed batch:
200, or 400 with the errors (nothing imported), or 409 when it was imported (or failed) already.
``GET imports/templates/<entity>.<csv|xlsx>`` is the template to fill, headers in the caller's language.

Needs ``data.import`` and the entity's own right (403); a batch is its uploader's: anyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.core.api import Conflict
from pmo.imports import selectors, services
from pmo.imports.models import Entity, ImportBatch
from pmo.imports.parsing import upload_content
from pmo.imports.registry import spec_for
from pmo.imports.specs import ImportContext, Validation
from pmo.imports.workbooks import template_response
from pmo.tenancy.api_base import OrganizationAPIView, OrganizationViewSet
from pmo.tenancy.roles import Capability

TAGS = ["imports"]


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as the spreadsheet numbers it; 1 is the header row.")
    column = serializers.CharField(help_text="The column's key (see the template); empty for the whole row.")
    header = serializers.CharField(help_text="The column's header as written in the file.")
    cell = serializers.CharField(help_text="The cell, e.g. C7; empty for a whole row or a missing column.")
    value = serializers.CharField(help_text="The cell's text.")
    message = serializers.CharField(help_text="What is wrong, in the caller's language.")


class PreviewRowOutput(serializers.Serializer):
    row = serializers.IntegerField()
    values = serializers.DictField(
        child=serializers.CharField(), help_text="Column key → the value as it will be imported."
    )


@dataclass(frozen=True)
class BatchState:
    """A batch with the errors to show: a pending batch's are those of a validation run now (in the caller's
    language, against the data as it is); an imported or failed one's are the stored outcome."""

    batch: ImportBatch
    errors: list[dict[str, Any]]
    error_count: int
    preview: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, batch: ImportBatch, validation: Validation | None, *, preview: bool = False) -> BatchState:
        if validation is None:
            return cls(batch=batch, errors=list(batch.errors), error_count=batch.error_count)
        rows = []
        if preview:
            rows = [
                {"row": row.line, "values": {c.key: text for c, text in zip(validation.columns, cells, strict=True)}}
                for row, cells in validation.preview()
            ]
        return cls(
            batch=batch,
            errors=[error.as_dict() for error in validation.errors],
            error_count=validation.error_count,
            preview=rows,
        )


class BatchOutput(serializers.Serializer):
    id = serializers.IntegerField(source="batch.pk")
    entity = serializers.ChoiceField(choices=Entity.choices, source="batch.entity")
    file_name = serializers.CharField(source="batch.file_name")
    file_format = serializers.ChoiceField(choices=ImportBatch.Format.choices, source="batch.file_format")
    status = serializers.ChoiceField(choices=ImportBatch.Status.choices, source="batch.status")
    row_count = serializers.IntegerField(source="batch.row_count")
    error_count = serializers.IntegerField(
        help_text="How many problems; at most the first 1,000 are listed in ``errors``."
    )
    # DRF takes declared fields off the class, so this does not shadow ``Serializer.errors`` (output only anyway).
    errors = RowErrorOutput(many=True)  # type: ignore[assignment]
    imported_count = serializers.IntegerField(source="batch.imported_count")
    created_at = serializers.DateTimeField(source="batch.created_at")
    imported_at = serializers.DateTimeField(source="batch.imported_at", allow_null=True)


class BatchDetailOutput(BatchOutput):
    preview = PreviewRowOutput(many=True, help_text="The first rows as they will be imported (a pending batch).")


class BatchRefusedOutput(BatchOutput):
    detail = serializers.CharField()


class BatchListOutput(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "entity",
            "file_name",
            "file_format",
            "status",
            "row_count",
            "error_count",
            "imported_count",
            "created_at",
            "imported_at",
        ]
        read_only_fields = fields


class BatchFilterSet(filters.FilterSet):
    entity = filters.ChoiceFilter(choices=Entity.choices)
    status = filters.ChoiceFilter(choices=ImportBatch.Status.choices)

    class Meta:
        model = ImportBatch
        fields: list[str] = []


class UploadInput(serializers.Serializer):
    entity = serializers.ChoiceField(choices=Entity.choices)
    file = serializers.FileField(help_text="A .xlsx (first sheet) or .csv (UTF-8 or GB18030) file, at most 5 MB.")
    dry_run = serializers.BooleanField(
        default=True, help_text="true (default): validate and keep the batch; false: import at once if valid."
    )


def _refused(state: BatchState) -> Response:
    detail = ngettext(
        "%(count)d problem: nothing was imported.", "%(count)d problems: nothing was imported.", state.error_count
    ) % {"count": state.error_count}
    return Response({**BatchOutput(state).data, "detail": detail}, status=status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    list=extend_schema(tags=TAGS, description="Your import batches, newest first (kept for a day)."),
    retrieve=extend_schema(tags=TAGS, responses=BatchDetailOutput),
    destroy=extend_schema(tags=TAGS, responses={204: None}, description="Forget a batch (what it imported stays)."),
)
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = ImportBatch
    serializer_class = BatchListOutput
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "delete", "head", "options"]
    capabilities = {"*": Capability.DATA_IMPORT}
    filterset_class = BatchFilterSet
    ordering_fields = ["created_at", "status", "entity"]
    ordering = ["-created_at"]

    def restrict_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = queryset.filter(created_by_id=self.request.user.pk)
        if self.action == "list":
            queryset = queryset.defer(*selectors.LIST_DEFERRED)
        return queryset.order_by("-created_at", "-pk")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.ImportConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        validation = selectors.batch_validation(access=self.access, actor=request.user, batch=batch)
        return Response(BatchDetailOutput(BatchState.of(batch, validation, preview=True)).data)

    @extend_schema(
        tags=TAGS,
        request={"multipart/form-data": UploadInput},
        responses={
            201: BatchOutput,
            400: OpenApiResponse(
                {
                    "oneOf": [
                        {"$ref": "#/components/schemas/BatchRefusedOutput"},
                        {"$ref": "#/components/schemas/ValidationError"},
                    ]
                },
                description='The file cannot be read (``{"file": [...]}``, no batch kept), or, with '
                "``dry_run=false``, it has errors: the failed batch with its errors, nothing imported.",
            ),
        },
        description="Upload a CSV or XLSX file of ``entity`` rows: it is read and validated (a dry run by "
        "default) and kept as a batch with every row-level error.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        outcome = services.batch_create(
            organization=self.organization,
            actor=request.user,
            entity=data.validated_data["entity"],
            file_name=upload.name or "",
            content=upload_content(upload),
        )
        if not data.validated_data["dry_run"]:
            outcome = services.batch_commit(organization=self.organization, actor=request.user, batch=outcome.batch)
            state = BatchState(
                batch=outcome.batch, errors=[e.as_dict() for e in outcome.errors], error_count=outcome.error_count
            )
            if not outcome.ok:
                return _refused(state)
            return Response(BatchOutput(state).data, status=status.HTTP_201_CREATED)
        state = BatchState.of(outcome.batch, outcome.validation)
        return Response(BatchOutput(state).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={
            200: BatchOutput,
            400: OpenApiResponse(BatchRefusedOutput, description="Errors: nothing imported, the batch failed."),
            409: OpenApiResponse(description="Imported already, or failed (upload the file again)."),
        },
        description="Import every row of a previewed batch, or none. The rows are validated again first.",
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        outcome = services.batch_commit(organization=self.organization, actor=request.user, batch=batch)
        state = BatchState(
            batch=outcome.batch, errors=[e.as_dict() for e in outcome.errors], error_count=outcome.error_count
        )
        if not outcome.ok:
            return _refused(state)
        return Response(BatchOutput(state).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        services.batch_delete(organization=self.organization, actor=request.user, batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportTemplateView(OrganizationAPIView):
    """The template of an entity, headers in the caller's language (an XLSX adds a notes sheet)."""

    capabilities = {"*": Capability.DATA_IMPORT}

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """The file is sent whatever ``Accept`` says (``text/csv`` included); errors are JSON."""
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("entity", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Entity.values),
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["csv", "xlsx"]),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV template"),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The XLSX template"
            ),
        },
    )
    def get(self, request: Request, org_slug: str, entity: str, fmt: str) -> HttpResponse:
        spec = spec_for(entity)
        if not services.may_import(self.access, spec):
            raise exceptions.PermissionDenied()
        ctx = ImportContext(organization=self.organization, access=self.access, actor=request.user)
        return template_response(spec=spec, ctx=ctx, fmt=fmt)
