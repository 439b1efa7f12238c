"""API routes of earned value under ``/api/v1/orgs/<org_slug>/``."""

from django.urls import path

from projects.earnedvalue import api

urlpatterns = [
    path("projects/<int:project_pk>/evm/", api.ProjectEvmView.as_view(), name="api-project-evm"),
]
