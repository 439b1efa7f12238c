"""API of reports.dashboard under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path

from reports.dashboard import api

urlpatterns = [
    path("dashboard/", api.DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/projects/", api.DashboardProjectsView.as_view(), name="api-dashboard-projects"),
]
