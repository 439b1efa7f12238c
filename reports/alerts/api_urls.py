"""API of reports.alerts under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from reports.alerts import api

router = SimpleRouter(trailing_slash=True)
router.register("alert-rules", api.AlertRuleViewSet, basename="api-alert-rule")
router.register("alerts", api.AlertViewSet, basename="api-alert")

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics/", api.MetricListView.as_view(), name="api-metric-list"),
    path("metrics/<str:key>/values/", api.MetricValuesView.as_view(), name="api-metric-values"),
    *router.urls,
]
