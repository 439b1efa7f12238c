"""API of reports.reminders under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
