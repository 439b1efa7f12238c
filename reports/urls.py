"""Pages of the reports app, mounted at ``/o/<org_slug>/``: alerts, inbox and webhooks, reminders, report packs, and
the role workspaces (executive dashboard, PMO cockpit, my work)."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.alerts.urls")),
    path("", include("reports.notifications.urls")),
    path("", include("reports.reminders.urls")),
    path("", include("reports.packs.urls")),
    path("", include("reports.dashboard.urls")),
    path("", include("reports.cockpit.urls")),
    path("", include("reports.mywork.urls")),
]
