"""The projects app's API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from projects import api, api_templates
from projects.project_export_api import ProjectExportAPIView

PROJECT = r"projects/(?P<project_pk>\d+)"
TEMPLATE = r"templates/(?P<template_pk>\d+)"

router = SimpleRouter(trailing_slash=True)
router.register("projects", api.ProjectViewSet, basename="api-project")
router.register(f"{PROJECT}/milestones", api.MilestoneViewSet, basename="api-project-milestone")
router.register(f"{PROJECT}/phases", api.PhaseViewSet, basename="api-project-phase")
router.register(f"{PROJECT}/deliverables", api.DeliverableViewSet, basename="api-project-deliverable")
router.register(f"{PROJECT}/gates", api.GateViewSet, basename="api-project-gate")
router.register(f"{PROJECT}/tailoring", api.TailoringViewSet, basename="api-project-tailoring")
router.register(f"{PROJECT}/baselines", api.BaselineViewSet, basename="api-project-baseline")
router.register("dependencies", api.DependencyViewSet, basename="api-dependency")
router.register("templates", api_templates.TemplateViewSet, basename="api-template")
router.register(f"{TEMPLATE}/phases", api_templates.TemplatePhaseViewSet, basename="api-template-phase")
router.register(
    f"{TEMPLATE}/deliverables", api_templates.TemplateDeliverableViewSet, basename="api-template-deliverable"
)
router.register(f"{TEMPLATE}/gates", api_templates.TemplateGateViewSet, basename="api-template-gate")

urlpatterns = [
    path("", include("projects.status.api_urls")),
    path("", include("projects.changes.api_urls")),
    path("", include("projects.meetings.api_urls")),
    path("", include("projects.earnedvalue.api_urls")),
    path("projects/<int:project_pk>/export/", ProjectExportAPIView.as_view(), name="api-project-export"),
    path("projects/<int:project_pk>/closure/", api.ClosureView.as_view(), name="api-project-closure"),
    path(
        "projects/<int:project_pk>/closure/submit/",
        api.ClosureSubmitView.as_view(),
        name="api-project-closure-submit",
    ),
    path(
        "projects/<int:project_pk>/closure/approve/",
        api.ClosureApproveView.as_view(),
        name="api-project-closure-approve",
    ),
    path(
        "projects/<int:project_pk>/closure/return/",
        api.ClosureReturnView.as_view(),
        name="api-project-closure-return",
    ),
    *router.urls,
]
