"""API of reports.reminders under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import URLPattern, URLResolver, path

from reports.reminders import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("reminder-policy/", api.ReminderPolicyView.as_view(), name="api-reminder-policy"),
    path("reminders/preview/", api.ReminderPreviewView.as_view(), name="api-reminder-preview"),
]
