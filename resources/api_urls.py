"""The resources app's API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("resources.people_api_urls")),
    path("", include("resources.planning_api_urls")),
    path("", include("resources.timesheets.api_urls")),
]
