"""API routes of the integrated weekly meeting under ``/api/v1/orgs/<org_slug>/``."""

from django.urls import path

from projects.meetings import api

urlpatterns = [
    path("meetings/weekly/", api.WeeklyMeetingView.as_view(), name="api-meeting-weekly"),
]
