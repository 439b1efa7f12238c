"""Pages of the integrated weekly meeting, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.meetings import views

urlpatterns = [
    path("meetings/weekly/", views.WeeklyMeetingPageView.as_view(), name="meeting-weekly"),
]
