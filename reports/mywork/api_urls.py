"""API of reports.mywork under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import path

from reports.mywork import api

urlpatterns = [
    path("my-work/", api.MyWorkView.as_view(), name="api-my-work"),
]
