"""``POST /api/v1/orgs/<org>/projects/<project_pk>/msproject-import/``: import a Microsoft Project XML plan.

``multipart/form-data`` with ``file`` and ``dry_run`` (default true). A dry run answers what the import would do and
writes nothing; ``dry_run=false`` imports, all or nothing, and answers what it did. Whoever may change the project
(403 for its other readers, 404 for everyone else); a closed or cancelled project is 409; a file that is not
Microsoft Project XML, or that has nothing to import, is 400 with the reason under ``file``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmo.tenancy.api_base import OrganizationAPIView
from projects.api import ProjectNestedMixin
from projects.msproject import services
from projects.msproject.parser import MAX_BYTES, MAX_TASKS
from projects.services import ProjectReadOnly

TAGS = ["msproject"]
PROJECT_ID = OpenApiParameter("project_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


class PlanImportInput(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"Microsoft Project XML (MSPDI, File → Save As → XML); at most {MAX_BYTES // (1024 * 1024)} MB "
        f"and {MAX_TASKS} tasks"
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="true (default): only say what the import would do; false: import"
    )


ROW_ACTIONS = [("create", "added"), ("update", "updated"), ("unchanged", "already as in the file")]
MATCHES = [("uid", "the project's row imported from the same task before"), ("name", "same name"), ("", "none")]


class PhasePlanOutput(serializers.Serializer):
    uid = serializers.IntegerField(help_text="The task's UID in the file")
    name = serializers.CharField()
    effect = serializers.ChoiceField(choices=ROW_ACTIONS, source="action", help_text="What the import does to it")
    match = serializers.ChoiceField(choices=MATCHES, help_text="How the project's phase was found")
    phase_id = serializers.IntegerField(allow_null=True, help_text="The project's phase it updates")
    start = serializers.DateField(allow_null=True)
    finish = serializers.DateField(allow_null=True)
    baseline_start = serializers.DateField(allow_null=True)
    baseline_finish = serializers.DateField(allow_null=True)
    old_name = serializers.CharField(allow_blank=True)
    old_start = serializers.DateField(allow_null=True)
    old_finish = serializers.DateField(allow_null=True)
    milestone_count = serializers.IntegerField()


class MilestonePlanOutput(serializers.Serializer):
    uid = serializers.IntegerField(help_text="The task's UID in the file")
    name = serializers.CharField()
    effect = serializers.ChoiceField(choices=ROW_ACTIONS, source="action", help_text="What the import does to it")
    match = serializers.ChoiceField(choices=MATCHES, help_text="How the project's milestone was found")
    milestone_id = serializers.IntegerField(allow_null=True, help_text="The project's milestone it updates")
    phase_uid = serializers.IntegerField(allow_null=True)
    phase_name = serializers.CharField(allow_blank=True)
    forecast = serializers.DateField(allow_null=True)
    baseline = serializers.DateField(allow_null=True, help_text="Its date in the file's baseline")
    actual = serializers.DateField(allow_null=True)
    old_name = serializers.CharField(allow_blank=True)
    old_forecast = serializers.DateField(allow_null=True)
    old_baseline = serializers.DateField(allow_null=True)
    old_actual = serializers.DateField(allow_null=True)


class PlanCountsOutput(serializers.Serializer):
    phases_created = serializers.IntegerField()
    phases_updated = serializers.IntegerField()
    phases_unchanged = serializers.IntegerField()
    milestones_created = serializers.IntegerField()
    milestones_updated = serializers.IntegerField()
    milestones_unchanged = serializers.IntegerField()
    tasks_skipped = serializers.IntegerField()
    links_skipped = serializers.IntegerField()
    gates_planned = serializers.IntegerField()


class PlanBaselineOutput(serializers.Serializer):
    set_from_file = serializers.BooleanField(
        source="baseline_set_from_file",
        help_text="true: the project had no baseline, and v1 is set from the file's; false: the project's stays",
    )
    version = serializers.IntegerField(
        allow_null=True, source="baseline_version", help_text="The project's baseline version"
    )
    start = serializers.DateField(allow_null=True, source="baseline_start")
    finish = serializers.DateField(allow_null=True, source="baseline_finish")
    differences = serializers.IntegerField(
        source="baseline_differences", help_text="Dates of the file's baseline that differ from the project's"
    )


class ImportPlanOutput(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="Whether the import was made (false for a dry run)")
    file_name = serializers.CharField(allow_blank=True)
    plan_name = serializers.CharField(allow_blank=True)
    start = serializers.DateField(allow_null=True)
    finish = serializers.DateField(allow_null=True)
    task_count = serializers.IntegerField()
    counts = PlanCountsOutput()
    baseline = PlanBaselineOutput(source="*")
    phases = PhasePlanOutput(many=True)
    milestones = MilestonePlanOutput(many=True)
    warnings = serializers.ListField(child=serializers.CharField(), help_text="In the caller's language")

    def get_fields(self) -> dict[str, serializers.Field]:
        # ``errors`` is a Serializer attribute, so this field cannot be declared on the class.
        fields = dict(super().get_fields())
        fields["errors"] = serializers.ListField(
            child=serializers.CharField(), help_text="What blocks the import (a dry run still answers 200)"
        )
        return fields


class PlanImportView(ProjectNestedMixin, OrganizationAPIView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="projects_msproject_import",
        parameters=[PROJECT_ID],
        request={"multipart/form-data": PlanImportInput},
        responses={
            200: ImportPlanOutput,
            400: OpenApiResponse(description="Not Microsoft Project XML, or nothing to import (reason under file)"),
            409: OpenApiResponse(description="The project is closed or cancelled"),
        },
        description=__doc__,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require_change()
        data = PlanImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        content = upload.read(MAX_BYTES + 1)
        dry_run = data.validated_data["dry_run"]
        if self.project.is_read_only:
            raise ProjectReadOnly(self.project)
        parsed = services.read_upload(content)
        if dry_run:
            plan = services.plan_build(
                organization=self.organization, project=self.project, parsed=parsed, file_name=upload.name
            )
        else:
            plan = services.plan_apply(
                organization=self.organization,
                actor=request.user,
                project=self.project,
                parsed=parsed,
                file_name=upload.name,
            )
        body = {
            **{field: getattr(plan, field) for field in ("file_name", "plan_name", "start", "finish", "task_count")},
            "dry_run": dry_run,
            "applied": not dry_run,
            "counts": plan.counts,
            "phases": plan.phases,
            "milestones": plan.milestones,
            "warnings": [notice.text for notice in plan.notices],
            "errors": plan.errors,
            "baseline_set_from_file": plan.baseline_action == "create",
            **{field: getattr(plan, field) for field in ("baseline_version", "baseline_start", "baseline_finish")},
            "baseline_differences": plan.baseline_differences,
        }
        return Response(ImportPlanOutput(body).data)
