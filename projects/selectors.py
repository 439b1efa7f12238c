"""Reads of projects, always for an actor in an organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from pmo.tenancy.access import OrgAccess
from projects import permissions
from projects.models import Project, ProjectUserObjectPermission


def projects_visible_to(*, access: OrgAccess, queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """The organisation's projects that ``access`` may read: all of them for leadership roles, otherwise those
    granted through ``view_project`` object permissions; one SQL query either way. ``queryset`` narrows further."""
    if queryset is None:
        queryset = Project.objects.all()
    queryset = queryset.filter(organization=access.organization)
    if access.can(permissions.VIEW_ALL):
        return queryset
    granted = ProjectUserObjectPermission.objects.filter(
        organization=access.organization,
        content_object=OuterRef("pk"),
        user_id=access.membership.user_id,
        permission__codename=permissions.VIEW_CODENAME,
    )
    return queryset.filter(Exists(granted))


def project_get_for_actor(*, access: OrgAccess, pk: Any) -> Project:
    """One project the actor may read; ``Http404`` alike when it is missing, elsewhere or not visible."""
    project = (
        projects_visible_to(access=access).select_related("portfolio", "manager").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if project is None:
        raise Http404
    return project


def project_can_change(*, access: OrgAccess, project: Project) -> bool:
    if access.can(permissions.CHANGE_ALL):
        return True
    return ProjectUserObjectPermission.objects.filter(
        organization=access.organization,
        content_object=project,
        user_id=access.membership.user_id,
        permission__codename=permissions.CHANGE_CODENAME,
    ).exists()
