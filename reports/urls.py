"""Pages of the reports app, mounted at ``/o/<org_slug>/``: alerts, inbox and webhooks, reminders, report packs."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.alerts.urls")),
    path("", include("reports.notifications.urls")),
    path("", include("reports.reminders.urls")),
    path("", include("reports.packs.urls")),
]
