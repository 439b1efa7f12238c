"""Pages of the resources app, mounted at ``/o/<org_slug>/``: people and calendar, planning, timesheets."""

from django.urls import include, path

urlpatterns = [
    path("", include("resources.people_urls")),
    path("", include("resources.planning_urls")),
    path("", include("resources.timesheets.urls")),
]
