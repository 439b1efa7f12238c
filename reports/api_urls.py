"""The reports app's API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.alerts.api_urls")),
    path("", include("reports.notifications.api_urls")),
    path("", include("reports.reminders.api_urls")),
    path("", include("reports.packs.api_urls")),
    path("", include("reports.dashboard.api_urls")),
    path("", include("reports.cockpit.api_urls")),
    path("", include("reports.mywork.api_urls")),
]
