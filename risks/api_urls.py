"""The risk register, the issue log, assumptions, heat maps and risk settings in the API (URL names start with
``api-``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from risks import api

router = SimpleRouter(trailing_slash=True)
router.register("risks", api.RiskViewSet, basename="api-risk")
router.register(r"risks/(?P<risk_pk>\d+)/actions", api.RiskActionViewSet, basename="api-risk-action")
router.register("issues", api.IssueViewSet, basename="api-issue")
router.register(r"projects/(?P<project_pk>\d+)/assumptions", api.AssumptionViewSet, basename="api-assumption")

urlpatterns = [
    path("risk-heatmap/", api.RiskHeatMapView.as_view(), name="api-risk-heatmap"),
    path("risk-settings/", api.RiskSettingsView.as_view(), name="api-risk-settings"),
    *router.urls,
]
