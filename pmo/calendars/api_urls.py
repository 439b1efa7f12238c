"""The calendar-feed API under ``/api/v1/orgs/<org_slug>/`` (``calendar/`` is the working-days calendar)."""

from django.urls import path

from pmo.calendars import api

urlpatterns = [
    path("ical-feed/", api.CalendarFeedView.as_view(), name="api-ical-feed"),
    path("ical-feed/reset/", api.CalendarFeedResetView.as_view(), name="api-ical-feed-reset"),
]
