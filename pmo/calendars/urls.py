"""The calendar-feed page, under ``/o/<org_slug>/``."""

from django.urls import path

from pmo.calendars import views

urlpatterns = [
    path("calendar-feed/", views.CalendarFeedPageView.as_view(), name="calendar-feed"),
]
