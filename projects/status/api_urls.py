"""API routes of weekly status under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from projects.status import api

router = SimpleRouter(trailing_slash=True)
router.register(
    r"projects/(?P<project_pk>\d+)/status-reports", api.ProjectStatusReportViewSet, basename="api-project-status-report"
)
router.register("status-reports", api.StatusReportViewSet, basename="api-status-report")

urlpatterns = [
    path("control-policy/", api.ControlPolicyView.as_view(), name="api-control-policy"),
    path("status-compliance/", api.StatusComplianceView.as_view(), name="api-status-compliance"),
    *router.urls,
]
