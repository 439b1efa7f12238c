"""``GET /api/v1/orgs/<org>/projects/<id>/export/?format=xlsx|csv``: the whole project as one file, the same file
as the project page's "Export project" (see ``projects.project_export``): an XLSX workbook with a sheet per part,
or a zip of CSV files. Whoever may read the project may export it; 404 otherwise, as for the project."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from pmo.core.exports import WORKBOOK_FORMATS
from pmo.tenancy.api_base import OrganizationAPIView
from projects import selectors
from projects.project_export import EXPORT_FORMATS, project_export_response
from reports.packs.api import IgnoreAcceptHeader


class ProjectExportInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="xlsx")


class ProjectExportAPIView(OrganizationAPIView):
    # ``format`` names the file here, not DRF's renderer: the answer is the file (or a JSON error) whatever the
    # client accepts.
    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        tags=["projects"],
        operation_id="project_export",
        parameters=[
            OpenApiParameter("project_pk", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=list(EXPORT_FORMATS),
                default="xlsx",
                description="xlsx: one workbook, a sheet per part; csv: a zip of CSV files (UTF-8 with a BOM)",
            ),
        ],
        responses={
            (200, WORKBOOK_FORMATS["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="The workbook"),
            (200, WORKBOOK_FORMATS["csv"]): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV files"),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        project = selectors.project_get_for_actor(access=self.access, pk=kwargs["project_pk"])
        data = ProjectExportInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        return project_export_response(access=self.access, project=project, fmt=data.validated_data["format"])
