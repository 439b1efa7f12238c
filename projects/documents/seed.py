"""Demo documents: each running demo project links its charter, its requirements and the latest steering-committee
minutes (links to the organisation's document store, in its language), so the Documents tab opens with content.
Through the service, so its rules hold. Idempotent: a project that has documents already gets none."""

from __future__ import annotations

from typing import Any

from pmo.tenancy.roles import Role
from projects.documents.models import ProjectDocument
from projects.documents.services import document_create
from projects.models import Project

Kind = ProjectDocument.Kind
# (kind, English title, Chinese title, path of the link, version)
DOCUMENTS = [
    (Kind.PLAN, "Project charter", "项目章程", "charter", "1.0"),
    (Kind.REQUIREMENTS, "Requirements specification", "需求规格说明书", "requirements", "2.1"),
    (Kind.MINUTES, "Steering committee minutes", "指导委员会会议纪要", "steering-minutes", ""),
]
RUNNING = [Project.Status.PLANNING, Project.Status.ACTIVE, Project.Status.ON_HOLD]


def seed_demo(demo: Any) -> None:
    organization = demo.organization
    actor = demo.users[Role.PMO]
    projects = (
        Project.objects.filter(organization=organization, status__in=RUNNING, documents__isnull=True)
        .order_by("code")
        .distinct()
    )
    for project in projects:
        for kind, english, chinese, path, version in DOCUMENTS:
            document_create(
                organization=organization,
                actor=actor,
                project=project,
                title=demo.text(english, chinese),
                kind=kind,
                url=f"https://docs.{organization.slug}.example/projects/{project.code.lower()}/{path}",
                version_label=version,
            )
