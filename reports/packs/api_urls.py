"""API of reports.packs under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from reports.packs import api

router = SimpleRouter(trailing_slash=True)
router.register("reports", api.ReportViewSet, basename="api-report")
router.register("subscriptions", api.ReportSubscriptionViewSet, basename="api-report-subscription")
router.register("report-schedules", api.ReportScheduleViewSet, basename="api-report-schedule")

urlpatterns: list[URLPattern | URLResolver] = [
    # The issue names the PDF endpoint without a trailing slash; both spellings answer the same.
    path(
        "reports/<int:pk>/pdf",
        api.ReportPdfNoSlashView.as_view({"get": "pdf"}),
        name="api-report-pdf-noslash",
    ),
    *router.urls,
]
