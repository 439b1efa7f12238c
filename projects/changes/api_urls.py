"""Change control in the API: a project's change requests, the organisation's queue and the baseline-change
statistics (URL names start with ``api-``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from projects.changes import api

router = SimpleRouter(trailing_slash=True)
router.register(
    r"projects/(?P<project_pk>\d+)/change-requests", api.ChangeRequestViewSet, basename="api-project-change-request"
)
router.register("change-requests", api.OrganizationChangeRequestViewSet, basename="api-change-request")

urlpatterns = [
    path("baseline-changes/", api.BaselineChangeStatsView.as_view(), name="api-baseline-changes"),
    *router.urls,
]
