"""The Microsoft Project import API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path

from projects.msproject.api import PlanImportView

urlpatterns = [
    path(
        "projects/<int:project_pk>/msproject-import/",
        PlanImportView.as_view(),
        name="api-project-msproject-import",
    ),
]
